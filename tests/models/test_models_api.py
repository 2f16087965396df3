"""OpenAI-compatible and Anthropic backends against a real local HTTP server."""
from __future__ import annotations

import json
import logging

import pytest

from parallelbench.errors import ConfigError, ParallelBenchError
from parallelbench.models import GenerationRequest, get_model

KEY = "sk-test-SECRET-0123456789"


def _req(text: str, **kw) -> GenerationRequest:
    return GenerationRequest(messages=[{"role": "user", "content": text}], **kw)


def _openai(fake_api, tmp_path, monkeypatch, **opts):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    opts = {"cache_dir": str(tmp_path / "cache"), "backoff_base": 0.001, **opts}
    model = get_model(f"openai:gpt-test@{fake_api.url}/v1", **opts)
    sleeps: list[float] = []
    model._sleep = sleeps.append  # record waits instead of sleeping
    return model, sleeps


def _no_key_anywhere(results, caplog):
    blob = json.dumps([r.to_dict() for r in results], default=str)
    assert KEY not in blob
    assert all(KEY not in rec.getMessage() for rec in caplog.records)


def test_openai_success_usage_and_order(fake_api, tmp_path, monkeypatch):
    model, _ = _openai(fake_api, tmp_path, monkeypatch, concurrency=3)
    results = model.generate([_req(f"q{i}", max_tokens=17) for i in range(6)])
    assert [r.text for r in results] == [f"echo: q{i}" for i in range(6)]
    first = results[0]
    assert first.error is None and first.output_tokens == 3 and first.usage["total_tokens"] == 10
    assert first.latency > 0 and first.wall_time >= first.latency and not first.cached
    sent = fake_api.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["headers"]["Authorization"] == f"Bearer {KEY}"
    assert sent["body"]["max_tokens"] == 17 and sent["body"]["temperature"] == 0.0
    assert KEY not in json.dumps(model.info())


def test_retry_after_429_is_honoured(fake_api, tmp_path, monkeypatch, caplog):
    model, sleeps = _openai(fake_api, tmp_path, monkeypatch)
    fake_api.add({"status": 429, "json": {"error": "slow down"}, "headers": {"Retry-After": "7"}})
    with caplog.at_level(logging.WARNING, logger="parallelbench.models"):
        [result] = model.generate([_req("hello")])
    assert result.error is None and result.text == "echo: hello"
    assert result.extra["attempts"] == 2 and len(fake_api.requests) == 2
    assert sleeps == [7.0]  # the server's Retry-After, not the tiny backoff
    assert any("HTTP 429" in rec.getMessage() for rec in caplog.records)
    _no_key_anywhere([result], caplog)


def test_500_storm_exhausts_retries_with_backoff(fake_api, tmp_path, monkeypatch, caplog):
    model, sleeps = _openai(fake_api, tmp_path, monkeypatch, max_retries=3, backoff_base=0.01)
    # Each error body quotes the request headers (the key included), to prove redaction.
    fake_api.add(*[{"status": 500, "echo_headers": True}] * 4)
    with caplog.at_level(logging.DEBUG):
        [result] = model.generate([_req("hello")])
    assert len(fake_api.requests) == 4
    assert result.text == "" and result.error
    assert fake_api.url in result.error and "HTTP 500" in result.error
    assert "after 4 attempt(s)" in result.error
    # exponential backoff with jitter in [0.5, 1.5)
    assert len(sleeps) == 3
    for attempt, delay in enumerate(sleeps):
        assert 0.005 * 2 ** attempt <= delay < 0.015 * 2 ** attempt
    _no_key_anywhere([result], caplog)
    # failures are not cached: the next call asks the server again
    model.generate([_req("hello")])
    assert len(fake_api.requests) == 5


def test_4xx_and_auth_errors(fake_api, tmp_path, monkeypatch, caplog):
    model, _ = _openai(fake_api, tmp_path, monkeypatch)
    fake_api.add({"status": 400, "echo_headers": True})
    [bad] = model.generate([_req("x")])
    assert "HTTP 400" in bad.error and len(fake_api.requests) == 1  # not retried
    fake_api.add({"status": 401, "json": {"error": f"bad key {KEY}"}})
    with pytest.raises(ParallelBenchError) as info:
        model.generate([_req("y")])
    assert "OPENAI_API_KEY" in str(info.value) and KEY not in str(info.value)
    _no_key_anywhere([bad], caplog)


def test_malformed_body_is_a_clear_error(fake_api, tmp_path, monkeypatch):
    model, _ = _openai(fake_api, tmp_path, monkeypatch)
    fake_api.add({"raw": b"<html>not json"}, {"json": {"choices": []}})
    results = model.generate([_req("a"), _req("b")])
    for r in results:
        assert "malformed" in r.error and fake_api.url in r.error
    assert len(fake_api.requests) == 2


def test_slow_response_times_out(fake_api, tmp_path, monkeypatch):
    model, sleeps = _openai(fake_api, tmp_path, monkeypatch, timeout=0.2, max_retries=1)
    fake_api.add({"delay": 0.8, "json": {}}, {"delay": 0.8, "json": {}})
    [result] = model.generate([_req("late")])
    assert "timeout" in result.error and "after 2 attempt(s)" in result.error
    assert len(sleeps) == 1


def test_cache_hits_across_instances_and_misses_on_settings(fake_api, tmp_path, monkeypatch):
    model, _ = _openai(fake_api, tmp_path, monkeypatch)
    first = model.generate([_req("c1"), _req("c2")])
    assert len(fake_api.requests) == 2 and not any(r.cached for r in first)
    again, _ = _openai(fake_api, tmp_path, monkeypatch)
    second = again.generate([_req("c1"), _req("c2")])
    assert len(fake_api.requests) == 2 and all(r.cached for r in second)
    assert [r.text for r in second] == [r.text for r in first]
    assert second[0].usage == first[0].usage
    again.generate([_req("c1", temperature=1.0), _req("c1", max_tokens=5)])
    assert len(fake_api.requests) == 4
    # the key never lands on disk
    for path in (tmp_path / "cache").rglob("*.json"):
        assert KEY not in path.read_text()
    off, _ = _openai(fake_api, tmp_path, monkeypatch, cache=False)
    off.generate([_req("c1")])
    assert len(fake_api.requests) == 5


def test_cache_dir_env(fake_api, tmp_path, monkeypatch):
    monkeypatch.setenv("PARALLELBENCH_CACHE_DIR", str(tmp_path / "root"))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    model = get_model(f"openai:gpt-test@{fake_api.url}/v1")
    assert model.cache.directory == tmp_path / "root" / "api"
    model.generate([_req("env")])
    assert len(list((tmp_path / "root" / "api").rglob("*.json"))) == 1


def test_missing_key_and_keyless_servers(fake_api, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("INCEPTION_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        get_model(f"openai:gpt-test@{fake_api.url}/v1")
    with pytest.raises(ConfigError, match="INCEPTION_API_KEY"):
        get_model("openai:mercury-coder")
    with pytest.raises(ConfigError, match="MY_KEY"):
        get_model("anthropic:claude", api_key_env="MY_KEY")
    local = get_model(f"openai:qwen@{fake_api.url}/v1", api_key_env="",
                      cache_dir=str(tmp_path))
    assert local.generate([_req("k")])[0].text == "echo: k"
    assert "Authorization" not in fake_api.requests[-1]["headers"]


def test_mercury_diffusing_stream(fake_api, tmp_path, monkeypatch):
    monkeypatch.setenv("INCEPTION_API_KEY", KEY)
    model = get_model(f"openai:mercury-coder@{fake_api.url}/v1", stream=True,
                      cache_dir=str(tmp_path))
    states = ["[MASK] [MASK] c", "a [MASK] c", "a b c"]
    chunks = [{"choices": [{"index": 0, "delta": {"content": s}}]} for s in states]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                   "usage": {"completion_tokens": 6}})
    fake_api.add({"sse": chunks})
    [result] = model.generate([_req("abc")])
    assert result.text == "a b c" and result.nfe == 3
    assert result.output_tokens == 6 and result.tokens_per_step == 2.0
    body = fake_api.requests[0]["body"]
    assert body["stream"] is True and body["diffusing"] is True
    assert fake_api.requests[0]["headers"]["Authorization"] == f"Bearer {KEY}"


def test_plain_stream_concatenates(fake_api, tmp_path, monkeypatch):
    model, _ = _openai(fake_api, tmp_path, monkeypatch, stream=True)
    chunks = [{"choices": [{"delta": {"content": p}}]} for p in ["a", " b", " c"]]
    fake_api.add({"sse": chunks})
    [result] = model.generate([_req("s")])
    assert result.text == "a b c" and result.nfe is None
    assert "diffusing" not in fake_api.requests[0]["body"]


def test_anthropic_messages(fake_api, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    model = get_model(f"anthropic:claude-3-5-haiku-20241022@{fake_api.url}",
                      cache_dir=str(tmp_path), backoff_base=0.001)
    sleeps: list[float] = []
    model._sleep = sleeps.append
    fake_api.add({"status": 529, "json": {"type": "error"}})
    messages = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "yo"}, {"role": "user", "content": "again"}]
    [result] = model.generate([GenerationRequest(messages=messages, max_tokens=1024)])
    assert result.text == "echo: again" and result.output_tokens == 3
    assert result.usage == {"input_tokens": 7, "output_tokens": 3}
    assert len(sleeps) == 1 and len(fake_api.requests) == 2
    sent = fake_api.requests[-1]
    assert sent["path"] == "/v1/messages"
    assert sent["headers"]["x-api-key"] == KEY and sent["headers"]["anthropic-version"]
    assert sent["body"]["system"] == "be brief" and len(sent["body"]["messages"]) == 3
    assert sent["body"]["max_tokens"] == 1024
    fake_api.add({"json": {"content": "oops"}})
    [bad] = model.generate([_req("other")])
    assert "malformed" in bad.error
    _no_key_anywhere([result, bad], caplog)


def test_bad_options():
    with pytest.raises(ConfigError, match="base_url"):
        get_model("openai:gpt@ftp://x", api_key_env="")
    with pytest.raises(ConfigError, match="model"):
        get_model("anthropic:", api_key_env="")


def test_requests_run_concurrently(fake_api, tmp_path, monkeypatch):
    import time

    model, _ = _openai(fake_api, tmp_path, monkeypatch, concurrency=4, cache=False)
    fake_api.add(*[{"delay": 0.4, "json": fake_api.echo("/v1/chat/completions", {
        "messages": [{"role": "user", "content": "slow"}]})}] * 4)
    start = time.perf_counter()
    out = model.generate([_req(f"p{i}") for i in range(4)])
    elapsed = time.perf_counter() - start
    assert all(r.text == "echo: slow" for r in out)
    assert elapsed < 1.2  # sequential would take 1.6 s


def test_corrupt_cache_entry_is_a_miss(fake_api, tmp_path, monkeypatch):
    model, _ = _openai(fake_api, tmp_path, monkeypatch)
    model.generate([_req("z")])
    [entry] = list((tmp_path / "cache").rglob("*.json"))
    entry.write_text("{not json")
    [again] = model.generate([_req("z")])
    assert not again.cached and again.text == "echo: z" and len(fake_api.requests) == 2
    assert model.cache.count() == 1


def test_answer_echoing_the_key_is_redacted_in_results_and_cache(fake_api, tmp_path, monkeypatch):
    """A misbehaving proxy that echoes the key: neither the Generation nor the cache keeps it."""
    model, _ = _openai(fake_api, tmp_path, monkeypatch)
    fake_api.add({"json": {"choices": [{"message": {"content": f"your key is {KEY}"},
                                        "finish_reason": KEY}],
                           "usage": {"completion_tokens": 3, "note": [KEY]}}})
    [result] = model.generate([_req("leak?")])
    assert result.error is None and result.text == "your key is ***"
    assert KEY not in json.dumps(result.to_dict(), default=str)
    files = list((tmp_path / "cache").rglob("*.json"))
    assert files and all(KEY not in f.read_text() for f in files)
    [again] = model.generate([_req("leak?")])  # served from the cache, still clean
    assert again.cached and again.text == "your key is ***"


def test_rejected_key_stops_every_request_at_once(fake_api, tmp_path, monkeypatch):
    from parallelbench.errors import CredentialsError

    model, _ = _openai(fake_api, tmp_path, monkeypatch, concurrency=2)
    fake_api.add(*[{"status": 401, "json": {"error": "no"}, "delay": 0.05}] * 2)
    with pytest.raises(CredentialsError, match="OPENAI_API_KEY"):
        model.generate([_req(f"q{i}") for i in range(20)])
    sent = len(fake_api.requests)
    assert sent <= 3  # the requests in flight, not the 20 of the batch
    with pytest.raises(CredentialsError):
        model.generate([_req("later")])
    assert len(fake_api.requests) == sent  # nothing more is sent with a rejected key
