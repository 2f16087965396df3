"""The offline grammar profile: its flag rates on LanguageTool-clean texts, on held-out clean
texts and on the seeded corpus of parallel-decoding corruptions at several seeds (issue 11:
at most 5% of the clean texts, at least 90% of the corruptions; held here with margin, 93%)."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from parallelbench.metrics import HarperProfileChecker, get_grammar_checker
from parallelbench.metrics.corruptions import KINDS, corrupt, corrupt_corpus, tokenize, violations
from parallelbench.metrics.grammar_corpora import (clean_sentences, held_out_texts,
                                                   official_clean_texts, package_sentences)

OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "official"
SEEDS = (0, 1, 2)  # benchmarks/grammar_profile.py --seeds 0,1,2,3,4 reports more


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
    assert profile.check("Anna will see a doctor tomorrow at 8 a.m.\nMatt: Is he mad at me?")


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


def test_every_corpus_source_passes_the_profile(profile):
    """So every flag on the corpus comes from its corruption."""
    flagged = [s for s in clean_sentences(OFFICIAL) if not profile.check(s)]
    assert not flagged, flagged


@pytest.mark.parametrize("seed", SEEDS)
def test_flags_at_least_93_percent_of_corruptions(profile, seed):
    corpus = corrupt_corpus(clean_sentences(OFFICIAL), seed=seed)
    assert len(corpus) >= (700 if OFFICIAL.is_dir() else 350)
    hit = {kind: [not profile.check(c.text) for c in corpus if c.kind == kind] for kind in KINDS}
    assert len(hit["agreement"]) >= 50
    flagged = sum(sum(h) for h in hit.values())
    assert flagged / len(corpus) >= 0.93, {k: f"{sum(h)}/{len(h)}" for k, h in hit.items()}
    for kind, hits in hit.items():
        assert sum(hits) / len(hits) >= 0.8, (kind, f"{sum(hits)}/{len(hits)}")


def test_flags_at_most_5_percent_of_languagetool_clean_texts(profile):
    texts = official_clean_texts(OFFICIAL)
    if not texts:
        pytest.skip(f"official files not found under {OFFICIAL}")
    every = [t for ts in texts.values() for t in ts]
    assert len(every) == 200
    flagged = [t for t in every if not profile.check(t)]
    assert len(flagged) / len(every) <= 0.05, flagged


def test_flags_at_most_5_percent_of_held_out_clean_texts(profile):
    """Clean texts never used to tune the profile (ChatGPT paraphrases, SAMSum summaries,
    sentences.txt): the clean-text rate holds beyond the texts it was tuned on."""
    texts = held_out_texts(OFFICIAL)
    if not texts:
        pytest.skip(f"official files not found under {OFFICIAL}")
    every = [t for ts in texts.values() for t in ts]
    assert len(every) == 700
    flagged = [t for t in every if not profile.check(t)]
    assert len(flagged) / len(every) <= 0.05, flagged
