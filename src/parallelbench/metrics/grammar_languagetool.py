"""The ``languagetool`` grammar backend: LanguageTool (en-US), the paper's grammar checker,
through a LanguageTool HTTP server (its ``/v2/check`` API) or a local ``language_tool_python``
server (optional dependency, needs Java). ``grammar.get_grammar_checker`` builds it."""
from __future__ import annotations

from parallelbench.errors import ConfigError
from parallelbench.metrics.grammar import CACHE_SIZE, GrammarChecker, GrammarCheckError

__all__ = ["LanguageToolChecker", "LANGUAGE", "LT_CONFIG"]

LANGUAGE = "en-US"
# Server settings from the reference (they change speed and suggestions, not which issues exist).
LT_CONFIG = {"maxCheckThreads": 1, "maxSpellingSuggestions": 1}


def _redact(url: str) -> str:
    """The URL without credentials, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "<invalid url>"


class LanguageToolChecker(GrammarChecker):
    """LanguageTool, en-US: a server at ``url`` over HTTP, or a local ``language_tool_python`` one.

    Raises ``ConfigError`` when neither is available (package missing, server unreachable).
    """

    def __init__(self, url: str | None = None, timeout: float = 30.0,
                 cache_size: int = CACHE_SIZE) -> None:
        super().__init__(cache_size)
        self._tool = None
        self._client = None
        self._url, self._timeout = url, timeout
        if url:
            self._start_http(url, timeout)
        else:
            self._start_local()

    def _init_args(self) -> tuple:
        return (self._url, self._timeout)

    def _start_http(self, url: str, timeout: float) -> None:
        import httpx

        base = url.rstrip("/")
        if not base.endswith("/v2"):
            base += "/v2"
        self._endpoint = base + "/check"
        self._shown = _redact(url)
        self._client = httpx.Client(timeout=timeout)
        data = self._post("Hello world.")
        if "refused" in data:
            raise ConfigError(f"LanguageTool server {self._shown} refused a check "
                              f"(HTTP {data['refused']}); is the URL right?")
        version = (data.get("software") or {}).get("version") or "unknown"
        self.name = f"languagetool-{version}"

    def _post(self, text: str) -> dict:
        import httpx

        try:
            resp = self._client.post(self._endpoint, data={"text": text, "language": LANGUAGE})
        except httpx.HTTPError as exc:
            raise GrammarCheckError(f"LanguageTool server {self._shown} unreachable "
                                    f"({type(exc).__name__})") from None
        if 400 <= resp.status_code < 500:
            # The server refuses this text (e.g. too long): it cannot count as grammatical.
            return {"matches": [None], "refused": resp.status_code}
        if resp.status_code != 200:
            raise GrammarCheckError(f"LanguageTool server {self._shown} answered HTTP "
                                    f"{resp.status_code}")
        try:
            return resp.json()
        except ValueError:
            raise GrammarCheckError(f"LanguageTool server {self._shown} sent no JSON") from None

    def _start_local(self) -> None:
        try:
            import language_tool_python
        except ImportError:
            raise ConfigError(
                "grammar backend 'languagetool' needs language-tool-python (pip install "
                "'parallelbench[languagetool]', plus Java 17+) or a LanguageTool server "
                "(--languagetool-url URL, or the LANGUAGETOOL_URL environment variable)") from None
        try:
            self._tool = language_tool_python.LanguageTool(LANGUAGE, config=dict(LT_CONFIG))
        except Exception as exc:
            raise ConfigError(f"could not start a local LanguageTool ({type(exc).__name__}: "
                              f"{str(exc)[:200]})") from None
        version = (getattr(self._tool, "language_tool_download_version", None)
                   or getattr(language_tool_python, "__version__", None) or "unknown")
        self.name = f"languagetool-{version}"

    def _issues(self, text: str) -> int:
        if self._tool is not None:
            try:
                return len(self._tool.check(text))
            except Exception as exc:
                raise GrammarCheckError(f"LanguageTool failed ({type(exc).__name__})") from None
        return len(self._post(text).get("matches") or [])
