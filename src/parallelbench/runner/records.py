"""From samples to requests and from generations to records (shared by every executor).

Local and Ray runs call the same ``run_batch``, so they write identical records apart from the
timing fields (``TIMING_FIELDS``).
"""
from __future__ import annotations

import time
from typing import Any, Sequence

from ..errors import FatalBackendError, ParallelBenchError
from ..models.base import GenerationRequest, stable_hash
from .expand import Unit

TIMING_FIELDS = ("wall_time", "tokens_per_second", "latency", "finished_at", "usage")


class RunAborted(ParallelBenchError):
    """``--fail-fast``: a sample failed and the run stopped."""


def sample_seed(base: int, task: str, index: int) -> int:
    """Seed of one sample: fixed by the run seed, the task and the index, so a sample decodes the
    same in any batch, on any worker, and under every decoding setting (common random numbers)."""
    return int(stable_hash([base, task, index])[:8], 16)


def prompt_hash(sample: Any) -> str:
    return stable_hash(sample.messages)[:16]


def sample_key(unit: Unit, sample: Any) -> str:
    """Content-addressed key: the unit's key plus the sample's index, prompt and label."""
    return stable_hash({
        "unit": unit.key, "index": sample.index, "prompt": stable_hash(sample.messages),
        "label": stable_hash(sample.label),
    })


def make_request(unit: Unit, sample: Any, base_seed: int) -> GenerationRequest:
    return GenerationRequest(
        messages=sample.messages, max_tokens=unit.max_tokens, decoding=dict(unit.decoding),
        temperature=unit.temperature, seed=sample_seed(base_seed, unit.task, sample.index),
        sample=sample, task=unit.task, infill=None,
    )


def base_record(unit: Unit, sample: Any, model_spec: str, *, category: str | None, op: str | None,
                seed: int | None) -> dict[str, Any]:
    """The fields every record and error of a sample has (what identifies it), whether ``run``
    produced it or ``import`` read it (``lmeval.io_read``)."""
    return {
        "key": sample_key(unit, sample), "unit": unit.key, "model": model_spec,
        "task": unit.task, "category": category, "op": op,
        "index": sample.index, "strategy": unit.strategy, "setting": unit.setting,
        "label": unit.label, "decoding": unit.decoding, "cache": (unit.decoding or {}).get("cache", "none"),
        "max_tokens": unit.max_tokens, "temperature": unit.temperature, "seed": seed,
        "prompt_hash": prompt_hash(sample),
    }


def _base(unit: Unit, task: Any, sample: Any, model_spec: str, base_seed: int) -> dict[str, Any]:
    return base_record(unit, sample, model_spec, category=getattr(task, "category", None),
                       op=getattr(task, "op", None), seed=sample_seed(base_seed, unit.task, sample.index))


def _generate(model: Any, requests: list[GenerationRequest]) -> list[Any]:
    """One batched call; on an exception, fall back to one call per request so a single bad
    sample only fails itself. A ``FatalBackendError`` (rejected credentials) stops the run."""
    try:
        gens = list(model.generate(requests))
        if len(gens) != len(requests):
            raise RuntimeError(f"backend returned {len(gens)} generations for {len(requests)} requests")
        return gens
    except FatalBackendError:
        raise
    except Exception as exc:  # noqa: BLE001 - any backend failure is isolated per sample
        if len(requests) == 1:
            return [exc]
        out: list[Any] = []
        for req in requests:
            try:
                out.extend(model.generate([req])[:1])
            except FatalBackendError:
                raise
            except Exception as one:  # noqa: BLE001
                out.append(one)
        return out


def _plain(value: Any) -> Any:
    """Tensors and arrays as plain lists (records are JSON)."""
    return value.tolist() if hasattr(value, "tolist") else value


def _message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".strip()


def _tokens_per_second(gen: Any, batch_time: float) -> float | None:
    """Generated positions per second of wall time per sample (dLLMs: tokens per step x NFE;
    otherwise the output tokens)."""
    wall = gen.wall_time if gen.wall_time is not None else batch_time
    if gen.nfe and gen.tokens_per_step is not None:
        tokens = float(gen.tokens_per_step) * float(gen.nfe)
    else:
        tokens = gen.output_tokens
    return round(tokens / wall, 3) if tokens is not None and wall and wall > 0 else None


def run_batch(model: Any, task: Any, unit: Unit, samples: Sequence[Any], model_spec: str,
              base_seed: int, fail_fast: bool = False) -> tuple[list[dict], list[dict]]:
    """Generate and score a batch; returns (records, errors)."""
    requests = [make_request(unit, s, base_seed) for s in samples]
    t0 = time.perf_counter()
    gens = _generate(model, requests)
    batch_time = (time.perf_counter() - t0) / max(len(samples), 1)
    records, errors = [], []
    for sample, gen in zip(samples, gens):
        base = _base(unit, task, sample, model_spec, base_seed)
        message = None
        if isinstance(gen, BaseException):
            message = _message(gen)
        elif getattr(gen, "error", None):
            message = str(gen.error)
        else:
            try:
                metrics = task.score(gen.text, sample)
            except Exception as exc:  # noqa: BLE001 - a scorer bug must not kill the sweep
                message = "scoring failed: " + _message(exc)
        if message is not None:
            if fail_fast:
                raise RunAborted(f"{unit.task} sample {sample.index} ({unit.strategy} {unit.label}) failed: {message}")
            errors.append({**base, "error": message, "finished_at": time.time()})
            continue
        records.append({
            **base,
            "output": gen.text,
            "metrics": {k: v for k, v in metrics.items()},
            "score": metrics.get("score"),
            "score_strict": metrics.get("score_strict", metrics.get("score")),
            "nfe": _plain(gen.nfe),
            "tokens_per_step": _plain(gen.tokens_per_step),
            "output_tokens": gen.output_tokens,
            "order": _plain(gen.order),
            "token_ids": _plain(gen.token_ids),
            "wall_time": gen.wall_time if gen.wall_time is not None else batch_time,
            "tokens_per_second": _tokens_per_second(gen, batch_time),
            "device": (gen.extra or {}).get("device"),
            "dtype": (gen.extra or {}).get("dtype"),
            # The cache mode the backend really used (a family default may set one).
            "cache": (gen.extra or {}).get("cache", base["cache"]),
            "latency": gen.latency,
            "usage": gen.usage,
            "finished_at": time.time(),
        })
    return records, errors
