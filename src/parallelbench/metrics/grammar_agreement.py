"""Agreement rules of the grammar profile, over Harper's part-of-speech tags (``grammar_rules``).

* ``PbPronounAgreement``: a subject pronoun with a be/have/do form of another person or number
  ("it have rained", "they is"), unless an auxiliary, ``to`` or a causative verb comes just
  before it ("does it have", "let it do") or the clause is a condition or wish ("if it were").
* ``PbThirdPersonBase``: ``he``/``she``/``it`` (``it`` only where a clause opens), optionally
  one adverb, then the base form of a verb ("she like apples", "he always work"). A base form
  is a lower-case word whose ``-s``/``-es`` form Harper knows, that is not a modal, not an
  irregular past ("she found", "he left") and not a verb whose past is its base ("he put").
* ``PbDeterminerNumber``: a plural determiner or numeral with a singular head noun ("these
  tool", "two engineer"), or ``a``/``an``/``every``/``each`` with a regular plural head noun
  ("every days", "a dogs"). The noun is the head: the next word is not a noun, adjective or
  numeral ("a sports car", "two hour drive" are not flagged). Irregular and unmarked plurals
  ("people", "sheep"), nouns in ``-s`` that are singular ("news", "series") and measure words
  ("percent") are known exceptions.
* ``PbSubjectAgreement``: a sentence that opens with a determiner and a noun phrase whose number
  is certain (from ``a``/``this``/``these``..., or from a regular plural head) directly followed
  by a be/have/do form of the other number ("My sister are", "The dogs is", "These tool is"),
  or, when singular, by an adverb and a base-form verb ("The novel masterfully weave").
  Collective nouns ("team", "staff"), which may take either number, are skipped.
"""
from __future__ import annotations

from parallelbench.metrics.grammar_rules import rule, sentence_start

__all__ = ["is_plural_noun", "is_base_verb"]

_PERSON = {"i": "1s", "he": "3s", "she": "3s", "it": "3s", "we": "p", "they": "p", "you": "p"}
# "were" after a singular subject is wrong unless the clause is a condition or wish ("if it
# were", "as it were", "I wish he were"): checked over the whole clause.
_WRONG = {"1s": frozenset("is are has does isn't aren't hasn't doesn't".split()),
          "3s": frozenset("are am have do aren't haven't don't were weren't".split()),
          "p": frozenset("is am has does was isn't hasn't doesn't wasn't".split())}
# Words after which a pronoun and a bare verb are fine: inversion ("does it have"), "to", and
# causative or perception verbs ("let it do", "made him go").
_BEFORE_BARE = frozenset(
    "do does did don't doesn't didn't will would can could shall should may might must won't "
    "wouldn't can't couldn't shouldn't is are was were am isn't aren't wasn't weren't has have "
    "had hasn't haven't hadn't let make made help helped to see saw watch hear heard".split())
_CONDITION = frozenset("if wish though as whether suppose supposing imagine unless".split())
_CLAUSE_PUNCT = frozenset(".,;:!?")
_CLAUSE_OPENERS = frozenset("and but or so because if when while although though since unless "
                            "that once until as where whether after before".split())
MODALS = frozenset("can could will would shall should may might must need dare ought used".split())
IRREGULAR_PAST = frozenset("""
    left found felt saw lay fell bore lit fed led met bent sent spent lent meant built wound ground
    bound rose stood shot spun struck stuck hung sang rang ran came became sat won wore tore swore
    bled bred fled sped slid hid bit drove rode wrote broke spoke chose froze woke stole threw grew
    knew flew drew blew forgot got gave took shook made said paid laid sold told held heard kept
    slept swept wept crept dealt dreamt learnt burnt spelt spilt knelt leapt thought brought bought
    caught taught fought sought did had went ate drank swam began sank shrank stank sprang stung
    swung clung flung strung understood overcame""".split())
SAME_PAST = frozenset("cut put set hit let read spread cost hurt shut quit bet cast burst split "
                      "upset broadcast shed thrust bid rid fit".split())
PLURAL_DETERMINERS = frozenset("these those several many few two three four five six seven "
                               "eight nine ten eleven twelve twenty thirty forty fifty".split())
SINGULAR_DETERMINERS = frozenset("a an every each".split())
PLURAL_ONLY = frozenset("people children men women police cattle feet teeth mice geese criteria "
                        "phenomena bacteria alumni cacti fungi".split())
# Nouns whose plural is the singular, or that take either number.
NUMBER_NEUTRAL = frozenset("sheep fish deer aircraft offspring series species salmon trout swine "
                           "staff data media personnel clergy livestock dice".split())
MEASURE_WORDS = frozenset("percent dozen hundred thousand million billion trillion foot".split())
SINGULAR_IN_S = frozenset(
    "news series species means physics mathematics economics politics ethics athletics "
    "gymnastics measles diabetes billiards headquarters crossroads barracks gallows lens bus gas "
    "yes thanks kudos".split())
COLLECTIVE = frozenset("team staff family government committee company band crew class audience "
                       "police public jury group couple board council majority minority army "
                       "club crowd data media".split())
_SUBJECT_DETERMINERS = {"a": "s", "an": "s", "this": "s", "that": "s", "every": "s", "each": "s",
                        "these": "p", "those": "p", "the": None, "my": None, "your": None,
                        "his": None, "her": None, "its": None, "our": None, "their": None}
_SINGULAR_VERBS = frozenset("is was has does isn't wasn't hasn't doesn't".split())
_PLURAL_VERBS = frozenset("are were have do aren't weren't haven't don't".split())
_HEAD_FOLLOWERS = frozenset({"NOUN", "PROPN", "ADJ", "NUM"})
_NOT_NOUN_TAGS = frozenset({"ADJ", "ADV", "ADP", "PRON", "DET", "CCONJ", "SCONJ", "AUX", "PART"})


def is_plural_noun(word: str, known) -> bool:
    """A regular plural (``-s``/``-es``/``-ies`` of a known word) or a plural-only noun."""
    if word in PLURAL_ONLY:
        return True
    if (not word.isalpha() or not word.endswith("s") or word.endswith(("ss", "us", "is", "ics"))
            or word in SINGULAR_IN_S or word in NUMBER_NEUTRAL):
        return False
    stems = [word[:-1]] + ([word[:-2]] if word.endswith("es") else []) \
        + ([word[:-3] + "y"] if word.endswith("ies") else [])
    return any(len(stem) > 1 and known(stem) for stem in stems)


def is_base_verb(text: str, known) -> bool:
    """Whether a word can only be read as a verb's base (present, non-third-person) form."""
    word = text.lower()
    if not text.isalpha() or not text.islower() or len(word) < 2:
        return False
    if (word.endswith(("s", "ed", "ing", "ly")) or word in IRREGULAR_PAST or word in SAME_PAST
            or word in MODALS):
        return False
    return known(word + "s") or known(word + "es") or (word.endswith("y")
                                                       and known(word[:-1] + "ies"))


def _bare_verb_context(tokens, i) -> bool:
    if any(t.low in _BEFORE_BARE for t in tokens[max(0, i - 3):i]):
        return True
    j = i - 1
    while j >= 0 and tokens[j].text not in _CLAUSE_PUNCT:
        if tokens[j].low in _CONDITION:
            return True
        j -= 1
    return False


@rule("PbPronounAgreement")
def _pronoun_agreement(tokens, known):
    out = []
    for i, (pron, verb) in enumerate(zip(tokens, tokens[1:])):
        person = _PERSON.get(pron.low)
        if person is None or verb.low not in _WRONG[person] or _bare_verb_context(tokens, i):
            continue
        if pron.low in ("it", "you") and i and tokens[i - 1].tag in ("VERB", "ADP"):
            continue  # an object: "give it is" cannot be told from "made it is" here
        out.append(("PbPronounAgreement", f"{pron.text} {verb.text}"))
    return out


@rule("PbThirdPersonBase")
def _third_person_base(tokens, known):
    out = []
    for i, pron in enumerate(tokens[:-1]):
        if pron.low not in ("he", "she", "it") or _bare_verb_context(tokens, i) or (
                i and tokens[i - 1].low in ("and", "or", "nor")):
            continue  # "he and she go"
        before = tokens[i - 1].low if i else "."
        if pron.low == "it" and before not in ".,;:!?" and before not in _CLAUSE_OPENERS:
            continue  # "it" may be an object ("make it work")
        j = i + 2 if tokens[i + 1].tag == "ADV" and i + 2 < len(tokens) else i + 1
        if j + 1 < len(tokens) and tokens[j + 1].low in ("and", "or"):
            continue  # "he and she go"
        if is_base_verb(tokens[j].text, known):
            out.append(("PbThirdPersonBase", f"{pron.text} {tokens[j].text}"))
    return out


@rule("PbDeterminerNumber")
def _determiner_number(tokens, known):
    out = []
    for i, (det, noun) in enumerate(zip(tokens, tokens[1:])):
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if (not noun.text.isalpha() or not noun.text.islower()
                or (after is not None and (after.tag in _HEAD_FOLLOWERS or "'" in after.text))):
            continue
        word = noun.low
        if noun.tag != "NOUN" and not (det.low in SINGULAR_DETERMINERS
                                       and noun.tag not in _NOT_NOUN_TAGS):
            continue  # after "a"/"every" a word in -s is a noun whatever Harper's guess
        if det.low in PLURAL_DETERMINERS:
            bad = not (word.endswith("s") or word in PLURAL_ONLY or word in NUMBER_NEUTRAL
                       or word in MEASURE_WORDS)
        elif det.low in SINGULAR_DETERMINERS:
            floating = det.low == "each" and i and tokens[i - 1].low in ("they", "we", "you")
            bad = not floating and is_plural_noun(word, known)
        else:
            continue
        if bad:
            out.append(("PbDeterminerNumber", f"{det.text} {noun.text}"))
    return out


def _noun_phrase_end(tokens, i) -> int:
    """Index just past the noun phrase after the determiner at ``i`` (at most 4 words)."""
    j = i + 1
    while j < len(tokens) and j - i <= 4 and tokens[j].text[:1].isalpha() \
            and "'" not in tokens[j].text:
        nxt = tokens[j + 1].tag if j + 1 < len(tokens) else None
        tag = tokens[j].tag
        premodifier = ("-" in tokens[j].text or tag == "VERB") and nxt in ("NOUN", "ADJ")
        if not (tag in ("ADJ", "NOUN", "NUM") or premodifier or (tag == "ADV" and nxt == "ADJ")):
            break
        j += 1
    return j


@rule("PbSubjectAgreement")
def _subject_agreement(tokens, known):
    out = []
    for i, det in enumerate(tokens):
        if det.low not in _SUBJECT_DETERMINERS or not sentence_start(tokens, i):
            continue
        j = _noun_phrase_end(tokens, i)
        if j == i + 1 or j >= len(tokens):
            continue
        head, verb = tokens[j - 1], tokens[j].low
        # "The rich are": an adjective heads a plural phrase after "the" only.
        if not head.text.islower() or head.tag not in ("NOUN", "ADJ") or (
                head.tag == "ADJ" and det.low == "the"):
            continue
        number = _SUBJECT_DETERMINERS[det.low]
        if number is None and head.low not in COLLECTIVE and head.low not in NUMBER_NEUTRAL:
            number = "p" if is_plural_noun(head.low, known) else (
                "s" if not head.low.endswith("s") else None)
        if verb in _PLURAL_VERBS and number == "s" or verb in _SINGULAR_VERBS and number == "p":
            out.append(("PbSubjectAgreement", f"{head.text} {tokens[j].text}"))
        elif (number == "s" and tokens[j].tag == "ADV" and j + 1 < len(tokens)
              and is_base_verb(tokens[j + 1].text, known)):
            out.append(("PbSubjectAgreement", f"{head.text} {tokens[j].text} {tokens[j + 1].text}"))
    return out
