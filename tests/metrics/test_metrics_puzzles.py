"""SPEC 5.2 puzzle metrics: Latin square and Sudoku accept/reject cases."""
from __future__ import annotations

import pytest

from parallelbench.errors import DataError
from parallelbench.metrics import get_metric

SYMS = {"symbols": ["H", "4", "C", "A"], "example": "H,4,A,C\n4,C,H,A\nC,A,4,H\nA,H,C,4"}
SQUARE = "H,4,A,C\n4,C,H,A\nC,A,4,H\nA,H,C,4"


def latin(pred, label=SYMS):
    res = get_metric("latin_square_score")(pred, label)
    assert res["score"] == res["score_strict"]
    return res["score"]


def test_latin_accepts():
    assert latin(SQUARE) == 1.0
    assert latin("H, 4, A, C\n4, C, H, A\nC, A, 4, H\nA, H, C, 4") == 1.0  # spaces after commas
    assert latin("Here is the square:\n\nH,4,A,C\n4,C,H,A\nC,A,4,H\nA,H,C,4\n\nHope it helps.") == 1.0
    assert latin("```csv\n" + SQUARE + "\n```") == 1.0  # code fence lines dropped
    assert latin("Col1,Col2,Col3,Col4\n" + SQUARE) == 1.0  # header dropped
    assert latin("H 4 A C\n" + SQUARE) == 1.0  # space-separated row dropped
    assert latin("  H,4,A,C  \r\n4,C,H,A\r\nC,A,4,H\r\nA,H,C,4\r\n") == 1.0
    # A fifth, duplicate cell: the row's set is still the symbol set and zip truncates columns.
    assert latin("H,4,A,C,H\n4,C,H,A\nC,A,4,H\nA,H,C,4") == 1.0
    # Any other valid square passes too (the example is ignored).
    assert latin("A,H,C,4\nC,A,4,H\n4,C,H,A\nH,4,A,C") == 1.0
    # Only the first 4 kept lines count.
    assert latin(SQUARE + "\nH,4,A,C") == 1.0


def test_latin_rejects():
    assert latin("") == 0.0
    assert latin("H,4,A,C\n4,C,H,A\nC,A,4,H") == 0.0  # 3 rows
    assert latin("H,4,A,C\n" + SQUARE) == 0.0  # duplicated valid line before the square
    assert latin("H,4,A,C\nH,4,A,C\nH,4,A,C\nH,4,A,C") == 0.0  # columns repeat
    assert latin("h,4,a,c\n4,c,h,a\nc,a,4,h\na,h,c,4") == 0.0  # case matters
    assert latin("H;4;A;C\n4;C;H;A\nC;A;4;H\nA;H;C;4") == 0.0
    assert latin("H,4,A,C\n4,C,H,A\nC,A,4,H\nA,H,4,C") == 0.0  # a column repeats a symbol
    # An incomplete line is dropped before rows are chosen (here the rest is a valid square).
    assert latin("H,4,A\n4,C,H,A\nC,A,4,H\nA,H,C,4\nH,4,A,C") == 1.0
    res = get_metric("latin_square_score")("no square here", SYMS)
    assert res["score"] == 0.0 and "fewer than 4" in res["reason"]


def test_latin_first_row_option():
    label = dict(SYMS, first_row=["H", "4", "A", "C"])
    assert latin(SQUARE, label) == 1.0
    assert latin("A,H,C,4\nC,A,4,H\n4,C,H,A\nH,4,A,C", label) == 0.0


def test_latin_bad_label():
    with pytest.raises(DataError):
        get_metric("latin_square_score")(SQUARE, {"example": SQUARE})
    with pytest.raises(DataError):
        get_metric("latin_square_score")(SQUARE, {"symbols": []})


SOL = "1342\n2431\n4123\n3214"


def sudoku(pred, label=SOL):
    res = get_metric("sudoku_score")(pred, label)
    return res["score"], res["score_strict"]


def test_sudoku_accepts():
    assert sudoku(SOL) == (1.0, 1.0)
    assert sudoku("\n" + SOL + "\n\n") == (1.0, 1.0)
    assert sudoku("1 3 4 2\n2 4 3 1\n4 1 2 3\n3 2 1 4") == (1.0, 0.0)
    assert sudoku("1,3,4,2\n2,4,3,1\n4,1,2,3\n3,2,1,4") == (1.0, 0.0)
    assert sudoku("Output:\n" + SOL) == (1.0, 0.0)
    assert sudoku("Row1: 1342\n" + SOL) == (1.0, 0.0)  # 5-digit line ignored by loose parsing
    assert sudoku(SOL, label=["1342", "2431", "4123", "3214"]) == (1.0, 1.0)
    assert sudoku(SOL, label=[[1, 3, 4, 2], [2, 4, 3, 1], [4, 1, 2, 3], [3, 2, 1, 4]]) == (1.0, 1.0)


def test_sudoku_rejects():
    assert sudoku(SOL + "\n1234") == (0.0, 0.0)  # an extra 4-digit line
    assert sudoku("1342\n2431\n4123") == (0.0, 0.0)
    assert sudoku("1342\n2431\n4123\n3241") == (0.0, 0.0)  # wrong cell
    # No Sudoku-rule check: only equality with the solution matters.
    assert sudoku("1111\n2222\n3333\n4444") == (0.0, 0.0)
    res = get_metric("sudoku_score")("I cannot solve this.", SOL)
    assert res["score"] == 0.0 and res["reason"]


@pytest.mark.parametrize("label", ["12\n34", {"answer": SOL}, None, [1, 2, 3, 4]])
def test_sudoku_bad_label(label):
    with pytest.raises(DataError):
        get_metric("sudoku_score")(SOL, label)
