"""Similarity backends: the chrF fallback, and the BERTScore path with a stand-in package."""
from __future__ import annotations

import importlib.machinery
import os
import sys
import types

import pytest

from parallelbench.errors import ConfigError
from parallelbench.metrics import (BertScoreScorer, ChrfScorer, bertscore_available, get_metric,
                                   get_similarity_scorer)
from parallelbench.metrics import similarity as sim_mod


def test_chrf_fallback_values():
    s = ChrfScorer()
    assert s.name == "chrf-fallback" and not s.is_bertscore
    assert s.score("The cat sat.", "The cat sat.") == pytest.approx(1.0)
    close = s.score("The cat was sitting.", "The cat sat.")
    far = s.score("Quantum flux capacitors.", "The cat sat.")
    assert 0.0 <= far < close < 1.0


def test_auto_without_bertscore_is_chrf(fresh_backends, monkeypatch):
    monkeypatch.setattr(sim_mod, "bertscore_available", lambda: False)
    assert isinstance(get_similarity_scorer(), ChrfScorer)
    with pytest.raises(ConfigError, match="nothing is downloaded"):
        get_similarity_scorer("bertscore")
    with pytest.raises(ConfigError, match="chrf"):
        get_similarity_scorer("sbert")


def _fake_package(monkeypatch):
    module = types.ModuleType("bert_score")
    module.__spec__ = importlib.machinery.ModuleSpec("bert_score", None)
    monkeypatch.setitem(sys.modules, "bert_score", module)
    return module


def test_bertscore_availability_needs_package_and_local_model(monkeypatch, tmp_path):
    import huggingface_hub.constants as hub_constants

    monkeypatch.setattr(hub_constants, "HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setitem(sys.modules, "bert_score", None)  # not installed
    assert bertscore_available() is False
    _fake_package(monkeypatch)
    assert bertscore_available() is False  # installed, model not cached
    repo = tmp_path / "models--roberta-large"
    snap = repo / "snapshots" / "abc123"
    snap.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    (snap / "config.json").write_text("{}")
    assert bertscore_available() is False  # no weights yet
    (snap / "model.safetensors").write_bytes(b"")
    assert bertscore_available() is True


class _Tensor(list):
    pass


@pytest.fixture
def fake_bert_score(monkeypatch, fresh_backends):
    """A stand-in ``bert_score`` module recording how it was built and called."""
    record = {}

    class BERTScorer:
        def __init__(self, **kwargs):
            record["kwargs"] = kwargs
            record["offline"] = os.environ.get("HF_HUB_OFFLINE")

        def score(self, cands, refs):
            record.setdefault("calls", []).append((cands, refs))
            return _Tensor([0.5]), _Tensor([0.7]), _Tensor([0.6])

    _fake_package(monkeypatch).BERTScorer = BERTScorer
    monkeypatch.setattr(sim_mod, "bertscore_available", lambda: True)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    return record


def test_bertscore_path(fake_bert_score, fake_grammar):
    scorer = get_similarity_scorer("auto")
    assert isinstance(scorer, BertScoreScorer) and scorer.name.startswith("bertscore-")
    m = get_metric("paraphrase_score", grammar=fake_grammar)
    res = m("Do you know which sweater this is?", {"text": "Any idea of what sweater this is?"})
    assert res["bertscore_score"] == res["similarity_score"] == pytest.approx(0.6)  # F1
    assert res["similarity_backend"] == scorer.name
    assert "bertscore_score" in m.keys
    assert fake_bert_score["kwargs"] == {"lang": "en"}
    assert fake_bert_score["offline"] == "1" and "HF_HUB_OFFLINE" not in os.environ
    assert fake_bert_score["calls"] == [(["Do you know which sweater this is?"],
                                         ["Any idea of what sweater this is?"])]
