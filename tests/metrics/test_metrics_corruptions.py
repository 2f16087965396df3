"""The corruption generator (corruptions, corruption_agreement): only certain errors, agreement
corruptions of every construction, and no swap that may still be grammatical."""
from __future__ import annotations

import random

import pytest

from parallelbench.metrics.corruption_agreement import agreement, base_form, plural_form
from parallelbench.metrics.corruptions import corrupt, corrupt_corpus, tokenize, violations
from parallelbench.metrics.grammar_corpora import package_sentences


def _all_agreements(sentence: str) -> set[str]:
    toks = tokenize(sentence)
    return {" ".join(agreement(toks, random.Random(seed))[0]) for seed in range(40)}


@pytest.mark.parametrize("sentence, expected", [
    ("They are here .", "They is here ."),
    ("He wants to have it .", "He wants to has it ."),
    ("The museum is closed .", "The museum are closed ."),
    ("The trains are late .", "The trains is late ."),
    ("The museum proudly displays old maps .", "The museum proudly display old maps ."),
    ("She speaks well .", "She speak well ."),
    ("He always takes the bus .", "He always take the bus ."),
    ("These eggs are fresh .", "These egg are fresh ."),
    ("We stayed for two days .", "We stayed for two day ."),
    ("It rains every day .", "It rains every days ."),
    ("I need a box .", "I need a boxes ."),
])
def test_agreement_corruptions(sentence, expected):
    assert expected in _all_agreements(sentence)


@pytest.mark.parametrize("sentence", [
    "The team is ready .",          # collective: "the team are" is fine in British English
    "The series is over .",         # a singular noun in -s
    "Does she like it ?",           # no -s verb after an inverted subject
    "I saw a few of them .",        # "a few" is not a countable head
    "Give it to those who ask .",   # "those" is a pronoun here
])
def test_no_uncertain_agreement_corruption(sentence):
    made = agreement(tokenize(sentence), random.Random(0))
    assert made is None, made


def test_word_forms():
    assert [base_form(w) for w in ("weaves", "watches", "flies", "goes", "perhaps", "bus")] == \
        ["weave", "watch", "fly", "go", None, None]
    assert [plural_form(w) for w in ("box", "city", "day", "church")] == \
        ["boxes", "cities", "days", "churches"]


def test_pronoun_like_determiners_need_no_noun():
    for text in ("I like those.", "They cost five dollars each.", "Put these in the box."):
        assert not violations(tokenize(text))
    assert violations(tokenize("I like the."))


def test_swaps_that_may_be_grammatical_are_not_made():
    # "truly a momentous event", "for hiking a week", "half the time" are grammatical.
    for sentence in ("It was a truly momentous event.", "I packed for a hiking week.",
                     "He slept the half hour."):
        for seed in range(20):
            item = corrupt(sentence, "swap", random.Random(seed))
            assert item is None or item.text not in (
                "It was truly a momentous event.", "I packed for hiking a week.",
                "He slept half the hour."), item


def test_package_sentences_give_many_agreement_corruptions():
    corpus = corrupt_corpus(package_sentences(), seed=0, kinds=("agreement",))
    assert len(corpus) >= 50
    reasons = {c.reason.split(" with ")[-1] for c in corpus}
    assert {"a plural verb", "a singular verb", "a base-form verb", "a singular noun",
            "a plural noun"} <= reasons, reasons
