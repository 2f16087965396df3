"""Seeded corpus of typical parallel-decoding corruptions, for tuning grammar checkers.

Decoding several tokens per step from per-position marginals produces a few kinds of damage
(ParallelBench section 3): a token decoded twice, a position left to a neighbour's token,
neighbouring tokens in the wrong order, a broken agreement, and the "New City" blend (two
candidate answers merged token by token). ``corrupt_corpus`` applies each kind to clean
sentences, and keeps a corruption **only when it is certainly ungrammatical** by one of these
rules of standard (American) English, checked on the result:

* a word directly repeated ("the the", "dog dog"), except words that may be
  doubled grammatically (``that``, ``had``, ``very``, ...);
* a determiner that always needs a noun (``the``, ``a``, ``an``, ``my``, ``your``, ``our``,
  ``their``, ``every``) directly followed by another one, a preposition, a conjunction,
  punctuation or the end, or ``of`` next to another preposition ("the of in", "at of");
  ``these``, ``those`` and ``each`` can stand alone ("I like those.", "$5 each") and are not
  used; a preposition before punctuation is not used either (stranding, "what is it for?", is
  grammatical);
* ``a`` before a vowel letter or ``an`` before a consonant letter (exceptions: ``u``, ``h``,
  ``o`` and ``e`` words and acronyms, whose sound is not known from the spelling, are not used);
* a subject pronoun with a verb form of the other number or person ("they is", "he have"), or
  ``to``/a modal followed by a finite form ("will has", "to is");
* (``agreement`` only) a word of the wrong number, certain by construction
  (``corruption_agreement`` states each case): a be/have/do form after a pronoun or a
  sentence-initial noun phrase flipped, a third-person ``-s`` verb turned into its base form
  after ``he``/``she``/``it`` or a singular subject and an adverb, a plural determiner or numeral
  with a singular head noun, ``a``/``an``/``every`` with a plural one;
* (``swap`` only) a determiner moved behind the first word of its own noun phrase ("unusual the
  behavior"), which English never allows -- unless that word is an adverb in ``-ly`` or a
  predeterminer, which may stand before a noun phrase ("truly a momentous event", "half the
  time"), or a word in ``-ing``, which may take the noun phrase as its object ("for hiking a
  week"): such swaps are not used.

Kinds: ``repeat`` (a word decoded twice), ``drop`` (a word lost between two function words),
``swap`` (two neighbours exchanged), ``agreement`` (a verb or noun of the wrong number) and
``blend`` (two clean sentences merged
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

# Determiners that always need a noun after them.
DETERMINERS = frozenset("the a an my your our their every".split())
# Words that may stand before a determiner: a determiner moved behind them may be grammatical.
PREDETERMINERS = frozenset("all both half such what many quite rather twice double".split())
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
             and _is_word(toks[i + 1]) and not _needs_np(_low(toks[i + 1]))
             and not _low(toks[i + 1]).endswith(("ly", "ing"))
             and _low(toks[i + 1]) not in PREDETERMINERS]
    spots += [i for i in range(len(toks) - 1) if _low(toks[i]) in PREPOSITIONS
              and _low(toks[i + 1]) in DETERMINERS]
    if not spots:
        return None
    i = rng.choice(spots)
    first, second = toks[i + 1], toks[i]
    if i == 0:  # keep the sentence's capital on the first word only
        first, second = first[:1].upper() + first[1:], second.lower()
    return toks[:i] + [first, second] + toks[i + 2:]


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


_MAKERS = {"repeat": _repeat, "drop": _drop, "swap": _swap, "blend": _blend}


def corrupt(sentence: str, kind: str, rng: random.Random, other: str | None = None) -> Corruption | None:
    """One corruption of ``kind`` of a clean sentence, or ``None`` when none certain exists
    (``blend`` merges ``other`` into it)."""
    toks = tokenize(sentence)
    if not toks or violations(toks):
        return None  # a "clean" sentence that already breaks a rule cannot be used
    if kind == "agreement":
        from parallelbench.metrics.corruption_agreement import agreement

        made = agreement(toks, rng)
        return Corruption(kind, sentence, detokenize(made[0]), made[1]) if made else None
    if kind not in _MAKERS:
        raise ValueError(f"unknown corruption kind {kind!r}; known: {', '.join(KINDS)}")
    bad = _MAKERS[kind](toks, rng, tokenize(other) if other else None)
    if bad is None:
        return None
    reasons = _new_errors(toks, bad)
    if kind == "swap" and not reasons:
        reasons = ["determiner after the first word of its noun phrase"]
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
