"""Text Writing metrics (SPEC 5.2): words-to-sentence, summary and paraphrase.

Each result records the grammar backend actually used (``grammar_backend``) and, for paraphrase,
the similarity backend (``similarity_backend``). Text metrics have no strict variant:
``score_strict`` equals ``score``.
"""
from __future__ import annotations

from typing import Any

from parallelbench.errors import ConfigError, DataError
from parallelbench.metrics.base import Metric, label_dict, label_list
from parallelbench.metrics.bleu import bleu
from parallelbench.metrics.grammar import GrammarChecker, get_grammar_checker
from parallelbench.metrics.similarity import (SimilarityScorer, get_similarity_scorer,
                                              rouge_scores)

__all__ = ["TextMetric", "WordsToSentence", "Summary", "Paraphrase"]

GrammarSpec = GrammarChecker | str | None


class TextMetric(Metric):
    """A metric that checks grammar. ``grammar`` is a checker, a backend name, or ``None`` for
    ``auto``; a name is resolved once, on first use, and then fixed for this metric."""

    def __init__(self, grammar: GrammarSpec = None) -> None:
        if grammar is not None and not isinstance(grammar, (GrammarChecker, str)):
            raise ConfigError("grammar must be a GrammarChecker or a backend name")
        self._grammar_spec = grammar
        self._grammar: GrammarChecker | None = grammar if isinstance(grammar, GrammarChecker) else None

    @property
    def grammar(self) -> GrammarChecker:
        """The grammar checker in use (resolved on first access)."""
        if self._grammar is None:
            self._grammar = get_grammar_checker(self._grammar_spec or "auto")
        return self._grammar

    def extra_fields(self) -> dict[str, str]:
        return {"grammar_backend": self.grammar.name}

    def _finish(self, out: dict[str, Any]) -> dict[str, Any]:
        out["score_strict"] = out["score"]
        out.update(self.extra_fields())
        return out


class WordsToSentence(TextMetric):
    """``sentence_to_words_score``: every word appears (case-sensitive substring of the raw
    output, so "ink" is found in "thinking") and the output is grammatical."""

    name = "sentence_to_words_score"
    keys = ("inclusion_score", "grammar_score", "score", "score_strict")

    def prepare_label(self, label: Any) -> list[str]:
        return label_list(label_dict(label, self.name, ("words",))["words"], self.name, "words")

    def compute(self, prediction: str, words: list[str]) -> dict[str, Any]:
        inclusion = all(word in prediction for word in words)
        grammar = self.grammar.check(prediction)
        out: dict[str, Any] = {"inclusion_score": float(inclusion), "grammar_score": float(grammar),
                               "score": float(inclusion and grammar)}
        if not prediction.strip():
            out["reason"] = "empty prediction"
        return self._finish(out)


def _label_text(label: Any, metric: str, field: str) -> str:
    value = label_dict(label, metric, (field,))[field]
    if not isinstance(value, str):
        raise DataError(f"{metric}: label field {field!r} must be a string")
    return value


class Summary(TextMetric):
    """``summary_score``: ROUGE-L F (stemmed) against the reference summary x grammar (0 when
    the stripped output is empty; ROUGE is still computed, and is 0)."""

    name = "summary_score"
    keys = ("rouge1_score", "rouge2_score", "rougeL_score", "grammar_score", "score", "score_strict")

    def prepare_label(self, label: Any) -> str:
        return _label_text(label, self.name, "summary").strip()

    def compute(self, prediction: str, summary: str) -> dict[str, Any]:
        pred = prediction.strip()
        out: dict[str, Any] = rouge_scores(pred, summary)
        grammar = float(self.grammar.check(pred)) if pred else 0.0
        out["grammar_score"] = grammar
        out["score"] = out["rougeL_score"] * grammar
        if not pred:
            out["reason"] = "empty prediction"
        return self._finish(out)


class Paraphrase(TextMetric):
    """``paraphrase_score``: (1 - BLEU vs the source) x similarity to the source x grammar.

    An empty stripped output scores 0 on every sub-score. ``similarity_score`` is the value used
    in ``score``; the same value is also reported under the backend's own name,
    ``bertscore_score`` only when the backend is real BERTScore and ``chrf_score`` for the chrF
    fallback, so a fallback value can never pass for BERTScore in a table.
    """

    name = "paraphrase_score"

    def __init__(self, grammar: GrammarSpec = None,
                 similarity: SimilarityScorer | str | None = None) -> None:
        super().__init__(grammar)
        if similarity is not None and not isinstance(similarity, (SimilarityScorer, str)):
            raise ConfigError("similarity must be a SimilarityScorer or a backend name")
        self._sim_spec = similarity
        self._sim = similarity if isinstance(similarity, SimilarityScorer) else None

    @property
    def similarity(self) -> SimilarityScorer:
        """The similarity scorer in use (resolved on first access)."""
        if self._sim is None:
            self._sim = get_similarity_scorer(self._sim_spec or "auto")
        return self._sim

    @property
    def keys(self) -> tuple[str, ...]:  # type: ignore[override]
        own = self.similarity.metric_key
        sim = ("similarity_score", own) if own else ("similarity_score",)
        return ("inv_bleu_score", *sim, "grammar_score", "score", "score_strict")

    def extra_fields(self) -> dict[str, str]:
        return {**super().extra_fields(), "similarity_backend": self.similarity.name}

    def prepare_label(self, label: Any) -> str:
        return _label_text(label, self.name, "text")

    def compute(self, prediction: str, source: str) -> dict[str, Any]:
        pred = prediction.strip()
        if not pred:
            return self.failure("empty prediction")
        inv_bleu = 1.0 - bleu([pred], [[source]])["bleu"]
        sim = min(max(self.similarity.score(pred, source), 0.0), 1.0)
        grammar = float(self.grammar.check(pred))
        out: dict[str, Any] = {"inv_bleu_score": inv_bleu, "similarity_score": sim}
        if self.similarity.metric_key:
            out[self.similarity.metric_key] = sim
        out["grammar_score"] = grammar
        out["score"] = inv_bleu * sim * grammar
        return self._finish(out)
