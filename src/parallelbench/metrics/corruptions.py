"""Seeded corpus of typical parallel-decoding corruptions, for tuning grammar checkers.

Decoding several tokens per step from per-position marginals produces a few kinds of damage
(ParallelBench section 3): a token decoded twice, a position left to a neighbour's token,
neighbouring tokens in the wrong order, a broken agreement, and the "New City" blend (two
candidate answers merged token by token). ``corrupt_corpus`` applies each kind to clean
sentences, and keeps a corruption **only when it is certainly ungrammatical** by one of these
rules of standard (American) English, checked on the result:

* a word directly repeated ("the the", "dog dog"), except words that may be
  doubled grammatically (``that``, ``had``, ``very``, ...);
* a determiner (``the``, ``a``, ``my``, ...) directly followed by another determiner, a
  preposition, a conjunction, punctuation or the end (it needs a noun phrase after it), or
  ``of`` next to another preposition ("the of in", "at of"); a preposition before punctuation
  is not used (stranding, "what is it for?", is grammatical);
* ``a`` before a vowel letter or ``an`` before a consonant letter (exceptions: ``u``, ``h``,
  ``o`` and ``e`` words and acronyms, whose sound is not known from the spelling, are not used);
* a subject pronoun with a verb form of the other number or person ("they is", "he have"), or
  ``to``/a modal followed by a finite form ("will has", "to is");
* (``agreement`` only) a sentence-initial singular subject (a determiner and 1-3 open-class words,
  the last not ending in ``s``) followed by ``is``/``was``/``has``/``does`` turned plural ("A
  well-balanced diet are ..."), or followed by an adverb and a regular ``-s`` verb turned into
  its base form ("The museum proudly display ...");
* (``swap`` only) a determiner moved behind the first word of its own noun phrase ("unusual the
  behavior"), which English never allows.

Kinds: ``repeat`` (a word decoded twice), ``drop`` (a word lost between two function words),
``swap`` (two neighbours exchanged), ``agreement`` (a be/have/do form of the wrong number after
a pronoun subject or a singular noun subject, or a finite form after ``to``/a modal) and ``blend`` (two clean sentences merged
position by position over a window of 2-4 tokens, as one parallel step would; only blends that
break one of the rules above are kept, so "New York" / "Mexico City" -> "New City", which is
grammatical, never enters the corpus). Drops, swaps and blends that might still be grammatical
are skipped rather than counted: the corpus measures recall on real errors only.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass

__all__ = ["Corruption", "KINDS", "corrupt", "corrupt_corpus", "violations", "tokenize",
           "detokenize"]

KINDS = ("repeat", "drop", "swap", "agreement", "blend")

DETERMINERS = frozenset("the a an these those my your our their every each".split())
PREPOSITIONS = frozenset("of in on at for with from by about into onto during among across "
                         "against toward towards within without".split())
# "of" followed by these, or any preposition followed by "of", never starts a phrase ("of
# about" can: "about" is not in this set).
PREP_AFTER_OF = frozenset("of in on at for with from by into onto during".split())
CONJUNCTIONS = frozenset("and but or nor".split())
# Words that may be doubled in grammatical English ("that that", "had had", "very very").
MAY_DOUBLE = frozenset("that had is was do does very so really no yes bye ha haha well on far "
                       "more again round over through by ok okay".split())
SUBJECTS = {"i": "1s", "you": "2", "he": "3s", "she": "3s", "it": "3s", "we": "p", "they": "p"}
# Verb forms that cannot follow each subject (finite be/have/do of the wrong person/number).
WRONG_FORMS = {
    "1s": frozenset("is are has does were isn't aren't hasn't doesn't weren't".split()),
    "2": frozenset("is am has does was isn't hasn't doesn't wasn't".split()),
    "3s": frozenset("are am have do were aren't haven't don't weren't".split()),
    "p": frozenset("is am has does was isn't hasn't doesn't wasn't".split()),
}
FREQUENCY_ADVERBS = frozenset("always often never usually rarely sometimes also still".split())
SINGULAR_VERBS = frozenset("is was has does isn't wasn't hasn't doesn't".split())
# Closed-class words that end a noun phrase scan (so "a dog that barks" is never touched).
FUNCTION_WORDS = frozenset(
    "a an the this that these those my your his her its our their every each some any no all "
    "both of in on at for with from by about into onto during among to as than and but or nor "
    "so if when while because who whom whose which what where why how not is are am was were "
    "be been being has have had do does did will would can could shall should may might must "
    "i you he she it we they me him us them there here".split())
NONFINITE_CONTEXT = frozenset("to will would can could shall should may might must".split())
FINITE_FORMS = frozenset("is are am was were has does".split())
FLIPS = {"is": "are", "are": "is", "was": "were", "were": "was", "has": "have", "have": "has",
         "does": "do", "do": "does", "isn't": "aren't", "aren't": "isn't", "wasn't": "weren't",
         "weren't": "wasn't", "hasn't": "haven't", "haven't": "hasn't", "doesn't": "don't",
         "don't": "doesn't"}
_TOKEN = re.compile(r"[A-Za-z0-9][\w'\u2019-]*|[^\w\s]")
_END_PUNCT = frozenset(".,;:!?")


@dataclass(frozen=True)
class Corruption:
    """One corrupted sentence: ``text``, its ``kind``, the clean ``source`` and the certified
    ``reason`` (the rule the result breaks)."""

    kind: str
    source: str
    text: str
    reason: str


def tokenize(text: str) -> list[str]:
    """Words (with inner apostrophes and hyphens) and single punctuation marks."""
    return _TOKEN.findall(text)


def detokenize(tokens: list[str]) -> str:
    """Tokens joined by spaces, no space before closing punctuation; first letter upper case."""
    out = ""
    for tok in tokens:
        out += tok if (not out or tok in _END_PUNCT) else " " + tok
    return out[:1].upper() + out[1:]


def _low(tok: str) -> str:
    return tok.lower().replace("\u2019", "'")


def _is_word(tok: str) -> bool:
    return tok[:1].isalnum()


def _needs_np(tok: str) -> bool:
    return tok in DETERMINERS or tok in PREPOSITIONS


def _article_clash(article: str, word: str) -> bool:
    first = word[:1]
    if not word.isalpha() or word.isupper():
        return False  # acronyms and numbers: sound unknown from the spelling
    if article == "a":
        return first in "ai"  # a apple, a incredibly ("a one", "a unit", "a European" are fine)
    return article == "an" and first in "bcdfgjklmnpqrstvwxyz"  # not h (an hour), not u/e/o


def violations(tokens: list[str]) -> list[str]:
    """The certain grammar errors (rules in the module doc) in a token list, as short reasons."""
    low = [_low(t) for t in tokens] + ["<end>"]
    out = []
    for i, (a, b) in enumerate(zip(low, low[1:])):
        if a == b and _is_word(a) and a not in MAY_DOUBLE:
            out.append(f"repeated word {tokens[i]!r}")
        elif a in DETERMINERS and (b in DETERMINERS or b in PREPOSITIONS or b in CONJUNCTIONS
                                   or not _is_word(b)):
            out.append(f"determiner {tokens[i]!r} without a noun")
        elif (a in PREPOSITIONS and b == "of") or (a == "of" and b in PREP_AFTER_OF):
            out.append(f"{tokens[i]!r} {tokens[i + 1]!r} (two prepositions)")
        elif a in ("a", "an") and _article_clash(a, b):
            out.append(f"{tokens[i]!r} before {tokens[i + 1]!r}")
        elif a in SUBJECTS and b in WRONG_FORMS[SUBJECTS[a]] and not _subjunctive(low, i):
            out.append(f"{tokens[i]!r} {tokens[i + 1]!r} (agreement)")
        elif a in NONFINITE_CONTEXT and b in FINITE_FORMS:
            out.append(f"{tokens[i]!r} {tokens[i + 1]!r} (finite verb after {a!r})")
    return out


def _subjunctive(low: list[str], i: int) -> bool:
    return any(w in ("if", "wish", "though", "as") for w in low[max(0, i - 3):i])


def _new_errors(clean: list[str], bad: list[str]) -> list[str]:
    before = set(violations(clean))
    return [v for v in violations(bad) if v not in before]


def _repeat(toks, rng, other):
    spots = [i for i, t in enumerate(toks) if _is_word(t) and _low(t) not in MAY_DOUBLE]
    if not spots:
        return None
    i = rng.choice(spots)
    return toks[:i + 1] + [toks[i].lower() if i == 0 else toks[i]] + toks[i + 1:]


def _drop(toks, rng, other):
    spots = [i for i in range(1, len(toks)) if _is_word(toks[i]) and not _needs_np(_low(toks[i]))
             and _needs_np(_low(toks[i - 1]))]
    rng.shuffle(spots)
    for i in spots:
        bad = toks[:i] + toks[i + 1:]
        if _new_errors(toks, bad):
            return bad
    return None


def _swap(toks, rng, other):
    spots = [i for i in range(len(toks) - 1) if _low(toks[i]) in DETERMINERS
             and _is_word(toks[i + 1]) and not _needs_np(_low(toks[i + 1]))]
    spots += [i for i in range(len(toks) - 1) if _low(toks[i]) in PREPOSITIONS
              and _low(toks[i + 1]) in DETERMINERS]
    if not spots:
        return None
    i = rng.choice(spots)
    first, second = toks[i + 1], toks[i]
    if i == 0:  # keep the sentence's capital on the first word only
        first, second = first[:1].upper() + first[1:], second.lower()
    return toks[:i] + [first, second] + toks[i + 2:]


def _is_adverb(tok: str) -> bool:
    low = _low(tok)
    return low in FREQUENCY_ADVERBS or (low.endswith("ly") and len(low) > 4)


def _subject_end(toks):
    """Index of the last word of a sentence-initial noun phrase (a determiner and 1-3 open-class
    words, the last not ending in ``s``: a singular head), or ``None``."""
    if not toks or _low(toks[0]) not in DETERMINERS - {"these", "those"}:
        return None
    j = 1
    while (j < len(toks) and _is_word(toks[j]) and _low(toks[j]) not in FUNCTION_WORDS
           and not _is_adverb(toks[j])):
        j += 1
    head = j - 1
    if 1 <= head <= 3 and toks[head].isalpha() and not toks[head].endswith("s"):
        return head
    return None


def _base_form(verb: str) -> str | None:
    """The base form of a regular present third-person verb ("weaves" -> "weave")."""
    if not verb.isalpha() or not verb.islower() or len(verb) < 4 or verb.endswith(("ss", "us", "is")):
        return None
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("sses", "ches", "shes", "xes", "oes")):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") else None


def _agreement(toks, rng, other):
    spots = []
    for i, t in enumerate(toks):
        prev = _low(toks[i - 1]) if i else ""
        if _low(t) in FLIPS and (prev in SUBJECTS or prev in NONFINITE_CONTEXT):
            spots.append((i, FLIPS[_low(t)]))
    head = _subject_end(toks)
    certain = set()
    if head is not None and head + 2 < len(toks):
        verb, adverb = _low(toks[head + 1]), _low(toks[head + 1])
        if verb in SINGULAR_VERBS:
            spots.append((head + 1, FLIPS[verb]))
            certain.add(head + 1)
        elif _is_adverb(adverb):
            base = _base_form(toks[head + 2])
            if base:
                spots.append((head + 2, base))
                certain.add(head + 2)
    rng.shuffle(spots)
    for i, word in spots:
        bad = toks[:i] + [word] + toks[i + 1:]
        if _new_errors(toks, bad) or i in certain:
            return bad
    return None


def _blend(toks, rng, other):
    if other is None:
        return None
    n = min(len(toks), len(other)) - 1  # never the final punctuation
    for _ in range(8):
        width = rng.randint(2, 4)
        if n - width < 1:
            return None
        start = rng.randrange(0, n - width)
        bad = toks[:start] + other[start:start + width] + toks[start + width:]
        if bad != toks and _new_errors(toks, bad):
            return bad
    return None


_MAKERS = {"repeat": _repeat, "drop": _drop, "swap": _swap, "agreement": _agreement,
           "blend": _blend}


def corrupt(sentence: str, kind: str, rng: random.Random, other: str | None = None) -> Corruption | None:
    """One corruption of ``kind`` of a clean sentence, or ``None`` when none certain exists
    (``blend`` merges ``other`` into it)."""
    toks = tokenize(sentence)
    if not toks or violations(toks):
        return None  # a "clean" sentence that already breaks a rule cannot be used
    bad = _MAKERS[kind](toks, rng, tokenize(other) if other else None)
    if bad is None:
        return None
    reasons = _new_errors(toks, bad)
    if kind == "swap" and not reasons:
        reasons = ["determiner after the first word of its noun phrase"]
    if kind == "agreement" and not reasons:
        reasons = ["singular subject with a plural verb"]
    return Corruption(kind, sentence, detokenize(bad), reasons[0]) if reasons else None


def corrupt_corpus(sentences: list[str], seed: int = 0,
                   kinds: tuple[str, ...] = KINDS) -> list[Corruption]:
    """Every kind applied once to every clean sentence where a certain corruption exists.

    Deterministic for a given ``seed`` and sentence list; a blend's second sentence is another
    sentence of the list, picked by the seeded generator.
    """
    sentences = [s.strip() for s in sentences if s and s.strip()]
    rng = random.Random(seed)
    out = []
    for idx, sentence in enumerate(sentences):
        for kind in kinds:
            other = None
            if kind == "blend" and len(sentences) > 1:
                j = rng.randrange(len(sentences) - 1)
                other = sentences[j + (j >= idx)]
            item = corrupt(sentence, kind, rng, other)
            if item is not None:
                out.append(item)
    return out
