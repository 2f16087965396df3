"""Metric registry: reference metric names -> ``Metric`` objects."""
from __future__ import annotations

from parallelbench.errors import ConfigError
from parallelbench.metrics.base import Metric
from parallelbench.metrics.cot import CotMetric
from parallelbench.metrics.grammar import GrammarChecker
from parallelbench.metrics.lists import (ListMatch, ListRandomInsert, ListRandomRemove,
                                         ListRandomReplace, ListShuffle)
from parallelbench.metrics.numbers import Domino, MathOp
from parallelbench.metrics.puzzles import LatinSquare, Sudoku
from parallelbench.metrics.similarity import SimilarityScorer
from parallelbench.metrics.text import Paraphrase, Summary, TextMetric, WordsToSentence

__all__ = ["get_metric", "list_metrics"]

_METRICS: dict[str, type[Metric]] = {cls.name: cls for cls in (
    ListMatch, ListShuffle, ListRandomInsert, ListRandomRemove, ListRandomReplace,
    LatinSquare, Sudoku, WordsToSentence, Summary, Paraphrase, MathOp, Domino)}
#: Inner metrics that have a chain-of-thought form ``cot_<name>`` (final list extracted first).
_COT_INNER = ("list_match_score", "list_shuffle_score", "list_random_insert_score",
              "list_random_remove_score", "list_random_replace_score")


def list_metrics() -> list[str]:
    """The known metric names, sorted."""
    return sorted([*_METRICS, *(f"cot_{name}" for name in _COT_INNER)])


def get_metric(name: str, grammar: GrammarChecker | str | None = None,
               similarity: SimilarityScorer | str | None = None) -> Metric:
    """A new metric object for the reference metric ``name``.

    ``grammar`` (a checker or a backend name: ``auto``, ``languagetool``, ``harper``) is used by
    the text metrics; ``similarity`` (a scorer or ``auto``, ``bertscore``, ``chrf``) by
    ``paraphrase_score``. Other metrics ignore them. Backends named here are resolved on first
    use. Raises ``ConfigError`` for an unknown name.
    """
    if isinstance(name, str) and name.startswith("cot_") and name[4:] in _COT_INNER:
        return CotMetric(get_metric(name[4:]))
    cls = _METRICS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ConfigError(f"unknown metric {name!r}; known: {', '.join(list_metrics())}")
    if cls is Paraphrase:
        return Paraphrase(grammar=grammar, similarity=similarity)
    if issubclass(cls, TextMetric):
        return cls(grammar=grammar)
    return cls()
