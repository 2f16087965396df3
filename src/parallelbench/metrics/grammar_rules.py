"""Word-order rules of the grammar profile, over Harper's part-of-speech tags (``grammar_tags``).

Each rule is a function ``(tokens, known) -> [(rule, problem_text), ...]`` registered with
``@rule``; ``known(word)`` says whether Harper's dictionary knows a word. The rules state facts
of standard English that hold whatever the vocabulary (docs/metrics.md lists them):

* ``PbDeterminerEnd``: a possessive determiner (``my``, ``your``, ``our``, ``their``) or
  ``every`` directly before punctuation or the end of the line needs a noun in between
  ("harmful to your?"); "oh my" is an interjection.
* ``PbPossessiveBeforeFunction``: a possessive determiner directly before a preposition, conjunction
  of subordination, auxiliary or particle ("my without", "their for").
* ``PbArticleComma``: a sentence that opens with an article and a comma ("A, heavy downpour").
* ``PbStartDeterminer``: a sentence that opens with a noun, adjective or numeral directly
  followed by an article or possessive ("Magnificent a bald eagle", "Two the towns"); opening
  adverbs, verbs (imperatives), pronouns, interjections and discourse words ("Sorry the link is
  broken") are allowed.
* ``PbPrepositionOf``: ``of`` directly next to a preposition that never takes or follows it
  ("without of", "of during"; "out of", "because of" are fine).

The agreement rules live in ``grammar_agreement``; both register here.
"""
from __future__ import annotations

from typing import Callable

from parallelbench.metrics.grammar_tags import Token

__all__ = ["RULES", "rule", "tagged_issues", "POSSESSIVES", "ARTICLES"]

Issue = tuple[str, str]
Rule = Callable[[list[Token], Callable[[str], bool]], list[Issue]]
RULES: dict[str, Rule] = {}

POSSESSIVES = frozenset("my your our their".split())
ARTICLES = frozenset("the a an".split())
END_PUNCT = frozenset(".,;:!?")
SENTENCE_END = frozenset(".!?")
# Prepositions that neither take "of" nor follow it.
NO_OF = frozenset("in on at for with from by into onto during without within among across "
                  "against toward towards through throughout between behind beneath beside "
                  "under after before until since upon via per".split())
# Closed-class tags: a word with one of these may open a sentence before a determiner.
_NOT_OPEN_CLASS = frozenset("VERB AUX ADV ADP SCONJ CCONJ PRON PART INTJ".split())
# Words that may stand before a determiner: predeterminers ("half the", "such a", "quite a")
# and sentence-opening discourse words and time adverbs that Harper may tag as nouns or
# adjectives ("Sorry the link is broken", "Yesterday the shop was closed").
PREDETERMINERS = frozenset("all both half such what many quite rather twice double".split())
DISCOURSE = frozenset(
    "yes no ok okay sorry thanks please well anyway btw hi hey hello sure right fine cool great "
    "good glad shame lucky weird funny strange nice amazing awesome yesterday today tonight "
    "tomorrow now then meanwhile".split())


def rule(name: str) -> Callable[[Rule], Rule]:
    """Register a tagged rule under ``name`` (its lints are reported as ``name``)."""
    def register(func: Rule) -> Rule:
        RULES[name] = func
        return func
    return register


def tagged_issues(tokens: list[Token], known: Callable[[str], bool]) -> list[Issue]:
    """Every registered rule's issues in one tagged line."""
    from parallelbench.metrics import grammar_agreement  # noqa: F401  (registers its rules)

    out: list[Issue] = []
    for func in RULES.values():
        out += func(tokens, known)
    return out


def sentence_start(tokens: list[Token], i: int) -> bool:
    """Whether token ``i`` opens a sentence (first of the line, or after ``.``, ``!``, ``?``)."""
    return i == 0 or tokens[i - 1].text in SENTENCE_END


@rule("PbDeterminerEnd")
def _determiner_end(tokens, known):
    out = []
    for i, tok in enumerate(tokens):
        if tok.low not in POSSESSIVES and tok.low != "every":
            continue
        if tok.low == "my" and i and tokens[i - 1].low in ("oh", "my"):
            continue
        nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
        if not nxt or nxt in END_PUNCT:
            out.append(("PbDeterminerEnd", f"{tok.text}{nxt}"))
    return out


@rule("PbPossessiveBeforeFunction")
def _possessive_function(tokens, known):
    out = []
    for i, (tok, nxt) in enumerate(zip(tokens, tokens[1:])):
        if tok.low in POSSESSIVES and nxt.tag in ("ADP", "SCONJ", "AUX", "PART"):
            if not (tok.low == "my" and i and tokens[i - 1].low == "oh"):
                out.append(("PbPossessiveBeforeFunction", f"{tok.text} {nxt.text}"))
    return out


@rule("PbArticleComma")
def _article_comma(tokens, known):
    out = []
    for i in range(len(tokens) - 2):
        if (sentence_start(tokens, i) and tokens[i].low in ARTICLES and tokens[i + 1].text == ","
                and tokens[i + 2].text[:1].islower()):
            out.append(("PbArticleComma", f"{tokens[i].text},"))
    return out


@rule("PbStartDeterminer")
def _start_determiner(tokens, known):
    out = []
    for i, (tok, nxt) in enumerate(zip(tokens, tokens[1:])):
        if not sentence_start(tokens, i) or nxt.low not in ARTICLES | POSSESSIVES:
            continue
        if (tok.tag in _NOT_OPEN_CLASS or not tok.text[:1].isalpha() or "'" in tok.low
                or tok.low in PREDETERMINERS or tok.low in DISCOURSE or tok.low.endswith("ly")):
            continue
        out.append(("PbStartDeterminer", f"{tok.text} {nxt.text}"))
    return out


@rule("PbPrepositionOf")
def _preposition_of(tokens, known):
    return [("PbPrepositionOf", f"{a.text} {b.text}") for a, b in zip(tokens, tokens[1:])
            if (a.low in NO_OF and b.low == "of") or (a.low == "of" and b.low in NO_OF)]
