"""Which grammar and similarity backends score a run (``run``/``score`` flags, sweep keys).

``MetricBackends`` holds the choice as plain strings (so it travels to Ray workers and into the
manifest): ``grammar`` (``auto``, ``languagetool``, ``harper-profile``, ``harper``), the
LanguageTool server ``languagetool_url`` (default: env ``LANGUAGETOOL_URL``), ``similarity``
(``auto``, ``bertscore``, ``chrf``) and ``similarity_model``, a local BERTScore model folder.
``check`` builds the backends a run needs before its first sample, so an unavailable one
(LanguageTool not installed or not answering, no model at the path, bert-score missing) is one
``ConfigError``; ``metric`` gives a task's metric scored with them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from parallelbench.errors import ConfigError
from parallelbench.metrics.grammar import GRAMMAR_BACKENDS, get_grammar_checker
from parallelbench.metrics.grammar_languagetool import _redact
from parallelbench.metrics.similarity import SIMILARITY_BACKENDS, check_model_path, get_similarity_scorer

__all__ = ["MetricBackends", "TEXT_METRICS", "SIMILARITY_METRICS", "add_backend_flags"]

# Metrics that check grammar, and the one that also scores similarity.
TEXT_METRICS = frozenset({"sentence_to_words_score", "summary_score", "paraphrase_score"})
SIMILARITY_METRICS = frozenset({"paraphrase_score"})


@dataclass(frozen=True)
class MetricBackends:
    """The requested metric backends (names and locations, not loaded objects)."""

    grammar: str = "auto"
    languagetool_url: str | None = None
    similarity: str = "auto"
    similarity_model: str | None = None

    def __post_init__(self) -> None:
        if (self.grammar or "auto") not in GRAMMAR_BACKENDS:
            raise ConfigError(f"unknown grammar backend {self.grammar!r}; "
                              f"known: {', '.join(GRAMMAR_BACKENDS)}")
        if (self.similarity or "auto") not in SIMILARITY_BACKENDS:
            raise ConfigError(f"unknown similarity backend {self.similarity!r}; "
                              f"known: {', '.join(SIMILARITY_BACKENDS)}")

    @classmethod
    def from_spec(cls, spec: Any) -> "MetricBackends":
        """From any object with (some of) the four attributes, e.g. a ``SweepSpec``."""
        return cls(getattr(spec, "grammar", None) or "auto",
                   getattr(spec, "languagetool_url", None) or None,
                   getattr(spec, "similarity", None) or "auto",
                   getattr(spec, "similarity_model", None) or None)

    def grammar_checker(self):
        return get_grammar_checker(self.grammar or "auto", self.languagetool_url)

    def similarity_scorer(self):
        return get_similarity_scorer(self.similarity or "auto", self.similarity_model)

    def metric(self, name: str):
        """The metric ``name`` scored with these backends."""
        from parallelbench.metrics.registry import get_metric

        grammar = self.grammar_checker() if name in TEXT_METRICS else None
        similarity = self.similarity_scorer() if name in SIMILARITY_METRICS else None
        return get_metric(name, grammar=grammar, similarity=similarity)

    def check(self, metrics: set[str] | frozenset[str]) -> dict[str, str]:
        """Build (and load) the backends the ``metrics`` need; returns what scores will record,
        ``{"grammar_backend": ..., "similarity_backend": ...}``. Raises ``ConfigError``. A
        ``similarity_model`` is checked whatever the metrics: a path that names no model is a
        mistake even where no task would use it."""
        if self.similarity_model:
            if (self.similarity or "auto") == "chrf":
                raise ConfigError("--similarity chrf does not use a model; drop --similarity-model")
            check_model_path(self.similarity_model)
        out = {}
        if set(metrics) & TEXT_METRICS:
            out["grammar_backend"] = self.grammar_checker().name
        if set(metrics) & SIMILARITY_METRICS:
            scorer = self.similarity_scorer()
            scorer.load()
            out["similarity_backend"] = scorer.name
        return out

    def to_dict(self) -> dict[str, Any]:
        """For the manifest: the request, with any credentials cut from the URL."""
        return {"grammar": self.grammar, "similarity": self.similarity,
                "languagetool_url": _redact(self.languagetool_url) if self.languagetool_url
                else None, "similarity_model": self.similarity_model}


def add_backend_flags(p: Any) -> None:
    """Add ``--grammar``, ``--languagetool-url``, ``--similarity`` and ``--similarity-model`` to
    an ``argparse`` parser (``score``, ``run``, ``rescore``); read them back with
    ``MetricBackends.from_spec(args)``."""
    p.add_argument("--grammar", choices=["auto", "languagetool", "harper-profile", "harper"],
                   default=None, help="grammar backend of the text metrics (default auto: "
                   "LanguageTool when reachable, else the offline harper-profile)")
    p.add_argument("--languagetool-url", metavar="URL",
                   help="LanguageTool server (default: env LANGUAGETOOL_URL, else a local one)")
    p.add_argument("--similarity", choices=["auto", "bertscore", "chrf"], default=None,
                   help="paraphrase similarity (default auto: BERTScore when its model is local, "
                        "else chrF, reported as chrf_score)")
    p.add_argument("--similarity-model", metavar="PATH",
                   help="local BERTScore model folder (e.g. a saved roberta-large)")
