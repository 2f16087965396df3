"""Shared machinery of the HTTP API backends (OpenAI-compatible, Anthropic).

Bounded thread concurrency, per-request timeouts, retries with exponential backoff and jitter on
429, 5xx and transport errors (a ``Retry-After`` header is honoured), a disk cache of successful
responses, and errors that name the endpoint but never the key. A request that still fails after
its retries is reported in its ``Generation.error``; a rejected key (HTTP 401/403) aborts the whole
call with a ``CredentialsError`` (the runner then stops the whole run) since every other
request would fail the same way; requests not yet sent are never sent.
"""
from __future__ import annotations

import logging
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

import httpx

from ..errors import ConfigError, CredentialsError, ParallelBenchError
from .base import Generation, GenerationRequest
from .cache import ResponseCache
from .settings import check_options

log = logging.getLogger("parallelbench.models")


class ApiError(ParallelBenchError):
    """A request that failed for good (after retries, or with a non-retryable answer)."""


class _Retryable(Exception):
    """An attempt that failed in a way worth retrying."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds; HTTP dates are not worth parsing
    here, a missing or unreadable value falls back to the backoff)."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return max(0.0, seconds) if seconds is not None else None


class ApiBackend:
    """Base class: subclasses define ``endpoint``, ``headers()``, ``payload()`` and ``parse()``."""

    backend = "api"
    default_key_env = "OPENAI_API_KEY"

    def __init__(self, model: str, *, base_url: str, api_key_env: str | None = None,
                 timeout: float = 120.0, max_retries: int = 5, backoff_base: float = 1.0,
                 backoff_max: float = 60.0, retry_after_max: float = 300.0, concurrency: int = 8,
                 cache: bool = True, cache_dir: str | None = None, seed: int = 0,
                 extra_body: dict[str, Any] | None = None, batch_size: int | None = None):
        if not model:
            raise ConfigError(f"{self.backend}: no model name given (use {self.backend}:<model>)")
        if timeout <= 0 or max_retries < 0 or concurrency < 1 or backoff_base < 0:
            raise ConfigError(f"{self.backend}: timeout and concurrency must be positive, "
                              "max_retries and backoff_base non-negative")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"{self.backend}: base_url must start with http:// or https://, "
                              f"got {base_url!r}")
        self.model, self.base_url = model, base_url.rstrip("/")
        self.name = f"{self.backend}:{model}"
        self.api_key_env = self.default_key_env if api_key_env is None else api_key_env
        self._key = self._read_key()
        self.timeout, self.max_retries, self.concurrency = float(timeout), max_retries, concurrency
        self.backoff_base, self.backoff_max = float(backoff_base), float(backoff_max)
        self.retry_after_max = float(retry_after_max)
        self.extra_body = dict(extra_body or {})
        self.cache = ResponseCache(cache_dir) if cache else None
        self._rng, self._rng_lock = random.Random(seed), threading.Lock()
        self._sleep: Callable[[float], None] = time.sleep  # replaced in tests to record waits
        self._rejected: CredentialsError | None = None  # set by the first HTTP 401/403
        self._client = httpx.Client(timeout=httpx.Timeout(self.timeout))

    # -- subclass hooks -------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def payload(self, request: GenerationRequest) -> dict[str, Any]:
        raise NotImplementedError

    def parse(self, body: Any) -> Generation:
        """Turn a decoded JSON body into a Generation; raise KeyError/TypeError/ValueError on a
        body that does not have the expected shape."""
        raise NotImplementedError

    # -- public ---------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        return {"backend": self.backend, "model": self.model, "endpoint": self.endpoint,
                "api_key_env": self.api_key_env, "max_retries": self.max_retries,
                "timeout": self.timeout, "concurrency": self.concurrency,
                "cache_dir": str(self.cache.directory) if self.cache else None}

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        if len(requests) <= 1 or self.concurrency == 1:
            return [self._one(r) for r in requests]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests))) as pool:
            futures = [pool.submit(self._one, r) for r in requests]
            try:
                return [f.result() for f in futures]
            except CredentialsError:
                for f in futures:  # requests not started yet are never sent
                    f.cancel()
                raise

    def close(self) -> None:
        self._client.close()

    # -- internals ------------------------------------------------------------------------
    def _read_key(self) -> str | None:
        if not self.api_key_env:  # explicitly no authentication (local servers)
            return None
        key = os.environ.get(self.api_key_env)
        if not key:
            raise ConfigError(
                f"{self.backend}: environment variable {self.api_key_env} is not set; set it to "
                f"your API key, name another with api_key_env=..., or pass api_key_env='' for a "
                f"server without authentication")
        return key

    def redact(self, text: str) -> str:
        """``text`` with the API key (if any) replaced by ``***``."""
        return text.replace(self._key, "***") if self._key else text

    def _scrub(self, value: Any) -> Any:
        """``value`` (strings, lists, dicts) with the key redacted everywhere: an answer that
        echoes the key (a misbehaving proxy) must not reach records, logs or the cache."""
        if not self._key:
            return value
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, list):
            return [self._scrub(v) for v in value]
        if isinstance(value, dict):
            return {self._scrub(k): self._scrub(v) for k, v in value.items()}
        return value

    def _clean(self, result: Generation) -> Generation:
        result.text = self._scrub(result.text)
        result.usage = self._scrub(result.usage)
        result.extra = self._scrub(result.extra)
        result.error = self._scrub(result.error)
        return result

    def cache_fields(self, request: GenerationRequest) -> dict[str, Any]:
        return {"backend": self.backend, "endpoint": self.endpoint, "model": self.model,
                "payload": self.payload(request)}

    def _one(self, request: GenerationRequest) -> Generation:
        if self._rejected is not None:  # the key was rejected: send nothing more
            raise self._rejected
        fields = self.cache_fields(request)
        key = ResponseCache.key(fields) if self.cache is not None else ""
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            return self._clean(hit)
        start = time.perf_counter()
        try:
            result, attempts = self._with_retries(fields["payload"])
        except ApiError as exc:
            return Generation(text="", error=self.redact(str(exc)),
                              wall_time=time.perf_counter() - start)
        except CredentialsError as exc:
            self._rejected = exc
            raise
        result = self._clean(result)
        result.wall_time = time.perf_counter() - start
        result.extra["attempts"] = attempts
        if self.cache:
            self.cache.put(key, result, self._scrub(fields))
        return result

    def _with_retries(self, payload: dict[str, Any]) -> tuple[Generation, int]:
        where = f"{self.backend} endpoint {self.endpoint}"
        for attempt in range(self.max_retries + 1):
            try:
                return self._attempt(payload), attempt + 1
            except _Retryable as exc:
                if attempt == self.max_retries:
                    raise ApiError(f"{where} failed after {attempt + 1} attempt(s): "
                                   f"{self.redact(exc.reason)}") from None
                delay = self._delay(attempt, exc.retry_after)
                log.warning("%s: %s; retry %d/%d in %.3gs", where, self.redact(exc.reason),
                            attempt + 1, self.max_retries, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry_after_max)
        with self._rng_lock:
            jitter = self._rng.uniform(0.5, 1.5)
        return min(self.backoff_max, self.backoff_base * (2 ** attempt) * jitter)

    def _attempt(self, payload: dict[str, Any]) -> Generation:
        """One HTTP round trip; raises ``_Retryable`` or ``ApiError``."""
        start = time.perf_counter()
        try:
            response = self._client.post(self.endpoint, json=payload, headers=self.headers())
        except httpx.TimeoutException:
            raise _Retryable(f"no response within the {self.timeout:g}s timeout") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection error ({type(exc).__name__})") from None
        latency = time.perf_counter() - start
        self.check_status(response)
        try:
            result = self.parse(response.json())
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise ApiError(f"{self.backend} endpoint {self.endpoint} returned a malformed "
                           f"response ({type(exc).__name__}: {self.redact(str(exc))[:200]})") from None
        result.latency = latency
        return result

    def check_status(self, response: httpx.Response) -> None:
        """Raise ``_Retryable`` on 429/5xx, ``CredentialsError`` on 401/403, ``ApiError`` on
        any other 4xx."""
        code = response.status_code
        if code < 400:
            return
        try:
            snippet = self.redact(response.read().decode("utf-8", "replace"))[:300]
        except httpx.HTTPError:
            snippet = ""
        if code == 429 or code >= 500:
            raise _Retryable(f"HTTP {code}", parse_retry_after(response.headers.get("retry-after")))
        if code in (401, 403):
            hint = (f"check the key in the environment variable {self.api_key_env}"
                    if self.api_key_env else "the server wants a key: name its environment "
                    "variable with api_key_env=...")
            raise CredentialsError(
                f"{self.backend} endpoint {self.endpoint} rejected the credentials (HTTP {code}); "
                f"{hint}. The run stopped at once: every other request would fail the same way")
        raise ApiError(f"{self.backend} endpoint {self.endpoint} answered HTTP {code}: {snippet}")


def split_target(target: str) -> tuple[str, str | None]:
    """``"model@base_url"`` -> ``("model", "base_url")``; ``"model"`` -> ``("model", None)``."""
    model, sep, url = target.partition("@")
    return model, (url if sep else None)


def build_backend(name: str, cls: type, target: str, options: dict[str, Any]) -> Any:
    """The shared factory of the HTTP backends: validate the option names, then take the base URL
    from ``model@url`` or from ``base_url`` (not both)."""
    check_options(name, options, cls.__init__, ApiBackend.__init__)
    model, url = split_target(target)
    if url and options.get("base_url"):
        raise ConfigError(f"{name}: give the base URL either after '@' or as base_url, not both")
    return cls(model, base_url=url or options.pop("base_url", None), **options)
