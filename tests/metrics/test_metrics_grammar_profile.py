"""The offline grammar profile: its flag rates on LanguageTool-clean texts and on the seeded
corpus of parallel-decoding corruptions (thresholds of issue 11), and the corpus generator."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from parallelbench.metrics import HarperProfileChecker, get_grammar_checker
from parallelbench.metrics.corruptions import KINDS, corrupt, corrupt_corpus, tokenize, violations
from parallelbench.metrics.grammar_corpora import (clean_sentences, official_clean_texts,
                                                   package_sentences)

OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "official"


@pytest.fixture(scope="module")
def profile():
    get_grammar_checker.cache_clear()
    checker = get_grammar_checker("harper-profile")
    yield checker
    get_grammar_checker.cache_clear()


def test_profile_is_recorded_as_such(profile):
    assert isinstance(profile, HarperProfileChecker)
    assert profile.name.startswith("harper-profile2-")
    assert get_grammar_checker("profile") is profile


def test_profile_allows_names_chat_words_and_style(profile):
    assert profile.check("Kas: Ok, I'll tell u later, Tobias.\nJio: lol sure")
    assert profile.check("We bought apples, pears and plums...")  # no Oxford comma, "..."
    assert profile.check("I am travelling to the river bank tomorrow.")
    assert not profile.check("The the dog runs.")
    assert not profile.check("He saw the unusual behavior of the.")
    assert not profile.check("They is happy.")


def test_corruptions_are_certified_and_seeded():
    sentences = package_sentences()
    corpus = corrupt_corpus(sentences, seed=3)
    assert corpus == corrupt_corpus(sentences, seed=3)
    assert corpus != corrupt_corpus(sentences, seed=4)
    assert {c.kind for c in corpus} == set(KINDS)
    for item in corpus:
        assert item.text != item.source and item.reason
        assert not violations(tokenize(item.source))
    assert corrupt("New York is big.", "blend", random.Random(0), "Mexico City is big.") is None


def test_flags_at_least_90_percent_of_corruptions(profile):
    corpus = corrupt_corpus(clean_sentences(OFFICIAL), seed=0)
    assert len(corpus) >= 250
    flagged = sum(not profile.check(c.text) for c in corpus)
    assert flagged / len(corpus) >= 0.90, f"{flagged}/{len(corpus)}"


def test_flags_at_most_5_percent_of_languagetool_clean_texts(profile):
    texts = official_clean_texts(OFFICIAL)
    if not texts:
        pytest.skip(f"official files not found under {OFFICIAL}")
    every = [t for ts in texts.values() for t in ts]
    assert len(every) == 200
    flagged = [t for t in every if not profile.check(t)]
    assert len(flagged) / len(every) <= 0.05, flagged
