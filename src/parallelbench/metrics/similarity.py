"""Semantic-similarity backends for the paraphrase metric, and ROUGE for the summary metric.

* ``bertscore``: BERTScore F1 through the ``bert_score`` package with ``lang="en"`` and its
  defaults (roberta-large, layer 17, no idf, no baseline rescaling) -- the paper's metric. Used
  only when the package is installed *and* roberta-large is already in the local Hugging Face
  cache; it is loaded in offline mode, so nothing is ever downloaded.
* ``chrf``: the documented offline fallback, sentence chrF (sacrebleu defaults: character
  6-grams, beta 2) divided by 100. A different metric, recorded as ``chrf-fallback``.
* ``auto``: ``bertscore`` when available, else ``chrf``; decided once per scorer.
"""
from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import logging
import os
import threading

from parallelbench.errors import ConfigError

__all__ = ["SimilarityScorer", "BertScoreScorer", "ChrfScorer", "get_similarity_scorer",
           "bertscore_available", "rouge_scores", "SIMILARITY_BACKENDS"]

log = logging.getLogger(__name__)

SIMILARITY_BACKENDS = ("auto", "bertscore", "chrf")
BERTSCORE_MODEL = "roberta-large"  # bert_score's model for lang="en"


class SimilarityScorer:
    """``score(prediction, reference) -> float`` in [0, 1]; ``name`` is recorded in results as
    ``similarity_backend``; ``is_bertscore`` says whether the value is real BERTScore F1."""

    name = "similarity"
    is_bertscore = False

    def score(self, prediction: str, reference: str) -> float:
        raise NotImplementedError


class ChrfScorer(SimilarityScorer):
    """Sentence chrF / 100 (offline fallback; not BERTScore)."""

    name = "chrf-fallback"

    def __init__(self) -> None:
        from sacrebleu.metrics import CHRF

        self._chrf = CHRF()

    def score(self, prediction: str, reference: str) -> float:
        return self._chrf.sentence_score(prediction, [reference]).score / 100.0


def bertscore_available() -> bool:
    """Whether ``bert_score`` is installed and roberta-large is in the local HF cache."""
    try:
        if importlib.util.find_spec("bert_score") is None:
            return False
    except (ImportError, ValueError):
        return False
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False

    def cached(filename: str) -> bool:
        return isinstance(try_to_load_from_cache(BERTSCORE_MODEL, filename), str)

    return cached("config.json") and (cached("model.safetensors") or cached("pytorch_model.bin"))


class BertScoreScorer(SimilarityScorer):
    """BERTScore F1 (bert_score defaults for ``lang="en"``), loaded offline on first use."""

    is_bertscore = True

    def __init__(self) -> None:
        try:
            version = importlib.metadata.version("bert-score")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        self.name = f"bertscore-{version}-{BERTSCORE_MODEL}"
        self._scorer = None
        self._lock = threading.Lock()

    def __reduce__(self):
        return (type(self), ())  # rebuilt (and reloaded lazily) in another process

    def _load(self):
        with self._lock:
            if self._scorer is None:
                self._scorer = _load_offline()
        return self._scorer

    @functools.lru_cache(maxsize=1 << 14)  # noqa: B019 - scorers are few and long-lived
    def score(self, prediction: str, reference: str) -> float:
        _, _, f1 = self._load().score([prediction], [reference])
        return float(f1[0])


def _load_offline():
    """Build ``bert_score.BERTScorer(lang="en")`` with the Hugging Face hub forced offline."""
    import bert_score

    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    try:
        import huggingface_hub.constants as hub_constants

        old_flag = hub_constants.HF_HUB_OFFLINE
        hub_constants.HF_HUB_OFFLINE = True  # read at import time by huggingface_hub
    except ImportError:  # pragma: no cover
        hub_constants, old_flag = None, None
    try:
        return bert_score.BERTScorer(lang="en")
    except Exception as exc:
        raise ConfigError(f"could not load BERTScore ({BERTSCORE_MODEL}) from the local cache: "
                          f"{type(exc).__name__}") from None
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if hub_constants is not None:
            hub_constants.HF_HUB_OFFLINE = old_flag


@functools.lru_cache(maxsize=None)
def _shared_scorer(name: str) -> SimilarityScorer:
    if name == "chrf":
        return ChrfScorer()
    if name == "bertscore" or bertscore_available():
        if not bertscore_available():
            raise ConfigError("similarity backend 'bertscore' needs the bert-score package "
                              "(pip install 'parallelbench[bertscore]') and roberta-large in the "
                              "local Hugging Face cache; nothing is downloaded at run time")
        return BertScoreScorer()
    return ChrfScorer()


def get_similarity_scorer(name: str = "auto") -> SimilarityScorer:
    """The similarity scorer for ``name`` (``auto``, ``bertscore`` or ``chrf``); one shared per
    name in a process. Raises ``ConfigError`` for an unknown or unavailable backend."""
    key = (name or "auto").strip().lower()
    if key not in SIMILARITY_BACKENDS:
        raise ConfigError(f"unknown similarity backend {name!r}; "
                          f"known: {', '.join(SIMILARITY_BACKENDS)}")
    return _shared_scorer(key)


get_similarity_scorer.cache_clear = _shared_scorer.cache_clear  # type: ignore[attr-defined]

_ROUGE = None


def rouge_scores(prediction: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L F-measures with stemming (``rouge_score``), as ``evaluate``'s ``rouge``
    computes them for one prediction and one reference (plain LCS ROUGE-L, not Lsum)."""
    global _ROUGE
    if _ROUGE is None:
        from rouge_score import rouge_scorer

        _ROUGE = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scores = _ROUGE.score(reference, prediction)  # (target, prediction)
    return {f"{key}_score": float(scores[key].fmeasure) for key in ("rouge1", "rouge2", "rougeL")}
