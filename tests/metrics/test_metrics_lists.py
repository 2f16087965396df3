"""SPEC 5.2 list metrics: accept and reject cases, loose vs strict, labels."""
from __future__ import annotations

import pytest

from parallelbench.errors import ConfigError, DataError
from parallelbench.metrics import get_metric, list_metrics


def L(*items: str) -> str:
    return "[" + ", ".join(f'"{x}"' for x in items) + "]"


X = ["Billy Ramos", "Alan Wells", "Grace Wright"]
W = "Kevin Porter"


def scores(name, pred, label):
    res = get_metric(name)(pred, label)
    return res["score"], res["score_strict"]


def test_registry_names_and_unknown():
    lists = ["list_match_score", "list_shuffle_score", "list_random_insert_score",
             "list_random_remove_score", "list_random_replace_score"]
    assert list_metrics() == sorted(lists + [f"cot_{name}" for name in lists] + [
        "latin_square_score", "sudoku_score", "sentence_to_words_score", "summary_score",
        "paraphrase_score", "math_op_score", "domino_score"])
    with pytest.raises(ConfigError, match="list_match_score"):
        get_metric("exact_match")
    m = get_metric("list_match_score")
    assert m.name == "list_match_score" and m.keys == ("score", "score_strict")


def test_list_match():
    label = L(*X)
    assert scores("list_match_score", L(*X), label) == (1.0, 1.0)
    assert scores("list_match_score", "Sure! " + L(*X) + "\n", label) == (1.0, 1.0)
    assert scores("list_match_score", '["Billy Ramos","Alan Wells","Grace Wright"]', label) == (1.0, 0.0)
    assert scores("list_match_score", L(*X[::-1]), label) == (0.0, 0.0)
    assert scores("list_match_score", L(*[x.lower() for x in X]), label) == (0.0, 0.0)
    assert scores("list_match_score", L("Billy  Ramos", *X[1:]), label) == (0.0, 0.0)
    assert scores("list_match_score", L(*X[:2]), label) == (0.0, 0.0)


def test_list_match_reasons():
    res = get_metric("list_match_score")("", L(*X))
    assert res["score"] == 0.0 and res["score_strict"] == 0.0 and res["reason"]
    res = get_metric("list_match_score")("A, B", L("A", "B"))
    assert res["score"] == 1.0 and res["score_strict"] == 0.0 and "strict" in res["reason"]
    assert "reason" not in get_metric("list_match_score")(L("A"), L("A"))


def test_shuffle():
    label = {"input": X, "example": L(*X[::-1])}
    assert scores("list_shuffle_score", L(X[1], X[0], X[2]), label) == (1.0, 1.0)
    assert scores("list_shuffle_score", L(*X), label) == (0.0, 0.0)  # unchanged order
    assert scores("list_shuffle_score", L(X[1], X[0]), label) == (0.0, 0.0)  # item lost
    assert scores("list_shuffle_score", L(X[1], X[0], X[2], X[2]), label) == (0.0, 0.0)
    assert scores("list_shuffle_score", L(X[1], X[0], "Grace W."), label) == (0.0, 0.0)
    # the stored example is ignored: any other valid shuffle passes
    assert scores("list_shuffle_score", L(X[2], X[0], X[1]), label) == (1.0, 1.0)


def test_random_insert():
    label = {"input": X, "word": W, "example": L(W, *X)}
    for i in range(len(X) + 1):
        assert scores("list_random_insert_score", L(*X[:i], W, *X[i:]), label) == (1.0, 1.0)
    assert scores("list_random_insert_score", L(*X), label) == (0.0, 0.0)  # not inserted
    assert scores("list_random_insert_score", L(W, *X, W), label) == (0.0, 0.0)  # twice
    assert scores("list_random_insert_score", L(W, X[1], X[0], X[2]), label) == (0.0, 0.0)
    assert scores("list_random_insert_score", L(W, *X[:2]), label) == (0.0, 0.0)


def test_random_insert_without_word_uses_swapped_remove_rule():
    label = {"input": X, "word": None}
    assert scores("list_random_insert_score", L(X[0], "New Guy", X[1], X[2]), label) == (1.0, 1.0)
    assert scores("list_random_insert_score", L(*X), label) == (0.0, 0.0)
    label2 = {"input": X, "word": None, "n_words": 2}
    assert scores("list_random_insert_score", L("N1", *X, "N2"), label2) == (1.0, 1.0)


def test_random_remove():
    label = {"input": X, "example": L(*X[1:])}
    for i in range(len(X)):
        assert scores("list_random_remove_score", L(*(X[:i] + X[i + 1:])), label) == (1.0, 1.0)
    assert scores("list_random_remove_score", L(*X), label) == (0.0, 0.0)  # wrong length
    assert scores("list_random_remove_score", L(X[0]), label) == (0.0, 0.0)  # removed two
    assert scores("list_random_remove_score", L(X[2], X[1]), label) == (0.0, 0.0)  # reordered
    assert scores("list_random_remove_score", L(X[0], "Someone Else"), label) == (0.0, 0.0)
    assert scores("list_random_remove_score", L(X[0], X[0]), label) == (0.0, 0.0)
    two = {"input": X, "n_words": 2}
    assert scores("list_random_remove_score", L(X[1]), two) == (1.0, 1.0)


def test_random_replace():
    label = {"input": X, "word": W, "example": L(W, *X[1:])}
    for i in range(len(X)):
        pred = list(X)
        pred[i] = W
        assert scores("list_random_replace_score", L(*pred), label) == (1.0, 1.0)
    assert scores("list_random_replace_score", L(*X), label) == (0.0, 0.0)  # unchanged
    assert scores("list_random_replace_score", L(W, W, X[2]), label) == (0.0, 0.0)  # twice
    assert scores("list_random_replace_score", L(W, *X), label) == (0.0, 0.0)  # inserted
    assert scores("list_random_replace_score", L(W, X[2], X[1]), label) == (0.0, 0.0)
    assert scores("list_random_replace_score", L("Other One", *X[1:]), label) == (0.0, 0.0)


def test_random_replace_without_word_counts_differences():
    label = {"input": X, "word": None}
    assert scores("list_random_replace_score", L("Z", X[1], X[2]), label) == (1.0, 1.0)
    assert scores("list_random_replace_score", L("Z", "Y", X[2]), label) == (0.0, 0.0)
    assert scores("list_random_replace_score", L(*X), label) == (0.0, 0.0)


def test_loose_only_formats_score_loose_but_not_strict():
    label = {"input": X, "word": W}
    pred = "['" + "', '".join([W, *X[1:]]) + "']"  # single quotes: loose keeps them
    assert scores("list_random_replace_score", pred, label) == (0.0, 0.0)
    pred = ",".join([W, *X[1:]])  # no brackets, no quotes
    assert scores("list_random_replace_score", pred, label) == (1.0, 0.0)


@pytest.mark.parametrize("name,label", [
    ("list_shuffle_score", {"example": "x"}),
    ("list_shuffle_score", {"input": "A, B"}),
    ("list_shuffle_score", ["A"]),
    ("list_random_remove_score", {"input": ["A"], "n_words": "one"}),
    ("list_random_replace_score", {"input": ["A"], "word": ["A", "B"]}),
    ("list_match_score", {"input": ["A"]}),
])
def test_bad_labels_raise_data_error(name, label):
    with pytest.raises(DataError):
        get_metric(name)('["A"]', label)


def test_label_as_json_string_and_none_prediction():
    label = '{"input": ["A", "B"], "word": "C"}'
    assert scores("list_random_insert_score", L("A", "C", "B"), label) == (1.0, 1.0)
    res = get_metric("list_random_insert_score")(None, label)
    assert res["score"] == 0.0 and res["reason"]
