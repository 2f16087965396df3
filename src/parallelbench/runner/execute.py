"""Run a sweep into a results store, in-process (``local``) or over Ray workers (``ray``)."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from ..errors import ConfigError
from ..metrics.backends import MetricBackends
from ..models.base import get_backend, get_model
from .comparability import assess
from .comparability import require_comparable as check_comparable
from .expand import TaskSource, Unit
from .manifest import backends_from_records, build_manifest
from .records import run_batch, sample_key
from .rescore import check_consistent, planned_backends
from .spec import SweepSpec
from .store import ResultsStore
from .summary import export, summary_frame
from .validate import check_identity, check_loaded, check_out, identity, plan_sweep

EXECUTORS = ("local", "ray")


@dataclass
class RunOutcome:
    """What a call to ``run_sweep`` did."""

    path: Path
    units: int
    samples: int
    skipped: int
    written: int
    failed: int
    repaired_bytes: int
    summary: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)


def pending_work(units: list[Unit], source: TaskSource, store: ResultsStore) -> list[tuple[Unit, list[Any]]]:
    """For each unit, the samples that have no record yet (in index order)."""
    work = []
    for unit in units:
        task = source.load(unit.task)
        todo = [s for s in (task[i] for i in unit.sample_indices()) if not store.has(sample_key(unit, s))]
        if todo:
            work.append((unit, todo))
    return work


def _batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _model_info(model: Any) -> dict[str, Any] | None:
    try:
        return dict(model.info())
    except Exception as exc:  # noqa: BLE001 - info is best effort
        return {"error": f"info() failed: {type(exc).__name__}"}


def run_sweep(spec: SweepSpec, out: str | Path, *, executor: str = "local", ray_address: str | None = None,
              num_gpus: float | None = None, fail_fast: bool = False, progress: bool = True,
              source: TaskSource | None = None, wandb: bool = False, wandb_project: str = "parallelbench",
              model: Any = None, require_comparable: bool = False) -> RunOutcome:
    """Run every unit of ``spec`` that is not in the store at ``out`` yet.

    Everything is validated before the first sample runs and before anything is written
    (``validate.plan_sweep``: tasks, strategies, parameters, grids, the backend's decoding
    contract and per-request checks; then the results directory, the store's model and options,
    executor, optional dependencies, and loading the model). A failing sample is recorded in
    ``errors.jsonl`` and the run goes on, unless ``fail_fast``; a fatal backend error (rejected
    credentials) stops the run at once. Metric backends are checked too, and a store scored with
    other metric backends is refused. With ``require_comparable`` a run that would not be comparable
    with the paper raises ``ConfigError`` before anything is written.
    """
    if executor not in EXECUTORS:
        raise ConfigError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    out = check_out(out)
    source = source or TaskSource(spec)
    store = ResultsStore(out)
    if out.is_dir():  # an existing store must hold the same model and options
        check_identity(store.read_manifest(), spec, get_backend(spec.model), str(out),
                       has_records=(out / "records.jsonl").exists())
        store.load()
    try:
        backend, units, work = plan_sweep(spec, source, store)
        planned = planned_backends(spec, units, source)  # unavailable backend: ConfigError now
        if require_comparable:
            check_comparable(spec, units, source, planned)
        if wandb:
            from .wandb_log import require_wandb
            require_wandb()
        if executor == "ray":
            from .ray_exec import _ray
            _ray()
        check_consistent(store.records(), planned, out)  # never two backends in one table
        total = sum(u.num_samples for u in units)
        local = executor == "local"
        if local and work and model is None:  # device, dtype, weights: fails before any write
            model = get_model(spec.model, **spec.model_options)
        if local and work:
            check_loaded(spec, model, work)  # what only the loaded model knows (e.g. its cache)
        store.open(write=True)  # the first write: folder, lock, repair of a torn last line
        work = pending_work(units, source, store)  # again: another run may have added records
        todo = sum(len(s) for _, s in work)
        if local and work and model is None:
            model = get_model(spec.model, **spec.model_options)
        info = _model_info(model) if local and model is not None else None
        manifest = build_manifest(store.read_manifest(), spec, units, executor, info, identity(spec, backend))
        manifest["metric_backends"] = {"requested": MetricBackends.from_spec(spec).to_dict(),
                                       "resolved": planned}
        store.write_manifest(manifest)
        written_before = store.num_records
        failed = 0
        if executor == "local":
            failed = _run_local(spec, model, source, work, store, fail_fast, progress)
        else:
            from .ray_exec import run_ray
            failed = run_ray(spec, work, store, address=ray_address, num_gpus=num_gpus,
                             fail_fast=fail_fast, progress=progress)
        records = store.records()
        manifest = store.read_manifest()
        manifest["backends"] = backends_from_records(records)
        sources = {u.task: getattr(source.load(u.task), "source", "builtin") for u in units}
        scored = {k: sorted(set(manifest["backends"].get(k, [])) | {v}) for k, v in planned.items()}
        manifest["comparability"] = assess(spec, units, sources, {**manifest["backends"], **scored})
        store.write_manifest(manifest)
        export(records, store.path)
        table = summary_frame(records, store.errors())
        if wandb:
            from .wandb_log import log_summary
            log_summary(spec, table, project=wandb_project)
        return RunOutcome(store.path, len(units), total, total - todo, store.num_records - written_before,
                          failed, store.repaired_bytes, table)
    finally:
        store.close()


def _run_local(spec, model, source, work, store, fail_fast, progress) -> int:
    failed = 0
    disable = not progress
    unit_bar = tqdm(total=len(work), desc="units", unit="unit", disable=disable, file=sys.stderr, position=0)
    sample_bar = tqdm(total=sum(len(s) for _, s in work), desc="samples", unit="sample",
                      disable=disable, file=sys.stderr, position=1)
    try:
        for unit, samples in work:
            task = source.load(unit.task)
            unit_bar.set_postfix_str(f"{unit.task} {unit.strategy} {unit.label}", refresh=False)
            for batch in _batches(samples, spec.batch_size):
                records, errors = run_batch(model, task, unit, batch, spec.model, spec.seed, fail_fast)
                store.add(records)
                store.add_errors(errors)
                failed += len(errors)
                sample_bar.update(len(batch))
            unit_bar.update(1)
    finally:
        sample_bar.close()
        unit_bar.close()
    return failed


def describe_units(units: list[Unit]) -> str:
    """The ``--dry-run`` listing: one line per unit and the totals."""
    lines = [f"{u.task:<40} {u.strategy:<22} {u.label:<24} M={u.max_tokens:<4} n={u.num_samples}" for u in units]
    samples = sum(u.num_samples for u in units)
    lines.append(f"{len(units)} units, {samples} samples")
    return "\n".join(lines)


__all__ = ["RunOutcome", "run_sweep", "pending_work", "describe_units"]
