"""The grammar profile's tagged rules (grammar_rules, grammar_agreement) and Harper's tags
(grammar_tags): each rule fires on its error and stays quiet on the grammatical sentences that
look most like it."""
from __future__ import annotations

import pytest

from parallelbench.metrics import get_grammar_checker
from parallelbench.metrics.grammar_rules import RULES, tagged_issues
from parallelbench.metrics.grammar_tags import Tagger


@pytest.fixture(scope="module")
def profile():
    get_grammar_checker.cache_clear()
    yield get_grammar_checker("harper-profile")
    get_grammar_checker.cache_clear()


def _rules(checker, text):
    return {rule for rule, _ in checker.issue_list(text)}


def test_tagger_tags_words_and_hyphenated_compounds():
    tokens = Tagger().tag("The world-famous orchestra played, didn't it?")
    assert [t.text for t in tokens] == ["The", "world-famous", "orchestra", "played", ",",
                                        "didn't", "it", "?"]
    tags = {t.text: t.tag for t in tokens}
    assert tags["The"] == "DET" and tags["orchestra"] == "NOUN" and tags["played"] == "VERB"
    assert tags["world-famous"] == "ADJ" and tags[","] is None


def test_every_rule_is_registered():
    tagged_issues([], lambda w: True)  # loads the agreement rules
    assert {"PbDeterminerEnd", "PbPossessiveBeforeFunction", "PbArticleComma",
            "PbStartDeterminer", "PbBareNounArticle", "PbSuperlativeArticle",
            "PbAdjectiveArticle", "PbPrepositionOf", "PbPronounAgreement", "PbThirdPersonBase",
            "PbDeterminerNumber", "PbSubjectAgreement"} <= set(RULES)


FLAGGED = [
    ("Is drinking too much water harmful to your?", "PbDeterminerEnd"),
    ("The vet says Gordon will walk him every.", "PbDeterminerEnd"),
    ("How can I improve my without taking medicine?", "PbPossessiveBeforeFunction"),
    ("The teacher explains every of the steps.", "PbPossessiveBeforeFunction"),
    ("A, heavy downpour soaked the picnickers.", "PbArticleComma"),
    ("Magnificent a bald eagle soared over the valley.", "PbStartDeterminer"),
    ("Two the towns are now closer.", "PbStartDeterminer"),
    ("Several trees in park the fell during the storm.", "PbBareNounArticle"),
    ("What is most the profitable investment?", "PbSuperlativeArticle"),
    ("Each room has a desk and comfortable a chair.", "PbAdjectiveArticle"),
    ("He saw unusual the behavior.", "PbAdjectiveArticle"),
    ("The cult grew without of any support.", "PbPrepositionOf"),
    ("Is ocean swimming risky once it have rained a lot?", "PbPronounAgreement"),
    ("Tito stated that he were fluent in German.", "PbPronounAgreement"),
    ("She like apples.", "PbThirdPersonBase"),
    ("He always work late.", "PbThirdPersonBase"),
    ("These tool is useful.", "PbDeterminerNumber"),
    ("Two engineer joined the team.", "PbDeterminerNumber"),
    ("Why do leaves change their color every autumns?", "PbDeterminerNumber"),
    ("My sister are here.", "PbSubjectAgreement"),
    ("The dogs is loud.", "PbSubjectAgreement"),
    ("The complex novel masterfully weave together several plots.", "PbSubjectAgreement"),
]


@pytest.mark.parametrize("text, rule", FLAGGED)
def test_rule_flags_its_error(profile, text, rule):
    assert rule in _rules(profile, text)


GRAMMATICAL = [
    "Oh my, the cake is gone.", "They cost five dollars each.", "I like those.",
    "Sorry the link is broken.", "Yesterday the shop was closed.", "Half the time he sleeps.",
    "Tell mom the news.", "We played football the whole day.", "I can come half an hour later.",
    "At least the food was good.", "It's quite basic the website, but it may be good.",
    "Make sure the door is locked.", "It was so big a deal.", "Many of them came out of the house.",
    "Does it have a garden?", "Let it go.", "If it were cheaper, I would buy it.",
    "I wish he were here.", "She found it.", "He left early.", "He put it there.",
    "She read it yesterday.", "Does she like it?", "He and she go there.",
    "These days are long.", "Many people came.", "Two sheep and a fish.", "A sports car.",
    "Twenty percent of them agreed.", "This series is great.", "The news is good.",
    "The team are happy.", "The glasses are on the table.", "The rich are different.",
    "Her parents have left.", "Each of them has one.", "Is he mad at me?",
    "What time are you guys going?", "Anna will see a doctor at 8 a.m. tomorrow.",
    "The experienced chef expertly seasoned the delicious roasted chicken.",
]


@pytest.mark.parametrize("text", GRAMMATICAL)
def test_grammatical_sentences_pass(profile, text):
    assert profile.check(text), profile.issue_list(text)
