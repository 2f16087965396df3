"""SPEC 5.1: the loose and strict list parsers, every row of the behaviour table, and grids."""
from __future__ import annotations

import pytest

from parallelbench.metrics import parse_grid_loose, parse_grid_strict, parse_loose, parse_strict

INVALID = None

# (prediction, loose result, strict result) -- the SPEC 5.1 behaviour table, row by row.
TABLE = [
    ('["A", "B"]', ["A", "B"], ["A", "B"]),
    ('["A","B"]', ["A", "B"], INVALID),
    ('[ "A", "B" ]', ["A", "B"], INVALID),
    ("['A', 'B']", ["'A'", "'B'"], INVALID),
    ("A, B", ["A", "B"], INVALID),
    ('"A", "B"', ["A", "B"], INVALID),
    ('["A", "B",]', ["A", "B"], INVALID),
    ('["A", "B"', ["A", "B"], INVALID),
    ('[\n  "A",\n  "B"\n]', ['\n  "A', '\n  "B"\n'], INVALID),
    ('Answer: ["A", "B"] [done]', ["done"], INVALID),
    ('["A", "B"]["C"]', ["C"], ["C"]),
    ('x ["A"] y', ["A"], ["A"]),
    ('[" A", "B "]', ["A", "B"], [" A", "B "]),
    ("", [], INVALID),
]


@pytest.mark.parametrize("text,loose,strict", TABLE)
def test_behaviour_table(text, loose, strict):
    assert parse_loose(text) == loose
    assert parse_strict(text) == strict


def test_multiline_items_keep_newlines_so_they_mismatch():
    items = parse_loose('[\n  "A",\n  "B"\n]')
    assert items != ["A", "B"] and all("\n" in item for item in items)


def test_loose_keeps_empty_quoted_item_and_drops_blank_pieces():
    assert parse_loose('["A", "", "B"]') == ["A", "", "B"]
    assert parse_loose('["A", , "B"]') == ["A", "B"]
    assert parse_loose("[ ,\t, ]") == []


def test_loose_strips_only_double_quotes_and_spaces():
    assert parse_loose('["\tA\t"]') == ['\tA\t']
    assert parse_loose('["A "B" C"]') == ['A "B" C']


def test_strict_rejections():
    assert parse_strict("[]") is None
    assert parse_strict('["A" , "B"]') is None
    assert parse_strict('["A", "B""]') is None
    assert parse_strict('["A", B]') is None
    assert parse_strict('"A", "B"]') is None
    assert parse_strict('["A", "B"') is None


def test_strict_quirks():
    # Inner spaces and commas without a following space stay inside an item.
    assert parse_strict('["A,B", "C D"]') == ["A,B", "C D"]
    # A lone double quote passes the quote test and yields an empty item (reference behaviour).
    assert parse_strict('["]') == [""]
    assert parse_strict('[""]') == [""]


GOOD = "1342\n2431\n4123\n3214"


def test_grid_strict():
    assert parse_grid_strict(GOOD) == [[1, 3, 4, 2], [2, 4, 3, 1], [4, 1, 2, 3], [3, 2, 1, 4]]
    assert parse_grid_strict("\n\n" + GOOD + "\n\n") is not None
    assert parse_grid_strict(" 1342 \n2431\n4123\n3214") is not None
    for bad in ["1 342\n2431\n4123\n3214", "1,3,4,2\n2431\n4123\n3214", GOOD + "\n1234",
                "1342\n2431\n4123", "134x\n2431\n4123\n3214", "13422\n2431\n4123\n3214", ""]:
        assert parse_grid_strict(bad) is None, bad


def test_grid_loose():
    expected = parse_grid_strict(GOOD)
    assert parse_grid_loose("1 3 4 2\n2,4,3,1\n4123\n| 3 | 2 | 1 | 4 |") == expected
    assert parse_grid_loose("Output:\nRow1: 1342\n" + GOOD) == expected  # 5-digit line ignored
    assert parse_grid_loose("Here:\n" + GOOD + "\nDone.") == expected
    assert parse_grid_loose(GOOD + "\n1234") is None  # a fifth 4-digit line
    assert parse_grid_loose("1342\n2431\n4123") is None
    assert parse_grid_loose("") is None
