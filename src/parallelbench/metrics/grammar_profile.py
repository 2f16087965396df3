"""The offline grammar profile: Harper tuned to agree with LanguageTool's verdicts.

Raw Harper is much stricter than LanguageTool (it flags names, chat words, long sentences, a
missing Oxford comma) and misses many word-order errors. The profile (docs/metrics.md):

* keeps Harper's grammar, agreement, spelling and typo rules, but switches off its style groups
  (style and redundancy, initialisms, regionalisms, brand capitalisation), style rules (sentence
  length, Oxford comma, "ok" -> "okay", ellipsis character, compound nouns, ...) and a few guessing
  rules that misfire on LanguageTool-clean text (``MissingPreposition``, ``ItsPossessive``, ...);
  lints of a style kind (Style, Readability, Formatting, ...) are ignored whatever their rule;
* spelling: a word that starts with a capital (a name), holds a digit or a non-ASCII letter, is
  an informal chat word (``INFORMAL``) or is British spelling is not an error;
* adds word-order and agreement rules over Harper's part-of-speech tags: a few written in Weir
  (``WEIR_RULES``: an article before a function word, ``of`` next to a preposition, a finite
  verb after ``to``/a modal, ...), the others in Python over the tags (``grammar_rules`` and
  ``grammar_agreement``: a determiner with no noun, a stray word before a sentence's determiner,
  an adjective or bare noun before an article, subject-verb and determiner-noun agreement,
  ...); plus LanguageTool's repeated-word rule (hyphenated words and numbers too) and an
  article that ends a sentence;
* reads "a.m."/"p.m." as times, not articles, and does not take an auxiliary before a pronoun
  (a question: "Is he mad?") or "he and she" for an agreement error;
* lints line by line, as LanguageTool treats a line break in a dialogue as a paragraph break.
"""
from __future__ import annotations

import io
import json
import re
import zipfile

from parallelbench.metrics.grammar_rules import tagged_issues
from parallelbench.metrics.grammar_tags import Tagger

__all__ = ["PROFILE_VERSION", "WEIR_RULES", "ProfileLinter"]

PROFILE_VERSION = "2"
_ART = "[the, a, an]"
_NP = "[(NOUN), (ADJ NOUN), (NOUN NOUN), (ADJ ADJ NOUN), (ADJ NOUN NOUN)]"
_SUBJ_DET = "[a, an, the, every, each]"
WEIR_RULES = {
    # An article needs a noun phrase after it.
    "PbArticleFunction": f"{_ART} [ADP, CCONJ, SCONJ, PART, AUX, PRON, DET, of, in, on, at, for, "
                         "with, from, by, into, onto, during, and, or, but, is, are, was, were, "
                         "will, would, can, could, should, must, my, your, our, their]",
    "PbPossessiveFunction": "[your, our, their] [ADP, CCONJ, AUX, DET, ., ?]",
    "PbPrepOf": "[in, on, at, for, with, from, by, into, onto, during] of",
    "PbOfPrep": "of [of, in, on, at, for, with, from, by, into, onto, during]",
    # An article after a word of its own noun phrase ("unusual the behavior").
    "PbNounArticleNonNominal": f"NOUN {_ART} [VERB, AUX, ADP, PRON, SCONJ]",
    "PbIntensifierArticle": "[very, extremely, incredibly, highly, terribly, awfully] "
                            "[the, a, an, my, your, our, their]",
    "PbVerbAdvArticle": f"VERB ADV {_ART} ADJ",
    # Agreement.
    "PbFiniteAfterModal": "[to, will, would, can, could, should, may, might, must] "
                          "[is, are, was, were, has, does, am]",
}
DISABLED_GROUPS = ("Initialisms", "Style and Redundancy", "Regionalisms and Dialect",
                   "Proper Nouns")
DISABLED_RULES = (
    # style
    "LongSentences", "OxfordComma", "OkToOkay", "UseEllipsisCharacter", "OrthographicConsistency",
    "AvoidCurses", "CompoundNouns", "SentenceCapitalization", "ExpandTimeShorthands",
    "ExpandMinimum",
    # guesses that misfire on LanguageTool-clean text
    "MissingPreposition", "MissingTo", "ItsPossessive", "WrongNegative", "OneOfTheSingular",
    "SplitWords", "DisjointPrefixes",
)
STYLE_KINDS = frozenset({"Style", "Readability", "Enhancement", "Regionalism", "Formatting",
                         "Redundancy"})
INFORMAL = frozenset(
    "u r ur ya ok okay lol lmao rofl omg btw idk imo tbh pls plz thx ty np sth smth bday probs gif "
    "xd haha hahaha hehe hmm mmm yea yeah yep yup nope gonna wanna gotta kinda sorta c'mon "
    "cos cuz tho thru msg pic pics".split())
_REPEAT = re.compile(r"\b([A-Za-z0-9'-]+)[ \t]+(?=([A-Za-z0-9'-]+)\b)")
# "8 a.m." is not an article: the time abbreviations are read as "am"/"pm" (same length).
_TIME_ABBR = re.compile(r"\b([AaPp])\.[Mm]\.")
_ARTICLE_END = re.compile(r"\b(?:[Tt]he|an?)[ \t]*(?:[.,;:!?]|$)")  # not "Plan A"
_MAY_REPEAT = frozenset({"that", "had"})
# Before a subject pronoun they make a question ("Is he mad?").
_INVERTING = frozenset("is are was were am do does did have has had will would can could shall "
                       "should may might must to".split())
_WORD = re.compile(r"[A-Za-z][\w'\u2019]*")


def _question_or_pair(line: str, end: int) -> bool:
    """Whether the pronoun before a verb at ``end`` follows an auxiliary (a question: "Is he
    mad?", "are you guys going?") or "and"/"or" ("he and she go")."""
    words = [w.lower().replace("\u2019", "'") for w in _WORD.findall(line[:end])[-2:]]
    return len(words) == 2 and (words[0] in _INVERTING or words[0] in ("and", "or", "nor"))


def _weirpack() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as pack:
        pack.writestr("manifest.json", json.dumps({
            "author": "parallelbench", "version": PROFILE_VERSION, "license": "Apache-2.0",
            "description": "word-order and agreement rules of the parallelbench grammar profile"}))
        for name, expr in WEIR_RULES.items():
            pack.writestr(f"{name}.weir", f'expr main {expr}\nlet message "{name}"\n'
                          f'let description "{name}"\nlet kind "Grammar"\nlet becomes ""\n')
    return buf.getvalue()


def _group_of_rules(structured: dict) -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(node: dict, label: str | None) -> None:
        for item in node.get("settings", []):
            if "Group" in item:
                walk(item["Group"]["child"], item["Group"]["label"])
            elif "Bool" in item and label:
                out[item["Bool"]["name"]] = label

    walk(structured, None)
    return out


class ProfileLinter:
    """``issues(text) -> list[(rule, problem_text)]`` under the profile. Not thread-safe."""

    def __init__(self) -> None:
        import harper

        self._linter = harper.Linter(harper.Dialect.AMERICAN)
        self._british = harper.Linter(harper.Dialect.BRITISH)
        result = self._linter.load_weirpack(_weirpack())
        if result:  # pragma: no cover - the rules have no tests that could fail
            raise RuntimeError(f"grammar profile rules failed to load: {result}")
        config = dict(self._linter.get_default_lint_config())
        for rule, group in _group_of_rules(self._linter.get_structured_lint_config()).items():
            if group in DISABLED_GROUPS:
                config[rule] = False
        config.update({rule: False for rule in DISABLED_RULES if rule in config})
        config.update({rule: True for rule in WEIR_RULES})
        self._linter.set_lint_config(config)
        self._tagger = Tagger()
        self._known_words: dict[str, bool] = {}

    def issues(self, text: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for line in text.splitlines():
            if line.strip():
                out += self._line_issues(line)
        return out

    def _line_issues(self, line: str) -> list[tuple[str, str]]:
        line = _TIME_ABBR.sub(lambda m: m.group(1) + "m. ", line)
        found = tagged_issues(self._tagger.tag(line), self._known)
        lints = self._linter.organized_lints(line, language="plaintext", dedup=False)
        for rule, items in lints.items():
            for lint in items:
                if lint.lint_kind in STYLE_KINDS:
                    continue
                if lint.lint_kind == "Spelling" and self._spelling_ok(lint.problem_text):
                    continue
                if rule in WEIR_RULES and not self._weir_ok(rule, lint, line):
                    continue
                if rule == "PronounVerbAgreement" and _question_or_pair(line, lint.span.start):
                    continue
                found.append((rule, lint.problem_text))
        for m in _REPEAT.finditer(line):
            if m.group(1).lower() == m.group(2).lower() and m.group(1).lower() not in _MAY_REPEAT:
                found.append(("PbRepeatedWord", f"{m.group(1)} {m.group(2)}"))
        found += [("PbArticleEnd", m.group()) for m in _ARTICLE_END.finditer(line)]
        return found

    def _spelling_ok(self, word: str) -> bool:
        if (word[:1].isupper() or any(c.isdigit() for c in word) or not word.isascii()
                or word.lower() in INFORMAL):
            return True
        return not any(x.lint_kind == "Spelling"
                       for x in self._british.lint(word, language="plaintext"))

    def _known(self, word: str) -> bool:
        if word not in self._known_words:
            self._known_words[word] = not any(
                x.lint_kind == "Spelling" for x in self._linter.lint(word, language="plaintext"))
        return self._known_words[word]

    def _weir_ok(self, rule: str, lint, line: str) -> bool:
        """Whether a Weir match is kept (context checks Weir cannot express)."""
        words = lint.problem_text.split()
        if rule == "PbArticleFunction" and len(words) == 2 and re.fullmatch(r"[A-Z]", words[1]):
            return False  # "an A" (a grade), "a B"
        return True
