"""Agreement corruptions of the seeded corpus (``corruptions``): a word of the wrong number.

Parallel decoding picks each position's token from its own marginal, so a verb or noun can come
out in the other number than the word it agrees with. ``agreement`` collects every spot of a
clean sentence where such a change is certainly ungrammatical and applies one, chosen by the
seeded generator. The clean sentence itself is the evidence for number: a verb that agrees with
its subject in the clean text agrees in that number, so flipping it breaks the agreement.

* pronoun: a be/have/do form after a subject pronoun, or after ``to``/a modal, of the other
  number or person ("they are" -> "they is", "to have" -> "to has");
* subject: a sentence-initial determiner and 1-3 words (the subject noun phrase, its last word
  the head) directly followed by a be/have/do form of its number, flipped ("The museum is" ->
  "The museum are", "The trains are" -> "The trains is"); singular flips need a head not in
  ``-s``, plural ones a head in ``-s``; collective nouns ("team", "staff"), which take either
  number, are left alone. Or that subject, an adverb and a regular ``-s`` verb, turned into its
  base form ("The museum proudly displays" -> "... display");
* third person: ``he``/``she`` (``it`` only where a clause opens), an optional adverb and a
  regular ``-s`` verb turned into its base form ("she speaks" -> "she speak");
* determiner: a plural determiner or numeral before a regular plural head noun made singular
  ("these shoes are" -> "these shoe are", "two eggs" -> "two egg"), or ``a``/``an``/``every``
  before a singular head noun made plural ("every day." -> "every days."). The noun is the head
  when a function word or punctuation follows it.
"""
from __future__ import annotations

import random

from parallelbench.metrics.corruptions import (FLIPS, FREQUENCY_ADVERBS, FUNCTION_WORDS,
                                               NONFINITE_CONTEXT, SUBJECTS, _low, _new_errors)

__all__ = ["agreement"]

SUBJECT_STARTERS = frozenset("the a an this that my your his her its our their every each "
                             "these those".split())
SINGULAR_FORMS = frozenset("is was has does isn't wasn't hasn't doesn't".split())
PLURAL_FORMS = frozenset("are were have do aren't weren't haven't don't".split())
COLLECTIVE = frozenset("team staff family government committee company band crew class audience "
                       "police public jury group couple board council majority minority army "
                       "club crowd data media series species".split())
# Words in -s after a pronoun or adverb that are not third-person verbs.
NOT_VERBS_IN_S = frozenset("perhaps always sometimes thus unless as is was has does its his hers "
                           "yes across towards afterwards besides nevertheless nonetheless plus "
                           "less us whereas nowadays overseas indoors outdoors downstairs upstairs "
                           "this".split())
PLURAL_DETERMINERS = frozenset("these those several many few two three four five six seven "
                               "eight nine ten eleven twelve".split())
SINGULAR_DETERMINERS = frozenset("a an every".split())
# After "a"/"every": not countable heads, or not nouns ("a few", "a little", "a while").
NOT_COUNT_HEADS = frozenset("few little while half".split())
CLAUSE_OPENERS = frozenset("and but or so because if when while although though since unless "
                           "that once until as where whether after before".split())
_PUNCT = frozenset(".,;:!?")


def _is_adverb(tok: str) -> bool:
    low = _low(tok)
    return low in FREQUENCY_ADVERBS or (low.endswith("ly") and len(low) > 4)


def base_form(verb: str) -> str | None:
    """The base form of a regular present third-person verb ("weaves" -> "weave")."""
    if (not verb.isalpha() or not verb.islower() or len(verb) < 4
            or verb.endswith(("ss", "us", "is")) or verb in NOT_VERBS_IN_S):
        return None
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("sses", "ches", "shes", "xes", "oes")):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") else None


def plural_form(noun: str) -> str:
    """The regular plural ("box" -> "boxes", "city" -> "cities", "day" -> "days")."""
    if noun.endswith(("s", "x", "z", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _heads_phrase(toks: list[str], i: int) -> bool:
    """Whether the word at ``i`` ends its noun phrase (a function word or punctuation follows)."""
    return i + 1 >= len(toks) or toks[i + 1] in _PUNCT or _low(toks[i + 1]) in FUNCTION_WORDS


def _pronoun_spots(toks):
    spots = []
    for i, tok in enumerate(toks[1:], 1):
        if _low(tok) in FLIPS and (_low(toks[i - 1]) in SUBJECTS
                                   or _low(toks[i - 1]) in NONFINITE_CONTEXT):
            bad = toks[:i] + [FLIPS[_low(tok)]] + toks[i + 1:]
            reasons = _new_errors(toks, bad)
            if reasons:
                spots.append((i, FLIPS[_low(tok)], reasons[0]))
    return spots


def _subject_head(toks):
    """Index of the head of a sentence-initial subject noun phrase, or ``None``."""
    if not toks or _low(toks[0]) not in SUBJECT_STARTERS:
        return None
    j = 1
    while (j < len(toks) and toks[j][:1].isalpha() and _low(toks[j]) not in FUNCTION_WORDS
           and not _is_adverb(toks[j])):
        j += 1
    head = j - 1
    if 1 <= head <= 3 and toks[head].isalpha() and toks[head].islower() and j < len(toks):
        return head
    return None


def _subject_spots(toks):
    head = _subject_head(toks)
    if head is None or _low(toks[head]) in COLLECTIVE:
        return []
    noun, verb = _low(toks[head]), _low(toks[head + 1])
    plural_head = noun.endswith("s") and not noun.endswith(("ss", "us", "is"))
    if verb in SINGULAR_FORMS and not noun.endswith("s"):
        return [(head + 1, FLIPS[verb], "singular subject with a plural verb")]
    if verb in PLURAL_FORMS and plural_head:
        return [(head + 1, FLIPS[verb], "plural subject with a singular verb")]
    if _is_adverb(toks[head + 1]) and head + 2 < len(toks) and not noun.endswith("s"):
        base = base_form(toks[head + 2])
        if base:
            return [(head + 2, base, "singular subject with a base-form verb")]
    return []


def _third_person_spots(toks):
    spots = []
    for i, tok in enumerate(toks[:-1]):
        low = _low(tok)
        before = _low(toks[i - 1]) if i else "."
        if low not in ("he", "she", "it") or (
                low == "it" and before not in _PUNCT and before not in CLAUSE_OPENERS):
            continue
        j = i + 2 if _is_adverb(toks[i + 1]) and i + 2 < len(toks) else i + 1
        base = base_form(toks[j])
        if base:
            spots.append((j, base, f"{low!r} with a base-form verb"))
    return spots


def _determiner_spots(toks):
    spots = []
    for i, (det, noun) in enumerate(zip(toks, toks[1:]), 1):
        det, low = _low(det), _low(noun)
        if not noun.isalpha() or not noun.islower() or not _heads_phrase(toks, i):
            continue
        if low in FUNCTION_WORDS:
            continue
        if det in PLURAL_DETERMINERS:
            single = base_form(noun) if low.endswith("s") and not low.endswith("es") else None
            if single:
                spots.append((i, single, f"{det!r} with a singular noun"))
        elif (det in SINGULAR_DETERMINERS and len(low) >= 3 and low not in NOT_COUNT_HEADS
              and not low.endswith(("s", "ly", "ing", "ed"))):
            spots.append((i, plural_form(noun), f"{det!r} with a plural noun"))
    return spots


def agreement(toks: list[str], rng: random.Random) -> tuple[list[str], str] | None:
    """One agreement corruption of a clean token list, ``(tokens, reason)``, or ``None``."""
    spots = (_pronoun_spots(toks) + _subject_spots(toks) + _third_person_spots(toks)
             + _determiner_spots(toks))
    if not spots:
        return None
    i, word, reason = rng.choice(spots)
    return toks[:i] + [word] + toks[i + 1:], reason
