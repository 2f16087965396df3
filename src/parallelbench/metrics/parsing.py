"""Parsers that turn a model's raw output into items (SPEC 5.1) or grids (SPEC 5.2).

These mirror the reference parsers exactly, quirks included (last ``[`` wins, only double quotes
and spaces are stripped from loose items, the strict form needs exactly ``", "`` separators), so
that scores stay comparable with the paper. They never raise on any string.
"""
from __future__ import annotations

import re

__all__ = ["parse_loose", "parse_strict", "parse_grid_loose", "parse_grid_strict", "GRID_SIZE"]

GRID_SIZE = 4
# ``\d`` is Unicode-aware on purpose: the reference uses the same pattern, so e.g. Arabic-Indic
# digits count as digits there too.
_DIGIT = re.compile(r"\d")


def _bracket_body(s: str) -> tuple[str, bool, bool]:
    """Text after the last ``[`` and before the next ``]``, with flags saying whether each existed."""
    has_open = "[" in s
    if has_open:
        s = s.rsplit("[", 1)[1]
    has_close = "]" in s
    if has_close:
        s = s.split("]", 1)[0]
    return s, has_open, has_close


def parse_loose(s: str) -> list[str]:
    """Loose list parsing (never fails).

    Keep the text after the last ``[`` and before the following ``]`` (each step only when the
    bracket exists), strip ``[``/``]`` from the ends, split on ``,``, drop blank pieces and strip
    double quotes and spaces (only those characters) from each remaining piece.

    >>> parse_loose('Answer: ["A", "B"]')
    ['A', 'B']
    >>> parse_loose("['A', 'B']")
    ["'A'", "'B'"]
    """
    body, _, _ = _bracket_body(s)
    return [piece.strip('" ') for piece in body.strip("[]").split(",") if piece.strip()]


def parse_strict(s: str) -> list[str] | None:
    """Strict list parsing: the exact ``["A", "B"]`` form, else ``None`` (invalid).

    A ``[`` and a later ``]`` must exist; the text between the last ``[`` and the next ``]`` is
    split on exactly ``", "``; every piece must be wrapped in double quotes with no other double
    quote inside. Inner spaces are kept. ``[]`` is invalid.
    """
    body, has_open, has_close = _bracket_body(s)
    if not (has_open and has_close):
        return None
    items = []
    for piece in body.split(", "):
        # A lone '"' passes this test and yields an empty item, exactly as in the reference.
        if not (piece.startswith('"') and piece.endswith('"')):
            return None
        inner = piece[1:-1]
        if '"' in inner:
            return None
        items.append(inner)
    return items


def _nonblank_lines(s: str) -> list[str]:
    # Split on "\n" only (not str.splitlines), as the reference does.
    return [line.strip() for line in s.split("\n") if line.strip()]


def parse_grid_loose(s: str, n: int = GRID_SIZE) -> list[list[int]] | None:
    """Loose Sudoku grid parsing: lines with exactly ``n`` digits after deleting spaces and commas.

    Lines with another number of digits (e.g. ``Row1: 1342`` has 5) are ignored; exactly ``n`` such
    lines must remain, else ``None``.
    """
    lines = _nonblank_lines(s.strip().replace(" ", "").replace(",", ""))
    grid = []
    for line in lines:
        row = [int(ch) for ch in _DIGIT.findall(line)]
        if len(row) == n:
            grid.append(row)
    return grid if len(grid) == n else None


def parse_grid_strict(s: str, n: int = GRID_SIZE) -> list[list[int]] | None:
    """Strict Sudoku grid parsing: exactly ``n`` non-empty lines of exactly ``n`` digits, else ``None``."""
    lines = _nonblank_lines(s.strip())
    if len(lines) != n:
        return None
    grid = []
    for line in lines:
        if len(line) != n:
            return None
        try:
            grid.append([int(ch) for ch in line])
        except ValueError:
            return None
    return grid
