"""Semantic-similarity backends for the paraphrase metric, and ROUGE for the summary metric.

* ``bertscore``: BERTScore F1 through the ``bert_score`` package with ``lang="en"`` and its
  defaults (roberta-large, layer 17, no idf, no baseline rescaling) -- the paper's metric. Used
  only when the package is installed *and* the model is local: roberta-large in the Hugging Face
  cache, or a model folder given as ``model_path`` (``--similarity-model PATH``). It is loaded
  in offline mode, so nothing is ever downloaded. A folder holding roberta-large (24 layers,
  hidden size 1024) is scored at layer 17 as the paper; another model at bert_score's layer for
  its name, else its last layer, and is recorded under its own name.
* ``chrf``: the documented offline fallback, sentence chrF (sacrebleu defaults: character
  6-grams, beta 2) divided by 100. A different metric, recorded as ``chrf-fallback`` and
  reported under its own key (``chrf_score``), never as BERTScore.
* ``auto``: ``bertscore`` when available (``model_path`` given, or roberta-large cached), else
  ``chrf``; decided once per scorer.
"""
from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import logging
import os
import json
import threading
from pathlib import Path

from parallelbench.errors import ConfigError

__all__ = ["SimilarityScorer", "BertScoreScorer", "ChrfScorer", "get_similarity_scorer",
           "bertscore_available", "check_model_path", "rouge_scores", "SIMILARITY_BACKENDS"]

log = logging.getLogger(__name__)

SIMILARITY_BACKENDS = ("auto", "bertscore", "chrf")
BERTSCORE_MODEL = "roberta-large"  # bert_score's model for lang="en"
BERTSCORE_LAYER = 17  # bert_score's layer for roberta-large


class SimilarityScorer:
    """``score(prediction, reference) -> float`` in [0, 1]; ``name`` is recorded in results as
    ``similarity_backend``; ``is_bertscore`` says whether the value is real BERTScore F1;
    ``metric_key`` is the key the value is also reported under (``bertscore_score``,
    ``chrf_score``), so a table never shows one metric under the other's name."""

    name = "similarity"
    is_bertscore = False

    @property
    def metric_key(self) -> str | None:
        return "bertscore_score" if self.is_bertscore else None

    def score(self, prediction: str, reference: str) -> float:
        raise NotImplementedError

    def load(self) -> None:
        """Load whatever the scorer needs now (so a missing model fails before a run starts)."""


class ChrfScorer(SimilarityScorer):
    """Sentence chrF / 100 (offline fallback; not BERTScore)."""

    name = "chrf-fallback"
    metric_key = "chrf_score"  # type: ignore[assignment]

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


def _model_layers(path: Path) -> tuple[str, int]:
    """(recorded model name, layer) of a local model folder for BERTScore."""
    try:
        config = json.loads((path / "config.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise ConfigError(f"no BERTScore model at {str(path)!r}: need a Hugging Face model folder "
                          "(config.json, weights, tokenizer)") from None
    if (config.get("model_type") == "roberta" and config.get("num_hidden_layers") == 24
            and config.get("hidden_size") == 1024):
        return BERTSCORE_MODEL, BERTSCORE_LAYER  # roberta-large, as the paper
    from bert_score.utils import model2layers

    layers = model2layers.get(path.name) or int(config.get("num_hidden_layers") or 1)
    return f"{path.name}-L{layers}", layers


def check_model_path(model_path: str) -> Path:
    """The folder of a local BERTScore model; ``ConfigError`` when it is not one."""
    path = Path(model_path).expanduser()
    weights = ("model.safetensors", "pytorch_model.bin")
    if not path.is_dir() or not (path / "config.json").is_file() \
            or not any((path / w).is_file() for w in weights):
        raise ConfigError(f"no BERTScore model at {model_path!r}: need a local Hugging Face model "
                          "folder with config.json and model.safetensors (or pytorch_model.bin)")
    return path


class BertScoreScorer(SimilarityScorer):
    """BERTScore F1 (bert_score defaults for ``lang="en"``), loaded offline on first use, from
    the Hugging Face cache or from the local folder ``model_path``."""

    is_bertscore = True

    def __init__(self, model_path: str | None = None) -> None:
        try:
            version = importlib.metadata.version("bert-score")
        except importlib.metadata.PackageNotFoundError:
            version = "unknown"
        self._path = str(check_model_path(model_path)) if model_path else None
        model, self._layers = (_model_layers(Path(self._path)) if self._path
                               else (BERTSCORE_MODEL, BERTSCORE_LAYER))
        self.name = f"bertscore-{version}-{model}"
        self._scorer = None
        self._lock = threading.Lock()

    def __reduce__(self):
        return (type(self), (self._path,))  # rebuilt (and reloaded lazily) in another process

    def _load(self):
        with self._lock:
            if self._scorer is None:
                self._scorer = _load_offline(self._path, self._layers)
        return self._scorer

    def load(self) -> None:
        self._load()

    @functools.lru_cache(maxsize=1 << 14)  # noqa: B019 - scorers are few and long-lived
    def score(self, prediction: str, reference: str) -> float:
        _, _, f1 = self._load().score([prediction], [reference])
        return float(f1[0])


def _load_offline(model_path: str | None = None, layers: int = 17):
    """Build ``bert_score.BERTScorer`` (``lang="en"``, or the local ``model_path`` at ``layers``)
    with the Hugging Face hub forced offline."""
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
        if model_path:
            return bert_score.BERTScorer(model_type=model_path, num_layers=layers, lang="en")
        return bert_score.BERTScorer(lang="en")
    except Exception as exc:
        where = model_path or f"{BERTSCORE_MODEL} in the local cache"
        raise ConfigError(f"could not load BERTScore from {where}: {type(exc).__name__}") from None
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if hub_constants is not None:
            hub_constants.HF_HUB_OFFLINE = old_flag


def _bert_score_installed() -> bool:
    try:
        return importlib.util.find_spec("bert_score") is not None
    except (ImportError, ValueError):
        return False


@functools.lru_cache(maxsize=None)
def _shared_scorer(name: str, model_path: str | None) -> SimilarityScorer:
    if name == "chrf":
        return ChrfScorer()
    if model_path:
        if not _bert_score_installed():
            raise ConfigError("--similarity-model needs the bert-score package "
                              "(pip install 'parallelbench[bertscore]')")
        return BertScoreScorer(model_path)
    if name == "bertscore" or bertscore_available():
        if not bertscore_available():
            raise ConfigError("similarity backend 'bertscore' needs the bert-score package "
                              "(pip install 'parallelbench[bertscore]') and roberta-large in the "
                              "local Hugging Face cache, or a local model folder given with "
                              "--similarity-model PATH; nothing is downloaded at run time")
        return BertScoreScorer()
    return ChrfScorer()


def get_similarity_scorer(name: str = "auto", model_path: str | None = None) -> SimilarityScorer:
    """The similarity scorer for ``name`` (``auto``, ``bertscore`` or ``chrf``); one shared per
    (name, model path) in a process. ``model_path`` is a local BERTScore model folder (it makes
    ``auto`` BERTScore). Raises ``ConfigError`` for an unknown or unavailable backend."""
    key = (name or "auto").strip().lower()
    if key not in SIMILARITY_BACKENDS:
        raise ConfigError(f"unknown similarity backend {name!r}; "
                          f"known: {', '.join(SIMILARITY_BACKENDS)}")
    if model_path and key == "chrf":
        raise ConfigError("--similarity chrf does not use a model; drop --similarity-model")
    return _shared_scorer(key, str(model_path) if model_path else None)


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
