"""The Ray executor: shards (unit x sample range) run on Ray workers; results stream back into
the driver's store.

Workers call the same ``run_batch`` as the local executor, so both produce the same records
(apart from timing fields). Only the driver writes to the store, so the crash-safety of the
store is unchanged. GPU backends get ``num_gpus`` per shard (one GPU per worker by default).
"""
from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm

from ..errors import ConfigError, ParallelBenchError
from .expand import TaskSource, Unit
from .records import RunAborted, run_batch
from .spec import SweepSpec
from .store import ResultsStore

GPU_BACKENDS = ("hf-dllm", "hf-ar", "vllm")
_WORKER_CACHE: dict[str, Any] = {}  # per worker process: model and task source, built once


def _ray():
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs the ray package (pip install 'parallelbench[ray]')") from None
    return ray


def default_num_gpus(spec: SweepSpec) -> float:
    return 1.0 if spec.model.partition(":")[0] in GPU_BACKENDS else 0.0


def _shard(spec: SweepSpec, unit: Unit, indices: list[int], fail_fast: bool):
    """Runs on a worker: decode and score the samples ``indices`` of ``unit``."""
    from ..models.base import get_model, stable_hash

    cache_key = stable_hash(spec.to_dict())
    if _WORKER_CACHE.get("key") != cache_key:
        _WORKER_CACHE.clear()
        _WORKER_CACHE.update(key=cache_key, model=get_model(spec.model, **spec.model_options),
                             source=TaskSource(spec))
    task = _WORKER_CACHE["source"].load(unit.task)
    model = _WORKER_CACHE["model"]
    records: list[dict] = []
    errors: list[dict] = []
    samples = [task[i] for i in indices]
    for start in range(0, len(samples), spec.batch_size):
        recs, errs = run_batch(model, task, unit, samples[start:start + spec.batch_size], spec.model,
                               spec.seed, fail_fast)
        records += recs
        errors += errs
    return records, errors


def run_ray(spec: SweepSpec, work: list[tuple[Unit, list[Any]]], store: ResultsStore, *,
            address: str | None = None, num_gpus: float | None = None, fail_fast: bool = False,
            progress: bool = True, shard_size: int | None = None) -> int:
    """Run the pending ``work`` on Ray; returns the number of failed samples."""
    ray = _ray()
    if not work:
        return 0
    if not ray.is_initialized():
        try:
            ray.init(address=address, include_dashboard=False, ignore_reinit_error=True,
                     log_to_driver=False)
        except Exception as exc:  # noqa: BLE001 - connection problems become one clear line
            raise ConfigError(f"cannot start or reach Ray at {address or 'local'}: {exc}") from None
    gpus = default_num_gpus(spec) if num_gpus is None else float(num_gpus)
    if gpus > 0 and ray.cluster_resources().get("GPU", 0) < gpus:
        raise ConfigError(f"model {spec.model!r} asks {gpus} GPU per worker but the Ray cluster has "
                          f"{ray.cluster_resources().get('GPU', 0)}; pass --ray-num-gpus 0 to run on CPU")
    remote = ray.remote(_shard).options(num_gpus=gpus, num_cpus=1, max_retries=0)
    size = shard_size or spec.batch_size * 2
    shards = [(unit, [s.index for s in samples[i:i + size]])
              for unit, samples in work for i in range(0, len(samples), size)]
    spec_ref = ray.put(spec)
    # Bound the in-flight shards so results stream into the store steadily.
    limit = max(2, int(ray.cluster_resources().get("CPU", 2)) * 2)
    bar = tqdm(total=sum(len(ix) for _, ix in shards), desc="samples (ray)", unit="sample",
               disable=not progress, file=sys.stderr)
    failed = 0
    pending: dict[Any, int] = {}
    queue = list(shards)
    try:
        while queue or pending:
            while queue and len(pending) < limit:
                unit, indices = queue.pop(0)
                pending[remote.remote(spec_ref, unit, indices, fail_fast)] = len(indices)
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                n = pending.pop(ref)
                try:
                    records, errors = ray.get(ref)
                except Exception as exc:  # noqa: BLE001
                    cause = getattr(exc, "cause", None)
                    if isinstance(cause, ParallelBenchError):  # --fail-fast, rejected credentials
                        raise type(cause)(str(cause)) from None
                    raise RunAborted(f"a Ray shard failed: {type(exc).__name__}: {str(exc).splitlines()[0]}") from None
                store.add(records)
                store.add_errors(errors)
                failed += len(errors)
                bar.update(n)
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        bar.close()
    return failed
