"""Fixtures shared by every test folder: ``fake_api``, a scripted local HTTP server speaking the
OpenAI chat-completions and Anthropic messages protocols (the API backends' tests, the runner's
rejected-key test, the lm-eval model's API test)."""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class FakeApi:
    """State of the fake server: a queue of scripted replies and a log of received requests.

    A scripted reply is a dict with ``status`` (default 200), and one of ``json`` (a body),
    ``raw`` (bytes), ``sse`` (a list of JSON chunks sent as server-sent events); optional
    ``headers`` and ``delay`` (seconds to sleep before answering). With no script left the server
    answers a well-formed completion echoing the last user message.
    """

    def __init__(self):
        self.script: deque[dict] = deque()
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.url = ""

    def add(self, *replies: dict) -> None:
        self.script.extend(replies)

    def echo(self, path: str, body: dict) -> dict:
        last = [m["content"] for m in body.get("messages", []) if m["role"] == "user"][-1]
        text = f"echo: {last}"
        if path.endswith("/messages"):
            return {"type": "message", "content": [{"type": "text", "text": text}],
                    "stop_reason": "end_turn", "usage": {"input_tokens": 7, "output_tokens": 3}}
        return {"choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}}


class _Handler(BaseHTTPRequestHandler):
    api: FakeApi

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_POST(self):  # noqa: N802 - http.server naming
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        with self.api.lock:
            self.api.requests.append({"path": self.path, "headers": dict(self.headers),
                                      "body": body})
            reply = self.api.script.popleft() if self.api.script else None
        reply = reply or {"json": self.api.echo(self.path, body)}
        if reply.get("delay"):
            time.sleep(reply["delay"])
        status = reply.get("status", 200)
        try:
            self.send_response(status)
            for key, value in (reply.get("headers") or {}).items():
                self.send_header(key, value)
            if "sse" in reply:
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for chunk in reply["sse"]:
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                return
            if "raw" in reply:
                data = reply["raw"]
            else:
                # A body may quote the request's auth headers, to prove they are redacted.
                payload = reply.get("json", {})
                if reply.get("echo_headers"):
                    payload = {"error": dict(self.headers)}
                data = json.dumps(payload).encode()
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
            pass


@pytest.fixture()
def fake_api():
    api = FakeApi()
    handler = type("Handler", (_Handler,), {"api": api})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield api
    server.shutdown()
    server.server_close()
