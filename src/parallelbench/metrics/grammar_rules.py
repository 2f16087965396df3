"""Word-order rules of the grammar profile, over Harper's part-of-speech tags (``grammar_tags``).

Each rule is a function ``(tokens, known) -> [(rule, problem_text), ...]`` registered with
``@rule``; ``known(word)`` says whether Harper's dictionary knows a word. The rules state facts
of standard English that hold whatever the vocabulary (docs/metrics.md lists them):

* ``PbDeterminerEnd``: a possessive determiner (``my``, ``your``, ``our``, ``their``) or
  ``every`` directly before punctuation or the end of the line needs a noun in between
  ("harmful to your?"); "oh my" is an interjection.
* ``PbPossessiveBeforeFunction``: a possessive determiner or ``every`` directly before a
  preposition, conjunction of subordination, auxiliary or particle ("my without", "every of").
* ``PbArticleComma``: a sentence that opens with an article and a comma ("A, heavy downpour").
* ``PbStartDeterminer``: a sentence that opens with a noun, adjective or numeral directly
  followed by an article or possessive ("Magnificent a bald eagle", "Two the towns"); opening
  adverbs, verbs (imperatives), pronouns, interjections and discourse words ("Sorry the link is
  broken") are allowed.
* ``PbBareNounArticle``: a verb or preposition, a bare singular common noun and an article or
  possessive ("keep museum the closed", "obtain cable a spool", "encapsulates life your
  philosophy"): a singular count noun needs its own
  determiner, and a mass noun before an article is the first object of a verb with two objects
  ("give water a chance"), so those verbs are left alone, and so are articles that open an
  adverbial of time or degree ("play football the whole day", "sleep a bit").
* ``PbSuperlativeArticle``: ``most``/``least`` or a superlative adjective directly before an
  article ("most the profitable", "toughest the problem"), except in "at most"/"at least".
* ``PbAdjectiveArticle``: after a verb, adverb, determiner, preposition, conjunction or comma,
  an adjective directly before an article or possessive ("seasoned delicious the chicken", "and
  comfortable a chair", "unusual the behavior"); not after a copula ("it's quite basic the
  website" repeats its subject), a degree word ("so big a deal", "such fast a pace"), a modal
  or ``to`` (the word is a verb: "will clean the house"), nor in "at least the"; not for
  participles in ``-ed`` or adjectives that take a clause ("make sure the door is locked").
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
        if (tok.low in POSSESSIVES or tok.low == "every") and nxt.tag in ("ADP", "SCONJ", "AUX",
                                                                           "PART"):
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


# Verbs that take two objects ("tell mom the news", "give water a try").
DITRANSITIVE = frozenset(
    "give gives gave given giving tell tells told telling send sends sent sending show shows "
    "showed shown showing bring brings brought bringing buy buys bought buying get gets got "
    "getting make makes made making offer offers offered offering teach teaches taught teaching "
    "lend lends lent lending pay pays paid paying hand hands handed handing owe owes owed cost "
    "costs wish wishes wished ask asks asked asking cook cooks cooked cooking leave leaves left "
    "leaving save saves saved saving find finds found finding pass passes passed passing throw "
    "throws threw thrown sell sells sold selling call calls called calling name names named "
    "consider considers considered keep keeps kept keeping".split())
# Words that open an adverbial noun phrase after an article ("the whole day", "a bit").
ADVERBIAL_AFTER_ARTICLE = frozenset("whole next same last following other bit lot little few "
                                    "day week month year morning evening night time".split())


@rule("PbBareNounArticle")
def _bare_noun_article(tokens, known):
    out = []
    for i in range(1, len(tokens) - 2):
        verb, noun, art, after = tokens[i - 1], tokens[i], tokens[i + 1], tokens[i + 2]
        if (verb.tag in ("ADP", "VERB", "AUX") and noun.tag == "NOUN" and noun.text.isalpha()
                and noun.text.islower() and not noun.low.endswith("s")
                and art.low in ARTICLES | POSSESSIVES
                and noun.low not in PREDETERMINERS and verb.low not in DITRANSITIVE
                and after.low not in ADVERBIAL_AFTER_ARTICLE):
            out.append(("PbBareNounArticle", f"{verb.text} {noun.text} {art.text}"))
    return out


@rule("PbSuperlativeArticle")
def _superlative_article(tokens, known):
    return [("PbSuperlativeArticle", f"{a.text} {b.text}")
            for i, (a, b) in enumerate(zip(tokens, tokens[1:]))
            if (a.low in ("most", "least") or (a.tag == "ADJ" and (a.low.endswith("est")
                                                               or a.low in ("best", "worst"))))
            and b.low in ARTICLES
            and not (i and tokens[i - 1].low == "at")]


COPULAS = frozenset("is are was were be been being am seems seem looks look feels feel sounds "
                    "sound remains remain stays stay became become".split())
DEGREE_WORDS = frozenset("so too as how however that this such quite rather what".split())
# After these a word tagged as an adjective is a verb ("will clean the house").
NONFINITE = frozenset("to will would can could shall should may might must do does did".split())
_BEFORE_ADJECTIVE = frozenset({"VERB", "ADV", "DET", "ADP", "AUX", "PART", "CCONJ"})
CLAUSE_ADJECTIVES = frozenset(
    "sure certain glad happy sorry afraid aware confident convinced positive lucky surprised "
    "worried proud thankful grateful sad true possible likely unlikely clear obvious good great "
    "nice funny weird strange amazing crazy fine okay ok".split())


@rule("PbAdjectiveArticle")
def _adjective_article(tokens, known):
    out = []
    for i in range(1, len(tokens) - 1):
        before, adj, art = tokens[i - 1], tokens[i], tokens[i + 1]
        if (adj.tag != "ADJ" or art.low not in ARTICLES | POSSESSIVES or not adj.text.islower()
                or not (before.tag in _BEFORE_ADJECTIVE or before.text == ",")):
            continue
        if (before.low in COPULAS or before.low.endswith(("'s", "'re")) or before.low in DEGREE_WORDS
                or before.low in NONFINITE or before.low == "at" or adj.low in CLAUSE_ADJECTIVES
                or adj.low in DEGREE_WORDS or adj.low.endswith("ed")):
            continue
        out.append(("PbAdjectiveArticle", f"{before.text} {adj.text} {art.text}"))
    return out


@rule("PbPrepositionOf")
def _preposition_of(tokens, known):
    return [("PbPrepositionOf", f"{a.text} {b.text}") for a, b in zip(tokens, tokens[1:])
            if (a.low in NO_OF and b.low == "of") or (a.low == "of" and b.low in NO_OF)]
