"""A deterministic offline backend for tests, demos and the runner's own test suite.

Specs:

* ``mock:reference`` (default) - returns the sample's reference answer (score 1).
* ``mock:echo`` - returns the text of the last user message.
* ``mock:empty`` - returns an empty string.
* ``mock:degrade`` - the reference answer, spoiled (two neighbouring words swapped, or emptied)
  with probability ``rate * (1 - 1/tps)`` where tps = tokens per step of the request's decoding
  settings, so a sweep shows a speed-quality trade-off.
* ``mock:fail-every-N`` - like ``reference`` but fails every N-th sample (sample index i fails
  when ``(i + 1) % N == 0``); by default it raises ``MockFailure``, with ``on_fail="error"`` it
  reports the failure in ``Generation.error`` instead.

Options: ``latency`` (seconds slept per request), ``rate`` (``degrade`` strength, default 0.5),
``on_fail`` (``"raise"`` or ``"error"``).
"""
from __future__ import annotations

import math
import random
import time
from typing import Any, Sequence

from ..errors import ConfigError
from .base import Generation, GenerationRequest, modelapi, stable_hash

_MODES = ("reference", "echo", "empty", "degrade", "fail-every")


class MockFailure(RuntimeError):
    """Raised by ``mock:fail-every-N`` for the samples it fails."""


def _nfe(request: GenerationRequest) -> int:
    """NFE a fixed-count sampler would spend: ``steps``, else ``ceil(max_tokens / k)``."""
    d = request.decoding or {}
    if d.get("steps"):
        return max(1, int(d["steps"]))
    k = int(d.get("k") or 1)
    return max(1, math.ceil(request.max_tokens / max(1, k)))


class MockModel:
    """See the module docstring."""

    def __init__(self, mode: str = "reference", every: int = 0, latency: float = 0.0,
                 rate: float = 0.5, on_fail: str = "raise"):
        if on_fail not in ("raise", "error"):
            raise ConfigError(f"mock: on_fail must be 'raise' or 'error', not {on_fail!r}")
        if latency < 0:
            raise ConfigError(f"mock: latency must be >= 0, not {latency!r}")
        self.mode, self.every, self.latency = mode, every, float(latency)
        self.rate, self.on_fail = float(rate), on_fail
        self.name = f"mock:{mode}" + (f"-{every}" if mode == "fail-every" else "")

    def info(self) -> dict[str, Any]:
        return {"backend": "mock", "mode": self.mode, "every": self.every,
                "latency": self.latency, "rate": self.rate}

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        return [self._one(r) for r in requests]

    def _text(self, request: GenerationRequest) -> str:
        if self.mode == "echo":
            users = [m["content"] for m in request.messages if m.get("role") == "user"]
            return users[-1] if users else ""
        if self.mode == "empty":
            return ""
        if request.sample is None:
            raise ConfigError(f"{self.name} needs the benchmark sample in each request")
        text = request.sample.reference
        if self.mode == "degrade":
            text = self._degrade(text, request)
        return text

    def _degrade(self, text: str, request: GenerationRequest) -> str:
        # An answer is spoiled with probability rate * (1 - 1/tps): exact at one token per step,
        # worse as more tokens are committed per step.
        tps = request.max_tokens / _nfe(request)
        p = min(1.0, self.rate * (1.0 - 1.0 / max(1.0, tps)))
        # Seeded by the request so the same config always gives the same answer.
        rng = random.Random(stable_hash([request.seed, request.task, request.key_fields()["index"],
                                         request.messages]))
        if rng.random() >= p:
            return text
        words = text.split(" ")
        if len(words) < 2 or len(set(words)) < 2:
            return ""
        i = rng.randrange(len(words) - 1)
        while words[i] == words[i + 1]:
            i = (i + 1) % (len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)

    def _one(self, request: GenerationRequest) -> Generation:
        start = time.perf_counter()
        if self.latency:
            time.sleep(self.latency)
        index = getattr(request.sample, "index", None)
        if self.mode == "fail-every" and index is not None and (index + 1) % self.every == 0:
            message = f"{self.name}: simulated failure on sample {index}"
            if self.on_fail == "raise":
                raise MockFailure(message)
            return Generation(text="", error=message, wall_time=time.perf_counter() - start)
        text = self._text(request)
        nfe = _nfe(request)
        elapsed = time.perf_counter() - start
        return Generation(
            text=text, output_tokens=len(text.split()), nfe=nfe,
            tokens_per_step=request.max_tokens / nfe, wall_time=elapsed, latency=elapsed,
            extra={"mock_mode": self.mode},
        )


@modelapi("mock", decoding="any", result_options=("rate",))
def _make_mock(target: str = "", **options: Any) -> MockModel:
    mode = target or "reference"
    every = 0
    if mode.startswith("fail-every"):
        suffix = mode[len("fail-every"):].lstrip("-")
        if not suffix.isdigit() or int(suffix) < 1:
            raise ConfigError(f"mock:{target}: expected fail-every-N with N >= 1")
        mode, every = "fail-every", int(suffix)
    if mode not in _MODES:
        raise ConfigError(f"unknown mock mode {target!r}; known: reference, echo, empty, "
                          "degrade, fail-every-N")
    allowed = {"latency", "rate", "on_fail", "batch_size"}
    unknown = set(options) - allowed
    if unknown:
        raise ConfigError(f"mock: unknown option(s) {sorted(unknown)}; known: {sorted(allowed)}")
    options.pop("batch_size", None)  # accepted for uniformity with the real backends
    return MockModel(mode, every, **options)
