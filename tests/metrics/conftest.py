"""Shared fixtures for the metric tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from parallelbench.metrics import GrammarChecker, get_grammar_checker, get_similarity_scorer

# <repo>/../shared/official, located from this file (tests/metrics/conftest.py).
OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "official"


class FakeGrammar(GrammarChecker):
    """Deterministic checker for metric-logic tests: ungrammatical iff the text contains 'BAD'.
    Counts backend calls so the cache can be tested."""

    name = "fake-grammar"

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def _issues(self, text: str) -> int:
        self.calls += 1
        return text.count("BAD")


@pytest.fixture
def fake_grammar() -> FakeGrammar:
    return FakeGrammar()


@pytest.fixture
def official() -> Path:
    if not (OFFICIAL / "test").is_dir():
        pytest.skip(f"official data not found at {OFFICIAL}")
    return OFFICIAL


@pytest.fixture
def fresh_backends(monkeypatch):
    """Forget shared checkers/scorers before and after a test that changes the environment."""
    monkeypatch.delenv("LANGUAGETOOL_URL", raising=False)
    get_grammar_checker.cache_clear()
    get_similarity_scorer.cache_clear()
    yield
    get_grammar_checker.cache_clear()
    get_similarity_scorer.cache_clear()
