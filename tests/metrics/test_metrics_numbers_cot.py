"""math_op_score, domino_score and the chain-of-thought wrappers."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parallelbench.errors import ConfigError, DataError
from parallelbench.metrics import get_metric, list_metrics
from parallelbench.metrics.cot import final_list


@pytest.mark.parametrize("output, loose, strict", [
    ("579", 1, 1), (" 5,79 ", 1, 1), ("The answer is 579.", 1, 0), ("15790", 1, 0),
    ("578", 0, 0), ("", 0, 0), ("five hundred", 0, 0), ("579.0", 1, 0),
])
def test_math_op_rules(output, loose, strict):
    metric = get_metric("math_op_score")
    result = metric(output, {"result": "579"})
    assert (result["score"], result["score_strict"]) == (loose, strict)
    assert ("reason" in result) == (not strict)
    assert metric(output, "x = 579")["score"] == loose  # a string label: its last token


def test_math_op_negative_results_and_bad_labels():
    metric = get_metric("math_op_score")
    assert metric("-12", {"result": "-12"})["score_strict"] == 1.0
    assert metric("12", {"result": "-12"})["score"] == 0.0
    for label in ({"value": 1}, {"result": "abc"}, ""):
        with pytest.raises(DataError):
            metric("1", label)


@pytest.mark.parametrize("output, loose, strict, reason", [
    ('["56", "62", "21"]', 1, 1, None),
    ("56, 62, 21", 1, 0, "strict"),
    ('["56", "62"]', 0, 0, "2 numbers"),
    ('["57", "72", "21"]', 0, 0, "starts with 57"),
    ('["56", "63", "21"]', 0, 0, "does not begin"),
    ('["56", "61", "10"]', 0, 0, "between 10 and 100"),
    ('["56", "62", "2x"]', 0, 0, "between 10 and 100"),
    ("", 0, 0, "0 numbers"),
])
def test_domino_rules(output, loose, strict, reason):
    result = get_metric("domino_score")(output, {"length": 3, "start": 56, "example": "-"})
    assert (result["score"], result["score_strict"]) == (loose, strict)
    assert (reason is None) == ("reason" not in result)
    if reason:
        assert reason in result["reason"]


def test_cot_extraction_rule():
    assert final_list('Start ["A", "B"]. Then ["B", "A"].') == '["B", "A"]'
    assert final_list('The answer is: ["C"]. Check: [1]') == "[1]"
    assert final_list('["X"] the answer is ["Y"] and [ ]') == '["Y"]'  # empty spans skipped
    assert final_list('answer is unknown, see ["Z"] earlier') == '["Z"]'
    assert final_list("no list [here") is None
    metric = get_metric("cot_list_match_score")
    assert metric('Step 1: ["A", "B"] reversed is ["B", "A"]', '["B", "A"]')["score"] == 1.0
    result = metric("I reversed it: B, A", '["B", "A"]')
    assert result["score"] == 0.0 and result["reason"] == "no final list in the output"
    assert "cot_list_shuffle_score" in list_metrics() and "domino_score" in list_metrics()
    with pytest.raises(ConfigError):
        get_metric("cot_sudoku_score")


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_number_and_cot_metrics_never_raise(text):
    for name, label in (("math_op_score", {"result": "42"}),
                        ("domino_score", {"length": 2, "start": 12}),
                        ("cot_list_random_replace_score", {"input": ["A", "B"], "word": "C"})):
        result = get_metric(name)(text, label)
        assert 0.0 <= result["score"] <= 1.0 and 0.0 <= result["score_strict"] <= 1.0
