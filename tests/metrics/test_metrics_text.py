"""SPEC 5.2 text metrics (W2S, summary, paraphrase) with a deterministic grammar checker, plus
one end-to-end run on the real default backends."""
from __future__ import annotations

import math

import pytest

from parallelbench.errors import ConfigError, DataError
from parallelbench.metrics import ChrfScorer, SimilarityScorer, bleu, get_metric

WORDS = {"words": ["dog", "park", "ball", "throw"]}


class ConstSim(SimilarityScorer):
    name = "const-sim"

    def score(self, prediction, reference):
        return 0.9


def w2s(pred, grammar, label=WORDS):
    return get_metric("sentence_to_words_score", grammar=grammar)(pred, label)


def test_w2s_accept_and_reject(fake_grammar):
    res = w2s("I throw the ball for my dog at the park.", fake_grammar)
    assert res == {"inclusion_score": 1.0, "grammar_score": 1.0, "score": 1.0, "score_strict": 1.0,
                   "grammar_backend": "fake-grammar"}
    res = w2s("I throw the ball for my dog at the park. BAD", fake_grammar)
    assert (res["inclusion_score"], res["grammar_score"], res["score"]) == (1.0, 0.0, 0.0)
    res = w2s("I throw the ball at the park.", fake_grammar)  # "dog" missing
    assert (res["inclusion_score"], res["grammar_score"], res["score"]) == (0.0, 1.0, 0.0)


def test_w2s_substring_and_case_rules(fake_grammar):
    label = {"words": ["ink", "dog"]}
    assert w2s("I was thinking about my dog.", fake_grammar, label)["inclusion_score"] == 1.0
    assert w2s("I was thinking about my Dog.", fake_grammar, label)["inclusion_score"] == 0.0
    assert w2s("Dogs like ink.", fake_grammar, label)["inclusion_score"] == 0.0
    assert w2s("hotdogs and inky", fake_grammar, label)["inclusion_score"] == 1.0


def test_w2s_empty(fake_grammar):
    res = w2s("   ", fake_grammar)
    assert res["score"] == 0.0 and res["grammar_score"] == 0.0 and res["reason"]
    assert fake_grammar.calls == 0  # empty text never reaches the backend
    assert get_metric("sentence_to_words_score", grammar=fake_grammar).keys == (
        "inclusion_score", "grammar_score", "score", "score_strict")


SUMMARY = {"text": "A: hi\nB: hello", "summary": "  The cat sat on the mat.  "}


def test_summary_scores(fake_grammar):
    m = get_metric("summary_score", grammar=fake_grammar)
    res = m("  The cat sat.  ", SUMMARY)
    # hand-computed: 3 of 6 unigrams, 2 of 5 bigrams, LCS 3
    assert res["rouge1_score"] == pytest.approx(2 * 1 * 0.5 / 1.5)
    assert res["rouge2_score"] == pytest.approx(2 * 1 * 0.4 / 1.4)
    assert res["rougeL_score"] == pytest.approx(res["rouge1_score"])
    assert res["grammar_score"] == 1.0 and res["score"] == pytest.approx(res["rougeL_score"])
    assert res["score_strict"] == res["score"] and res["grammar_backend"] == "fake-grammar"
    res = m("The cat sat on the mat. BAD", SUMMARY)
    assert res["grammar_score"] == 0.0 and res["score"] == 0.0 and res["rougeL_score"] > 0.5
    assert m("The cat sat on the mat.", SUMMARY)["rougeL_score"] == pytest.approx(1.0)


def test_summary_stemming(fake_grammar):
    res = get_metric("summary_score", grammar=fake_grammar)("dogs running", {"summary": "dog runs"})
    assert res["rouge1_score"] == pytest.approx(1.0)


def test_summary_empty_prediction(fake_grammar):
    res = get_metric("summary_score", grammar=fake_grammar)(" \n ", SUMMARY)
    assert {k: res[k] for k in ("rouge1_score", "rouge2_score", "rougeL_score", "grammar_score",
                                "score", "score_strict")} == dict.fromkeys(
        ("rouge1_score", "rouge2_score", "rougeL_score", "grammar_score", "score", "score_strict"), 0.0)
    assert res["reason"] == "empty prediction"


SOURCE = {"text": "Any idea of what sweater this is?", "examples": "[]"}


def test_paraphrase_scores(fake_grammar):
    m = get_metric("paraphrase_score", grammar=fake_grammar, similarity=ConstSim())
    pred = "Do you know which sweater this is?"
    res = m(pred, SOURCE)
    expected_inv = 1.0 - bleu([pred], [[SOURCE["text"]]])["bleu"]
    assert res["inv_bleu_score"] == pytest.approx(expected_inv)
    assert res["similarity_score"] == 0.9 and "bertscore_score" not in res
    assert res["score"] == pytest.approx(expected_inv * 0.9)
    assert res["similarity_backend"] == "const-sim" and res["grammar_backend"] == "fake-grammar"
    assert m.keys == ("inv_bleu_score", "similarity_score", "grammar_score", "score", "score_strict")
    # Copying the source: BLEU 1 -> inv_bleu 0 -> score 0.
    assert m(SOURCE["text"], SOURCE)["inv_bleu_score"] == pytest.approx(0.0)
    assert m(pred + " BAD", SOURCE)["score"] == 0.0


def test_paraphrase_empty_is_all_zero(fake_grammar):
    m = get_metric("paraphrase_score", grammar=fake_grammar, similarity=ConstSim())
    for pred in ["", "  \n\t"]:
        res = m(pred, SOURCE)
        assert all(res[k] == 0.0 for k in m.keys) and res["reason"] == "empty prediction"


def test_paraphrase_chrf_fallback_is_named(fake_grammar):
    m = get_metric("paraphrase_score", grammar=fake_grammar, similarity="chrf")
    res = m("Do you know which sweater this is?", SOURCE)
    assert res["similarity_backend"] == "chrf-fallback" and "bertscore_score" not in res
    assert 0.0 < res["similarity_score"] < 1.0
    assert isinstance(m.similarity, ChrfScorer)


def test_text_label_errors(fake_grammar):
    with pytest.raises(DataError):
        get_metric("summary_score", grammar=fake_grammar)("x", {"text": "no summary"})
    with pytest.raises(DataError):
        get_metric("paraphrase_score", grammar=fake_grammar)("x", {"text": 3})
    with pytest.raises(DataError):
        get_metric("sentence_to_words_score", grammar=fake_grammar)("x", {"words": "dog"})
    with pytest.raises(ConfigError):
        get_metric("summary_score", grammar=42)
    with pytest.raises(ConfigError):
        get_metric("summary_score", grammar="nonsense").grammar


def test_default_backends_end_to_end(fresh_backends):
    """With nothing configured (no LanguageTool, no BERTScore here) the defaults are Harper and
    the chrF fallback, and every result says so."""
    res = get_metric("paraphrase_score")("Do you know which sweater this is?", SOURCE)
    assert res["grammar_backend"].startswith(("harper-", "languagetool-"))
    assert res["similarity_backend"] in ("chrf-fallback",) or res["similarity_backend"].startswith("bertscore")
    assert all(0.0 <= res[k] <= 1.0 and not math.isnan(res[k]) for k in
               ("inv_bleu_score", "similarity_score", "grammar_score", "score"))
    w = get_metric("sentence_to_words_score")
    assert w("I throw the ball for my dog at the park.", WORDS)["score"] == 1.0
    assert w("I throws the ball for my dog at the park.", WORDS)["grammar_score"] == 0.0


def test_metrics_survive_pickling_after_use():
    """Runners may ship metrics to worker processes (Ray): resolved backends are rebuilt."""
    import pickle

    for name in ("paraphrase_score", "summary_score", "sentence_to_words_score", "sudoku_score"):
        metric = get_metric(name, grammar="harper", similarity="chrf")
        label = {"text": "A cat sat on the mat.", "summary": "A cat sat.", "words": ["cat"]} \
            if name != "sudoku_score" else "1342\n2431\n4123\n3214"
        before = metric("The cat was sitting on a mat.", label)
        clone = pickle.loads(pickle.dumps(metric))
        assert clone("The cat was sitting on a mat.", label) == before
