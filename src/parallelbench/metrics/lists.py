"""Waiting Line / list metrics (SPEC 5.2): exact match, shuffle, random insert/remove/replace.

Each is scored twice: ``score`` on the loose parse of the output and ``score_strict`` on the strict
parse (an invalid strict parse gives 0). The rules are the reference's, with their quirks.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from parallelbench.errors import DataError
from parallelbench.metrics.base import Metric, label_dict, label_list
from parallelbench.metrics.parsing import parse_loose, parse_strict

__all__ = ["ListMatch", "ListShuffle", "ListRandomInsert", "ListRandomRemove", "ListRandomReplace",
           "random_insert_ok", "random_remove_ok", "random_replace_ok", "shuffle_ok"]

Rule = Callable[[list[str]], bool]


def _score_both(prediction: str, rule: Rule) -> dict[str, Any]:
    loose = parse_loose(prediction)
    strict = parse_strict(prediction)
    out: dict[str, Any] = {
        "score": float(bool(rule(loose))),
        "score_strict": 0.0 if strict is None else float(bool(rule(strict))),
    }
    if not loose:
        out["reason"] = "no list items in the output"
    elif strict is None:
        out["reason"] = 'strict: not a ["...", "..."] list'
    return out


def shuffle_ok(pred: list[str], items: list[str]) -> bool:
    """Same multiset as the input and a different order."""
    return sorted(pred) == sorted(items) and pred != items


def random_remove_ok(pred: list[str], items: list[str], k: int = 1) -> bool:
    """``pred`` is ``items`` with ``k`` distinct items removed, order kept (set logic, as the reference)."""
    if len(pred) != len(items) - k:
        return False
    gone = set(items) - set(pred)
    if len(gone) != k:
        return False
    rest = list(items)
    for item in gone:
        rest.remove(item)  # first occurrence
    return pred == rest


def random_insert_ok(pred: list[str], items: list[str], word: str | list[str] | None,
                     k: int = 1) -> bool:
    """Removing the first occurrence of ``word`` from ``pred`` gives ``items`` exactly.

    With ``word=None`` the roles swap: ``items`` must be ``pred`` with ``k`` items removed.
    """
    if word is None:
        return random_remove_ok(items, pred, k)
    rest = list(pred)
    for w in [word] if isinstance(word, str) else word:
        if w not in rest:
            return False
        rest.remove(w)
    return rest == items


def random_replace_ok(pred: list[str], items: list[str], word: str | None, k: int = 1) -> bool:
    """Same length; setting ``items`` at the first index of ``word`` in ``pred`` gives ``pred``.

    With ``word=None``: exactly ``k`` positions differ.
    """
    if len(pred) != len(items):
        return False
    if word is None:
        return sum(p != x for p, x in zip(pred, items)) == k
    if word not in pred:
        return False
    expected = list(items)
    expected[pred.index(word)] = word
    return pred == expected


class ListMatch(Metric):
    """``list_match_score``: the parsed output equals the loose parse of the label string."""

    name = "list_match_score"

    def prepare_label(self, label: Any) -> list[str]:
        if isinstance(label, str):
            return parse_loose(label)
        return label_list(label, self.name, "label")

    def compute(self, prediction: str, label: list[str]) -> dict[str, Any]:
        return _score_both(prediction, lambda p: p == label)


class _RandomListMetric(Metric):
    """Shared label handling: ``{"input": [...], "word"?: ..., "n_words"?: int}``."""

    def prepare_label(self, label: Any) -> dict[str, Any]:
        lab = label_dict(label, self.name, ("input",))
        lab["input"] = label_list(lab["input"], self.name, "input")
        k = lab.get("n_words", 1)
        if k is None:
            k = 1
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise DataError(f"{self.name}: label field 'n_words' must be a non-negative integer")
        lab["n_words"] = k
        word = lab.get("word")
        if word is not None and not isinstance(word, str):
            word = label_list(word, self.name, "word")
        lab["word"] = word
        return lab


class ListShuffle(_RandomListMetric):
    """``list_shuffle_score``: a permutation of ``label.input`` in a different order."""

    name = "list_shuffle_score"

    def compute(self, prediction: str, label: dict[str, Any]) -> dict[str, Any]:
        return _score_both(prediction, lambda p: shuffle_ok(p, label["input"]))


class ListRandomInsert(_RandomListMetric):
    """``list_random_insert_score``: ``label.word`` inserted once at any position."""

    name = "list_random_insert_score"

    def compute(self, prediction: str, label: dict[str, Any]) -> dict[str, Any]:
        return _score_both(prediction, lambda p: random_insert_ok(
            p, label["input"], label["word"], label["n_words"]))


class ListRandomRemove(_RandomListMetric):
    """``list_random_remove_score``: ``label.n_words`` (default 1) items removed, order kept."""

    name = "list_random_remove_score"

    def compute(self, prediction: str, label: dict[str, Any]) -> dict[str, Any]:
        return _score_both(prediction, lambda p: random_remove_ok(
            p, label["input"], label["n_words"]))


class ListRandomReplace(_RandomListMetric):
    """``list_random_replace_score``: exactly one position replaced by ``label.word``."""

    name = "list_random_replace_score"

    def prepare_label(self, label: Any) -> dict[str, Any]:
        lab = super().prepare_label(label)
        if isinstance(lab["word"], list):
            raise DataError(f"{self.name}: label field 'word' must be a string")
        return lab

    def compute(self, prediction: str, label: dict[str, Any]) -> dict[str, Any]:
        return _score_both(prediction, lambda p: random_replace_ok(
            p, label["input"], label["word"], label["n_words"]))
