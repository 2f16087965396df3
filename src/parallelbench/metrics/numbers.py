"""Metrics of the number task families: ``math_op_score`` and ``domino_score``.

Rules as in the reference (quirks kept):

* ``math_op_score``: commas are deleted and the output stripped. Loose: the decimal result
  appears *anywhere* in the output as a substring (``579`` also counts inside ``15790``).
  Strict: the whole output is one integer equal to the result (Python ``int``). The reference's
  first release returned a bare bool that its aggregator dropped; here both keys are reported.
* ``domino_score``: loose takes every run of digits in the output, strict the exact
  ``["12", "23"]`` list form (each item an integer). Then: as many numbers as asked, the first
  is the given start, each is strictly between 10 and 100, and each begins with the previous
  number's last digit.
"""
from __future__ import annotations

import re
from typing import Any

from parallelbench.errors import DataError
from parallelbench.metrics.base import Metric, label_dict
from parallelbench.metrics.parsing import parse_strict

__all__ = ["Domino", "MathOp", "domino_problem"]

_NUMBER = re.compile(r"\d+")


def _int(value: Any, metric: str, field: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise DataError(f"{metric}: label field {field!r} must be an integer, got {value!r}") from None


class MathOp(Metric):
    """``math_op_score``: the arithmetic result, loose (substring) and strict (whole output)."""

    name = "math_op_score"

    def prepare_label(self, label: Any) -> int:
        if isinstance(label, str) and not label.strip().startswith("{"):
            if not label.split():
                raise DataError(f"{self.name}: empty label")
            return _int(label.split()[-1], self.name, "label")
        return _int(label_dict(label, self.name, ("result",))["result"], self.name, "result")

    def compute(self, prediction: str, label: int) -> dict[str, Any]:
        text = prediction.replace(",", "").strip()
        loose = str(label) in text
        try:
            strict = int(text) == label
        except ValueError:
            strict = False
        out: dict[str, Any] = {"score": float(loose), "score_strict": float(strict)}
        if not _NUMBER.search(text):
            out["reason"] = "no number in the output"
        elif not loose:
            out["reason"] = "the result does not appear in the output"
        elif not strict:
            out["reason"] = "strict: the output is not exactly the result"
        return out


def domino_problem(numbers: list[int], length: int, start: int) -> str | None:
    """Why ``numbers`` is not a valid domino sequence (``None`` when it is)."""
    if len(numbers) != length:
        return f"{len(numbers)} numbers, {length} asked"
    if numbers[0] != start:
        return f"starts with {numbers[0]}, not {start}"
    if any(not 10 < x < 100 for x in numbers):
        return "a number is not strictly between 10 and 100"
    for prev, nxt in zip(numbers, numbers[1:]):
        if prev % 10 != nxt // 10:
            return f"{nxt} does not begin with the last digit of {prev}"
    return None


class Domino(Metric):
    """``domino_score``: a chain of 2-digit numbers from the given start (SPEC 5.4)."""

    name = "domino_score"

    def prepare_label(self, label: Any) -> dict[str, int]:
        lab = label_dict(label, self.name, ("length", "start"))
        length = _int(lab["length"], self.name, "length")
        if length < 1:
            raise DataError(f"{self.name}: label field 'length' must be >= 1")
        return {"length": length, "start": _int(lab["start"], self.name, "start")}

    def compute(self, prediction: str, label: dict[str, int]) -> dict[str, Any]:
        loose = [int(x) for x in _NUMBER.findall(prediction)]
        loose_problem = domino_problem(loose, label["length"], label["start"])
        items = parse_strict(prediction)
        strict_problem: str | None
        if items is None:
            strict_problem = 'not a ["..", ".."] list'
        else:
            try:
                strict_problem = domino_problem([int(x) for x in items], label["length"],
                                                label["start"])
            except ValueError:
                strict_problem = "an item is not an integer"
        out: dict[str, Any] = {"score": float(loose_problem is None),
                               "score_strict": float(strict_problem is None)}
        if loose_problem:
            out["reason"] = loose_problem
        elif strict_problem:
            out["reason"] = f"strict: {strict_problem}"
        return out
