"""BLEU (evaluate/nmt definition, 13a tokens) on hand-computed cases, and against sacrebleu."""
from __future__ import annotations

import math
import random

import pytest
import sacrebleu

from parallelbench.metrics import bleu
from parallelbench.metrics.bleu import tokenize_13a

REF = "the cat sat on the mat"


def b(pred, refs=(REF,), **kw):
    return bleu([pred], [list(refs)], **kw)


def test_identical_is_one():
    assert b(REF)["bleu"] == pytest.approx(1.0)


def test_hand_computed_longer_prediction():
    res = b("the cat sat on the mat today")
    # p1..p4 = 6/7, 5/6, 4/5, 3/4; prediction longer -> BP = 1
    assert res["precisions"] == pytest.approx([6 / 7, 5 / 6, 4 / 5, 3 / 4])
    assert res["brevity_penalty"] == 1.0
    assert res["bleu"] == pytest.approx((3 / 7) ** 0.25)


def test_hand_computed_brevity_penalty():
    res = b("the cat sat on the")  # all n-grams match; c = 5, r = 6
    assert res["precisions"] == pytest.approx([1.0, 1.0, 1.0, 1.0])
    assert res["bleu"] == pytest.approx(math.exp(1 - 6 / 5))
    assert res["length_ratio"] == pytest.approx(5 / 6)


def test_clipping_and_zero_precision():
    res = b("the the the the the")
    assert res["precisions"][0] == pytest.approx(2 / 5)  # "the" clipped at 2
    assert res["precisions"][1] == 0.0 and res["bleu"] == 0.0


def test_short_outputs_have_zero_bleu():
    assert b("the cat sat")["bleu"] == 0.0  # no 4-grams possible
    assert b("the cat sat", smooth=True)["bleu"] > 0.0


def test_smoothing_formula():
    res = b("the cat sat", smooth=True)
    # p_n = (m+1)/(c+1): (3+1)/(3+1), (2+1)/(2+1), (1+1)/(1+1), (0+1)/(0+1); BP = exp(1 - 6/3)
    assert res["precisions"] == pytest.approx([1.0, 1.0, 1.0, 1.0])
    assert res["bleu"] == pytest.approx(math.exp(1 - 2))


def test_multiple_references_max_counts_and_shortest_length():
    res = b("the the cat", refs=("the cat", "the the dog sat here"))
    assert res["precisions"][:2] == pytest.approx([1.0, 1.0])
    assert res["reference_length"] == 2


def test_13a_tokenization():
    assert tokenize_13a("Hello, world! It's 3.5") == ["Hello", ",", "world", "!", "It's", "3.5"]
    assert tokenize_13a("a &quot;b&quot;") == ["a", '"', "b", '"']
    # punctuation split makes "mat." match "mat ."
    assert b("the cat sat on the mat.", refs=("the cat sat on the mat .",))["bleu"] == pytest.approx(1.0)


def test_empty_tokenization_does_not_crash():
    assert b("<skipped>")["bleu"] == 0.0
    assert b("")["bleu"] == 0.0


def test_agrees_with_sacrebleu_for_single_reference():
    rng = random.Random(0)
    vocab = "the a cat dog sat ran on under mat rug , . quickly".split()
    for _ in range(200):
        ref = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 12)))
        pred = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 12)))
        ours = b(pred, refs=(ref,))["bleu"]
        theirs = sacrebleu.corpus_bleu([pred], [[ref]], smooth_method="none",
                                       tokenize="13a").score / 100
        assert ours == pytest.approx(theirs, abs=1e-9), (pred, ref)
