"""The ``ideal`` model backend: the ideal dLLM answering benchmark requests.

``get_model("ideal")`` (or ``"ideal:paper"`` for the paper's Section 4 distributions). Each
request's sample is turned into an item-level problem, decoded with ``parallelbench.decoding``
through the exact conditional marginals, and the decoded items are rendered back to the task's
answer text, which the task's own metric then scores.
"""
from __future__ import annotations

import time
from collections import defaultdict
from typing import Any, Sequence

from ..errors import ConfigError, ParallelBenchError
from ..models.base import Generation, GenerationRequest, modelapi
from .builders import CONVENTIONS, problem_from_sample, render
from .decode import decode_problems, item_config
from .model import OFFSET


class IdealBackend:
    """``ModelAPI`` of the ideal model (no weights, no network)."""

    name = "ideal"

    def __init__(self, convention: str = "metric", batch_size: int = 64):
        if convention not in CONVENTIONS:
            raise ConfigError(f"ideal model convention must be one of {CONVENTIONS}, got {convention!r}")
        self.convention = convention
        self.batch_size = int(batch_size)

    def info(self) -> dict[str, Any]:
        return {"backend": "ideal", "convention": self.convention, "tokens": "items"}

    def _prepare(self, req: GenerationRequest):
        if req.sample is None:
            raise ConfigError("the ideal model needs the benchmark sample in each request")
        problem, op = problem_from_sample(req.sample, task=req.task, convention=self.convention)
        cfg = item_config(req.decoding, problem.length, max_tokens=req.max_tokens,
                          temperature=req.temperature)
        return problem, op, cfg

    def check(self, request: GenerationRequest) -> None:
        """``ConfigError`` for a request this model cannot decode (see ``ModelAPI.check``)."""
        from ..decoding import check_model
        from .model import MASK_ID, IdealModel

        _problem, _op, cfg = self._prepare(request)
        check_model(IdealModel, cfg, mask_id=MASK_ID)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """One ``Generation`` per request; a request the ideal model cannot answer (text writing)
        raises ``ConfigError`` naming the task."""
        prepared = [self._prepare(r) for r in requests]
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i, (problem, _op, cfg) in enumerate(prepared):
            # The sampler's random draws are shaped by the batch vocabulary, so rows share a
            # batch only with rows of the same length and item count: a request's result then
            # depends on its own sample and seed, never on what else was sent with it.
            groups[(problem.length, problem.vocab_size, repr(sorted(cfg.items())))].append(i)
        out: list[Generation | None] = [None] * len(requests)
        for idx in groups.values():
            for start in range(0, len(idx), self.batch_size):
                chunk = idx[start:start + self.batch_size]
                t0 = time.perf_counter()
                try:
                    results = decode_problems([prepared[i][0] for i in chunk], prepared[chunk[0]][2],
                                              [int(requests[i].seed) for i in chunk])
                except ParallelBenchError:
                    raise
                wall = (time.perf_counter() - t0) / len(chunk)
                for i, res in zip(chunk, results):
                    problem, op, _cfg = prepared[i]
                    values = [problem.items[v] if v >= 0 else "" for v in res.assign]
                    out[i] = Generation(
                        text=render(op, values),
                        token_ids=[int(v) + OFFSET for v in res.assign],
                        output_tokens=problem.length,
                        nfe=res.nfe,
                        tokens_per_step=res.tokens_per_step,
                        order=res.order,
                        wall_time=wall,
                        latency=wall,
                        extra={"valid": res.valid, "op": op, "convention": self.convention},
                    )
        return out  # type: ignore[return-value]


def check_request(request: GenerationRequest, target: str = "", options: dict | None = None) -> None:
    """Raise ``ConfigError`` for a request the ideal model cannot answer (a text task, a block
    length that does not divide the answer's items...): the runner calls it for every sample
    before the first one runs."""
    convention = target or (options or {}).get("convention", "metric")
    IdealBackend(convention=convention)._prepare(request)


@modelapi("ideal", decoding="diffusion", result_options=("convention",), check=check_request)
def make_ideal(target: str = "", **options: Any) -> IdealBackend:
    """Factory: ``ideal`` (metric convention) or ``ideal:paper``."""
    convention = target or options.pop("convention", "metric")
    return IdealBackend(convention=convention, **options)
