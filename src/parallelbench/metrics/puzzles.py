"""Puzzle metrics (SPEC 5.2): Latin square and 4x4 Sudoku."""
from __future__ import annotations

from typing import Any

from parallelbench.errors import DataError
from parallelbench.metrics.base import Metric, label_dict, label_list
from parallelbench.metrics.parsing import parse_grid_loose, parse_grid_strict

__all__ = ["LatinSquare", "Sudoku", "latin_square_ok"]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split(",")]


def latin_square_ok(prediction: str, symbols: list[str],
                    first_row: list[str] | None = None) -> tuple[bool, str | None]:
    """Check a CSV Latin square; returns ``(ok, reason)`` where ``reason`` names a parse failure.

    Lines whose comma-separated cells form exactly the symbol set are kept (prose, headers, code
    fences and space-separated rows drop out); the first ``len(set(symbols))`` of them are the
    rows. Columns come from zipping the rows, so a row with an extra duplicate cell still passes
    (a reference quirk kept on purpose).
    """
    target = set(symbols)
    size = len(target)
    # "\n" only, like the reference (str.splitlines would also split on e.g. \u2028).
    lines = [line.strip() for line in prediction.split("\n") if line.strip()]
    kept = [line for line in lines if set(_cells(line)) == target]
    if len(kept) < size:
        return False, f"fewer than {size} CSV lines made of exactly the symbols"
    rows = [_cells(line) for line in kept[:size]]
    if any(set(row) != target for row in rows):
        return False, None
    if any(set(col) != target for col in zip(*rows)):
        return False, None
    if first_row is not None and rows[0] != list(first_row):
        return False, None
    return True, None


class LatinSquare(Metric):
    """``latin_square_score``: every row and column holds each symbol once (strict = loose)."""

    name = "latin_square_score"

    def prepare_label(self, label: Any) -> dict[str, Any]:
        lab = label_dict(label, self.name, ("symbols",))
        lab["symbols"] = label_list(lab["symbols"], self.name, "symbols")
        if not lab["symbols"]:
            raise DataError(f"{self.name}: label field 'symbols' is empty")
        if lab.get("first_row") is not None:
            lab["first_row"] = label_list(lab["first_row"], self.name, "first_row")
        return lab

    def compute(self, prediction: str, label: dict[str, Any]) -> dict[str, Any]:
        ok, reason = latin_square_ok(prediction, label["symbols"], label.get("first_row"))
        out: dict[str, Any] = {"score": float(ok), "score_strict": float(ok)}
        if reason:
            out["reason"] = reason
        return out


class Sudoku(Metric):
    """``sudoku_score``: the parsed grid equals the solution (no rule checking).

    Loose: lines with exactly 4 digits after deleting spaces and commas, exactly 4 of them.
    Strict: exactly 4 non-empty lines of exactly 4 digits.
    """

    name = "sudoku_score"

    def prepare_label(self, label: Any) -> list[list[int]]:
        if isinstance(label, (list, tuple)):  # rows as strings or digit lists
            try:
                label = "\n".join(row if isinstance(row, str) else "".join(map(str, row))
                                  for row in label)
            except TypeError:
                label = None
        grid = parse_grid_strict(label) if isinstance(label, str) else None
        if grid is None:
            raise DataError(f"{self.name}: label must be 4 lines of 4 digits, got {label!r:.60}")
        return grid

    def compute(self, prediction: str, label: list[list[int]]) -> dict[str, Any]:
        loose = parse_grid_loose(prediction)
        strict = parse_grid_strict(prediction)
        out: dict[str, Any] = {"score": float(loose == label), "score_strict": float(strict == label)}
        if loose is None:
            out["reason"] = "not exactly 4 lines of 4 digits"
        elif strict is None:
            out["reason"] = "strict: not exactly 4 lines of exactly 4 digits"
        return out
