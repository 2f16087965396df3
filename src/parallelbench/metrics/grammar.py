"""Pluggable grammar checkers for the text metrics (SPEC 5.2 ``grammar_check``).

``check(text)`` strips the text; empty text is ungrammatical; otherwise the text is grammatical iff
the backend reports zero issues. Backends:

* ``languagetool`` -- the paper's metric: LanguageTool (en-US) through ``language_tool_python``
  (a local Java server, optional dependency) or any LanguageTool HTTP server (``url=`` or env
  ``LANGUAGETOOL_URL``), spoken to directly over its ``/v2/check`` API.
* ``harper-profile`` -- the offline default: Harper tuned to agree with LanguageTool's verdicts
  (``grammar_profile``: no style rules, names and chat words allowed, word-order and agreement
  rules added). Still not LanguageTool: results record it as such.
* ``harper`` -- raw Harper (``harper-py``) with its default rules, far stricter than LanguageTool.
* ``auto`` -- LanguageTool when reachable, else ``harper-profile``, decided once when the checker
  is built.

``get_grammar_checker`` returns one shared checker per (name, url) in a process, so a run never
mixes backends and the per-text cache is shared by all tasks.
"""
from __future__ import annotations

import functools
import importlib.metadata
import logging
import os
import re
import shutil
import threading
from pathlib import Path

from parallelbench.errors import ConfigError, ParallelBenchError
from parallelbench.metrics.base import as_text

__all__ = ["GrammarChecker", "HarperChecker", "HarperProfileChecker", "GrammarCheckError",
           "get_grammar_checker", "GRAMMAR_BACKENDS"]  # LanguageToolChecker: grammar_languagetool

log = logging.getLogger(__name__)

GRAMMAR_BACKENDS = ("auto", "languagetool", "harper-profile", "harper")
CACHE_SIZE = 1 << 16


class GrammarCheckError(ParallelBenchError):
    """The grammar backend itself failed (not the text): the run must stop rather than score 0."""


class GrammarChecker:
    """Base class: subclasses set ``name`` and implement ``_issues(text) -> int``.

    Attributes:
        name: backend and version, e.g. ``"harper-0.2.0"`` or ``"languagetool-6.6"``; every text
            metric result records it as ``grammar_backend``.
    """

    name: str = "grammar"

    def __init__(self, cache_size: int = CACHE_SIZE) -> None:
        # The same outputs recur across strategies and runs, so results are cached per text.
        self._cached = functools.lru_cache(maxsize=cache_size)(self._grammatical)

    def check(self, text: str) -> bool:
        """True iff the stripped text is non-empty and the backend reports zero issues."""
        text = as_text(text).strip()
        if not text:
            return False
        return self._cached(text)

    def __reduce__(self):
        # Rebuilt fresh (empty cache, new connection) when sent to another process, e.g. Ray.
        return (type(self), self._init_args())

    def _init_args(self) -> tuple:
        return ()

    def _grammatical(self, text: str) -> bool:
        return self._issues(text) == 0

    def _issues(self, text: str) -> int:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


# --- Harper -------------------------------------------------------------------------------------

_HARPER_LOCK = threading.Lock()
_HARPER_LINTER = None


def _harper_linter():
    """One Linter per process: building it loads the dictionary (about a second)."""
    global _HARPER_LINTER
    if _HARPER_LINTER is None:
        import harper

        _HARPER_LINTER = harper.Linter(harper.Dialect.AMERICAN)
    return _HARPER_LINTER


# Harper's cost grows super-linearly with text length and quadratically (in memory too: a single
# 200,000-letter word makes it abort the whole process) with the length of one word. No English
# word is longer than ~45 letters, and no 64-token output comes near 10,000 characters, so such
# texts are counted as having issues without being linted (documented in docs/metrics.md).
HARPER_MAX_CHARS = 10_000
HARPER_MAX_WORD = 64
_LONG_WORD = re.compile(r"[\w'\u2019]{%d,}" % (HARPER_MAX_WORD + 1))


def _harper_would_choke(text: str) -> bool:
    if len(text) > HARPER_MAX_CHARS:
        return True
    # Pure digit runs are cheap and never flagged, so only runs holding a non-digit count.
    return any(not m.group().isdigit() for m in _LONG_WORD.finditer(text))


class HarperChecker(GrammarChecker):
    """Harper with its default rules, American English, text linted as plain text.

    Texts over ``HARPER_MAX_CHARS`` characters, or with a word-like run of more than
    ``HARPER_MAX_WORD`` characters, count as having one issue without being linted.
    """

    def __init__(self, cache_size: int = CACHE_SIZE) -> None:
        super().__init__(cache_size)
        try:
            version = importlib.metadata.version("harper-py")
        except importlib.metadata.PackageNotFoundError:
            raise ConfigError("grammar backend 'harper' needs the harper-py package "
                              "(pip install harper-py)") from None
        self.name = f"harper-{version}"

    def _issues(self, text: str) -> int:
        if _harper_would_choke(text):
            return 1
        # A Linter is not thread-safe: calls are serialised.
        with _HARPER_LOCK:
            return len(_harper_linter().lint(text, language="plaintext"))


class HarperProfileChecker(HarperChecker):
    """Harper under the offline grammar profile (``grammar_profile``; docs/metrics.md), recorded
    as ``harper-profile<N>-<harper-py version>``. Same size guard as ``HarperChecker``."""

    def __init__(self, cache_size: int = CACHE_SIZE) -> None:
        super().__init__(cache_size)
        from parallelbench.metrics.grammar_profile import PROFILE_VERSION

        self.name = self.name.replace("harper-", f"harper-profile{PROFILE_VERSION}-", 1)
        self._profile = None

    def issue_list(self, text: str) -> list[tuple[str, str]]:
        """The (rule, text) issues the profile finds in ``text`` (for inspection and tuning)."""
        from parallelbench.metrics.grammar_profile import ProfileLinter

        with _HARPER_LOCK:
            if self._profile is None:
                self._profile = ProfileLinter()
            return self._profile.issues(text)

    def _issues(self, text: str) -> int:
        if _harper_would_choke(text):
            return 1
        return len(self.issue_list(text))


def _local_languagetool_present() -> bool:
    """Whether ``language_tool_python`` could start without downloading LanguageTool."""
    try:
        importlib.metadata.version("language-tool-python")
    except importlib.metadata.PackageNotFoundError:
        return False
    if shutil.which("java") is None:
        return False
    if os.environ.get("LTP_JAR_DIR_PATH"):
        return True
    home = Path(os.environ.get("LTP_PATH") or Path.home() / ".cache" / "language_tool_python")
    return home.is_dir() and any(p.name.startswith("LanguageTool") for p in home.iterdir())


@functools.lru_cache(maxsize=None)
def _shared_checker(name: str, url: str | None) -> GrammarChecker:
    if name == "harper":
        return HarperChecker()
    if name == "harper-profile":
        return HarperProfileChecker()
    from parallelbench.metrics.grammar_languagetool import LanguageToolChecker

    if name == "languagetool":
        return LanguageToolChecker(url=url)
    # auto: LanguageTool if it answers now, else the profile -- fixed for the checker's lifetime.
    if url or _local_languagetool_present():
        try:
            return LanguageToolChecker(url=url)
        except ParallelBenchError as exc:
            log.warning("LanguageTool unavailable (%s); grammar uses the Harper profile instead",
                        exc)
    return HarperProfileChecker()


def get_grammar_checker(name: str = "auto", url: str | None = None) -> GrammarChecker:
    """The grammar checker for ``name`` (``auto``, ``languagetool``, ``harper-profile``, ``harper``).

    ``url`` (or env ``LANGUAGETOOL_URL``) points at a LanguageTool server. One checker is shared
    per (name, url) within a process. Raises ``ConfigError`` for an unknown name or an
    unavailable explicit backend.
    """
    key = (name or "auto").strip().lower()
    key = {"lt": "languagetool", "profile": "harper-profile"}.get(key, key)
    if key not in GRAMMAR_BACKENDS:
        raise ConfigError(f"unknown grammar backend {name!r}; known: {', '.join(GRAMMAR_BACKENDS)}")
    url = url or os.environ.get("LANGUAGETOOL_URL") or None
    return _shared_checker(key, url if not key.startswith("harper") else None)


get_grammar_checker.cache_clear = _shared_checker.cache_clear  # type: ignore[attr-defined]
