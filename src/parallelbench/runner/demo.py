"""``parallelbench demo`` (what ``make demo`` runs): the ideal model on the enumerable tasks.

It runs the main strategies (random, l2r, confidence-topk at k in {1, 2, 4, all};
confidence-threshold at three thresholds) through the real pipeline (task rendering, the
sampler, the task metrics, the results store), prints accuracy and tokens per step, and writes
a report whose task map (paper Figure 6) gets its order-preference axis from k = 2 runs with
semi-AR blocks on the list_ops and puzzle tasks. No download, no GPU; about 15-20 s on 2 cores.
Re-running reuses the stored records.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .execute import run_sweep
from .spec import spec_from_dict

DEMO_LIMIT = 16
DEMO_CONFIG: dict[str, Any] = {
    "name": "demo",
    "model": "ideal",
    "tasks": ["waiting_line/*", "list_ops/*", "puzzle/*"],
    "limit": DEMO_LIMIT,
    "sampling": "spread",  # every list length (3..6) is represented, not only the first ones
    "seed": 42,
    "batch_size": 64,
    "strategies": [
        {"strategy": ["random", "l2r", "confidence-topk"], "k": [1, 2, 4, "all"]},
        {"strategy": "confidence-threshold", "threshold": [0.5, 0.7, 0.9]},
        # Semi-AR blocks at k = 2 give the task map its order-preference axis (paper Figure 6).
        # The ideal model decodes items, so a block must divide every answer's item count:
        # list_ops answers have 6..16 items (even), the puzzles 16 cells.
        {"strategy": ["random", "confidence-topk"], "k": [2], "block_length": [2],
         "tasks": ["list_ops/*"]},
        {"strategy": ["random", "confidence-topk"], "k": [2], "block_length": [2, 4, 8],
         "tasks": ["puzzle/*"]},
    ],
}


def enumerable_tasks(patterns: list[str]) -> list[str]:
    """Task names matching ``patterns`` that the ideal model can answer (list ops and puzzles)."""
    import fnmatch

    from ..ideal import ENUMERABLE_OPS, op_from_task_name
    from ..tasks import list_tasks

    out = []
    for info in list_tasks():
        name = getattr(info, "name", info)
        if not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            continue
        try:
            op = op_from_task_name(name)
        except Exception:  # noqa: BLE001 - not an enumerable task
            continue
        if op in ENUMERABLE_OPS:
            out.append(name)
    return out


def demo_tables(summary: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(mean over tasks per configuration, per-task accuracy pivot) from a summary table."""
    summary = summary.copy()
    summary["config"] = summary["strategy"] + " " + summary["label"]
    overall = summary.groupby(["strategy", "label"], sort=False).agg(
        accuracy=("score", "mean"), tokens_per_step=("tokens_per_step", "mean"), tasks=("task", "nunique"),
    ).reset_index().sort_values(["strategy", "tokens_per_step"], kind="stable")
    pivot = summary.pivot_table(index="task", columns="config", values="score", sort=False)
    pivot = pivot[list(dict.fromkeys(overall["strategy"] + " " + overall["label"]))]
    return overall.reset_index(drop=True), pivot


_ABBREV = {"confidence-threshold": "thr", "confidence-topk": "conf", "random": "rand", "l2r": "l2r"}


def _short(config: str) -> str:
    """'confidence-topk k=2' -> 'conf 2', 'random k=2 B=4' -> 'rand 2/B4' (keeps the per-task
    table narrow)."""
    strategy, _, label = config.partition(" ")
    values = [part.split("=")[-1] for part in label.split()]
    blocks = [part.split("=")[-1] for part in label.split() if part.startswith("B=")]
    main = values[0] if values else label
    return f"{_ABBREV.get(strategy, strategy)} {main}" + (f"/B{blocks[0]}" if blocks else "")


def run_demo(out: str | Path = "demo-out", limit: int | None = None, progress: bool = True,
             config: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the demo sweep into ``out/results`` and its report into ``out/report``; print the
    tables. Returns ``{"overall", "per_task", "report", "outcome"}``."""
    from ..report import build_report

    data = dict(config or DEMO_CONFIG)
    if limit is not None:
        data["limit"] = limit
    data["tasks"] = enumerable_tasks(list(data["tasks"]))
    spec = spec_from_dict(data, where="demo config")
    out = Path(out)
    outcome = run_sweep(spec, out / "results", progress=progress)
    overall, per_task = demo_tables(outcome.summary)
    with pd.option_context("display.width", 200, "display.max_columns", 50):
        print("Ideal dLLM: accuracy (%) and tokens per step, mean over "
              f"{overall['tasks'].max()} tasks x {spec.limit} samples")
        print(overall.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
        print("\nAccuracy (%) per task")
        short = per_task.rename(columns=_short)
        print(short.to_string(float_format=lambda x: f"{x:.0f}"))
    paths = build_report(out / "results", out / "report")
    print(f"\n{outcome.units} units, {outcome.samples} samples ({outcome.skipped} reused); "
          f"report: {paths[1]}")
    return {"overall": overall, "per_task": per_task, "report": paths[1], "outcome": outcome}
