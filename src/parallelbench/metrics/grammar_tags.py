"""Harper's part-of-speech tags, token by token, for the grammar profile's rules in Python.

``harper-py`` does not expose its tagger, but Weir rules match Universal POS tags. ``Tagger``
loads one single-token Weir rule per tag into a linter with every other rule off, so the lints
of a line are its tags. Tags are Harper's contextual guesses (a Brill tagger): rules that use
them check the words too, and a token Harper does not tag (punctuation, contractions such as
"I'll") has the tag ``None``.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass

__all__ = ["TAGS", "Token", "Tagger", "tokenize_line"]

TAGS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "SCONJ", "SYM", "VERB", "X")
_PREFIX = "PbTag"
# Words (inner apostrophes and hyphens kept: "don't", "well-known") and single punctuation marks.
_TOKEN = re.compile(r"[A-Za-z0-9][\w'\u2019-]*|[^\w\s]")


@dataclass(frozen=True)
class Token:
    """One word or punctuation mark of a line: ``text``, Harper's ``tag`` (or ``None``), and its
    ``start`` offset in the line."""

    text: str
    tag: str | None
    start: int

    @property
    def low(self) -> str:
        """Lower case, typographic apostrophe normalised."""
        return self.text.lower().replace("\u2019", "'")

    @property
    def is_word(self) -> bool:
        return self.text[:1].isalnum()


def _tag_pack() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as pack:
        pack.writestr("manifest.json", json.dumps({
            "author": "parallelbench", "version": "1", "license": "Apache-2.0",
            "description": "one single-token rule per part-of-speech tag"}))
        for tag in TAGS:
            pack.writestr(f"{_PREFIX}{tag}.weir", f'expr main {tag}\nlet message "{tag}"\n'
                          f'let description "{tag}"\nlet kind "Miscellaneous"\nlet becomes ""\n')
    return buf.getvalue()


def tokenize_line(line: str) -> list[tuple[str, int]]:
    """``(text, start)`` of each word and punctuation mark."""
    return [(m.group(), m.start()) for m in _TOKEN.finditer(line)]


class Tagger:
    """``tag(line) -> list[Token]``. Not thread-safe (one Harper linter)."""

    def __init__(self) -> None:
        import harper

        self._linter = harper.Linter(harper.Dialect.AMERICAN)
        result = self._linter.load_weirpack(_tag_pack())
        if result:  # pragma: no cover - fixed rules; a failure means an incompatible harper-py
            raise RuntimeError(f"part-of-speech rules failed to load: {result}")
        config = {rule: False for rule in self._linter.get_default_lint_config()}
        config.update({f"{_PREFIX}{tag}": True for tag in TAGS})
        self._linter.set_lint_config(config)

    def tag(self, line: str) -> list[Token]:
        by_start: dict[int, str] = {}
        by_end: dict[int, str] = {}
        for lint in self._linter.lint(line, language="plaintext"):  # one lint per tagged word
            if lint.message in TAGS:
                by_start[lint.span.start] = by_end[lint.span.end] = lint.message
        out = []
        for text, start in tokenize_line(line):
            # Harper splits hyphenated words: the compound takes its last part's tag.
            tag = by_end.get(start + len(text)) if "-" in text else None
            out.append(Token(text, tag or by_start.get(start), start))
        return out
