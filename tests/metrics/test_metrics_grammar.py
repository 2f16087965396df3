"""Grammar backends: Harper offline, LanguageTool missing / over HTTP, ``auto`` resolution,
caching and sharing."""
from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from parallelbench.errors import ConfigError
from parallelbench.metrics import (GrammarCheckError, HarperChecker, LanguageToolChecker,
                                   get_grammar_checker, get_metric)
from parallelbench.metrics import grammar as grammar_mod


def test_harper_offline(fresh_backends):
    checker = get_grammar_checker("harper")
    assert isinstance(checker, HarperChecker) and checker.name.startswith("harper-0.")
    assert checker.check("The dog chased the ball in the park.")
    assert checker.check("  The dog chased the ball in the park.\n")
    assert not checker.check("He go to school yesterday.")
    assert not checker.check("This is an test.")
    assert not checker.check("Ths sentense is wrng.")
    assert not checker.check("")
    assert not checker.check(" \n\t ")
    assert get_grammar_checker("harper") is checker  # one shared checker per process


def test_checker_caches_per_text(fake_grammar):
    assert fake_grammar.check("Fine text.") and fake_grammar.check(" Fine text. ")
    assert not fake_grammar.check("BAD text") and not fake_grammar.check("BAD text")
    assert fake_grammar.calls == 2


def test_languagetool_missing_gives_clear_error(fresh_backends, monkeypatch):
    monkeypatch.setitem(sys.modules, "language_tool_python", None)  # import fails
    with pytest.raises(ConfigError, match="language-tool-python.*LANGUAGETOOL_URL"):
        get_grammar_checker("languagetool")


def test_unknown_backend():
    with pytest.raises(ConfigError, match="harper"):
        get_grammar_checker("grammarly")


def test_auto_picks_harper_here_and_records_it(fresh_backends, monkeypatch):
    monkeypatch.setattr(grammar_mod, "_local_languagetool_present", lambda: False)
    checker = get_grammar_checker("auto")
    assert isinstance(checker, HarperChecker)
    res = get_metric("sentence_to_words_score")("A dog runs.", {"words": ["dog"]})
    assert res["grammar_backend"] == checker.name and res["score"] == 1.0


def test_auto_with_unreachable_server_falls_back_to_harper(fresh_backends, caplog):
    checker = get_grammar_checker("auto", url="http://127.0.0.1:9")
    assert isinstance(checker, HarperChecker)
    assert "Harper" in caplog.text


# --- a tiny fake LanguageTool HTTP server -------------------------------------------------------

class _LT:
    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200


@pytest.fixture
def lt_server():
    state = _LT()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            form = {k: v[0] for k, v in parse_qs(body).items()}
            state.requests.append({"path": self.path, **form})
            if state.status != 200 or self.path != "/v2/check":
                self.send_response(state.status if self.path == "/v2/check" else 404)
                self.end_headers()
                return
            text = form.get("text", "")
            matches = [{"message": "bad"} for _ in range(text.count("bad"))]
            payload = json.dumps({"software": {"name": "LanguageTool", "version": "6.6"},
                                  "language": {"code": form.get("language")},
                                  "matches": matches}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def test_languagetool_over_http(lt_server, fresh_backends):
    checker = get_grammar_checker("languagetool", url=lt_server.url)
    assert isinstance(checker, LanguageToolChecker) and checker.name == "languagetool-6.6"
    assert checker.check(" A fine sentence. ")
    assert not checker.check("A bad sentence.")
    assert checker.check("A fine sentence.")  # cached: no new request
    texts = [r["text"] for r in lt_server.requests[1:]]
    assert texts == ["A fine sentence.", "A bad sentence."]
    assert all(r["language"] == "en-US" and r["path"] == "/v2/check" for r in lt_server.requests)


def test_languagetool_url_from_env_and_auto(lt_server, fresh_backends, monkeypatch):
    monkeypatch.setenv("LANGUAGETOOL_URL", lt_server.url + "/v2/")
    checker = get_grammar_checker("auto")
    assert checker.name == "languagetool-6.6"
    res = get_metric("summary_score")("A fine summary.", {"summary": "A fine summary."})
    assert res["grammar_backend"] == "languagetool-6.6" and res["score"] == pytest.approx(1.0)


def test_languagetool_http_errors(lt_server, fresh_backends):
    checker = LanguageToolChecker(url=lt_server.url)
    lt_server.status = 413  # the server refuses this text (too long): not grammatical
    assert checker.check("x " * 10) is False
    lt_server.status = 500  # the server is broken: stop, don't score 0 silently
    with pytest.raises(GrammarCheckError, match="HTTP 500"):
        checker.check("Another sentence.")
    with pytest.raises(ConfigError, match="refused"):
        LanguageToolChecker(url=lt_server.url + "/nowhere")


def test_credentials_never_shown(fresh_backends):
    with pytest.raises(GrammarCheckError) as info:
        get_grammar_checker("languagetool", url="http://alice:s3cret@127.0.0.1:9/")
    assert "s3cret" not in str(info.value) and "alice" not in str(info.value)


def test_languagetool_checker_pickles(lt_server, fresh_backends):
    import pickle

    checker = LanguageToolChecker(url=lt_server.url)
    clone = pickle.loads(pickle.dumps(checker))
    assert clone.name == checker.name and clone is not checker
    assert not clone.check("A bad one.") and clone.check("A good one.")
