"""Metric backends of a run: checked before the first sample, never mixed in one results store,
and ``rescore``: stored predictions scored again with other backends, into a new store.

The grammar and similarity backends change scores, not generations, so they are not part of
the resume key: a rerun finds its generations done. A rerun whose backends differ from the ones
that scored the stored records would either keep the old scores under the new label or add
new-backend scores next to old ones in the same table; ``check_consistent`` refuses both (one
line, exit 2), and ``rescore`` re-scores the stored outputs with the new backends into a new
directory, where the run can then go on (docs/runs.md).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError
from ..metrics.backends import TEXT_METRICS, MetricBackends

__all__ = ["planned_backends", "check_consistent", "rescore"]

BACKEND_KEYS = ("grammar_backend", "similarity_backend")


def planned_backends(spec: Any, units: list, source: Any) -> dict[str, str]:
    """Build (and load) the backends the sweep's tasks need; returns the names scores will
    record. Raises ``ConfigError`` (unavailable backend) before anything runs."""
    metrics = {getattr(source.load(name), "metric", None) for name in {u.task for u in units}}
    return MetricBackends.from_spec(spec).check({m for m in metrics if m})


def _stored_backends(records: list[dict[str, Any]]) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for rec in records:
        for key in BACKEND_KEYS:
            value = (rec.get("metrics") or {}).get(key)
            if isinstance(value, str):
                seen.setdefault(key, set()).add(value)
    return seen


def check_consistent(records: list[dict[str, Any]], planned: dict[str, str], path: Any) -> None:
    """``ConfigError`` when stored records were scored with other backends than ``planned``."""
    for key, stored in _stored_backends(records).items():
        if key in planned and stored - {planned[key]}:
            what = key.replace("_backend", " backend")
            raise ConfigError(
                f"{str(path)!r} holds scores from {what} {', '.join(sorted(stored))} but this run "
                f"scores with {planned[key]}; re-score them into a new directory first "
                f"(parallelbench rescore {path} --out NEW_DIR, with the same backend flags) "
                "or run into another --out")


def _rescored(rec: dict[str, Any], task: Any) -> dict[str, Any]:
    sample = task[int(rec["index"])]
    from .records import prompt_hash

    if rec.get("prompt_hash") and rec["prompt_hash"] != prompt_hash(sample):
        raise DataError(f"record {rec.get('key')}: task {rec['task']} sample {rec['index']} has "
                        "changed since the run (prompt differs); cannot re-score it")
    metrics = task.score(rec.get("output") or "", sample)
    return {**rec, "metrics": metrics, "score": metrics.get("score"),
            "score_strict": metrics.get("score_strict", metrics.get("score"))}


def rescore(results_dir: str | Path, out: str | Path, backends: MetricBackends) -> tuple[int, int]:
    """Copy the store at ``results_dir`` to the new store ``out``, text-task records re-scored
    from their stored output with ``backends``; returns (re-scored, copied unchanged)."""
    from .comparability import assess
    from .expand import TaskSource, expand_units
    from .manifest import backends_from_records
    from .spec import spec_from_dict
    from .store import ResultsStore
    from .summary import export

    from .store import check_target

    src = ResultsStore(results_dir).open(write=False)
    manifest = src.read_manifest()
    if not manifest.get("config"):
        raise DataError(f"{str(results_dir)!r} has no manifest config; cannot re-score it")
    config = {**{k: v for k, v in manifest["config"].items() if v is not None}, **backends.to_dict(),
              "languagetool_url": backends.languagetool_url}  # the new backends, never the old ones
    spec = spec_from_dict(config, "manifest config")
    source = TaskSource(spec)
    records = src.records()
    if Path(out).resolve() == Path(results_dir).resolve():
        raise ConfigError("rescore writes a new directory: --out must differ from RESULTS_DIR")
    if ResultsStore(check_target(out)).load().num_records:
        raise ConfigError(f"{str(out)!r} already holds records; re-score into a new directory")
    planned = backends.check({getattr(source.load(t), "metric", None)
                              for t in {r["task"] for r in records}} - {None})
    dst = ResultsStore(out).open(write=True)
    try:
        rescored = [_rescored(r, source.load(r["task"]))
                    if getattr(source.load(r["task"]), "metric", None) in TEXT_METRICS else r
                    for r in records]
        dst.add(rescored)
        dst.add_errors(src.errors())
        new = dict(manifest)
        new["config"] = {**manifest["config"], **backends.to_dict()}
        new["metric_backends"] = {"requested": backends.to_dict(), "resolved": planned}
        new["backends"] = backends_from_records(rescored)
        units = expand_units(spec, source)
        sources = {u.task: getattr(source.load(u.task), "source", "builtin") for u in units}
        new["comparability"] = assess(spec, units, sources, new["backends"])
        new["history"] = list(manifest.get("history", [])) + [{
            "rescored_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "rescored_from": str(Path(results_dir).resolve()), "backends": planned}]
        dst.write_manifest(new)
        export(rescored, dst.path)
        changed = sum(a is not b for a, b in zip(rescored, records))
        return changed, len(records) - changed
    finally:
        dst.close()
