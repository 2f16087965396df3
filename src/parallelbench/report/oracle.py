"""Oracle analysis (paper Appendix G.2, Figure 7).

For an adaptive strategy swept over one parameter (by default confidence-threshold over its
threshold), an oracle that knew each sample's outcome in advance would pick, per sample, the
setting that reaches that sample's *best* score with the *fewest* steps. Averaging the chosen
settings' accuracy and tokens per step over samples, then over tasks, gives the oracle point,
an upper bound on what any per-sample choice of the parameter can reach.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class OraclePoint:
    """The oracle's mean accuracy (percent) and tokens per step, overall and per task."""

    strategy: str
    accuracy: float
    tps: float
    samples: int
    per_task: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)


def oracle_choices(frame: pd.DataFrame, strategy: str = "confidence-threshold",
                   param: str = "threshold") -> pd.DataFrame:
    """One row per sample (task, index and the other settings, e.g. block length): the chosen
    setting. Among settings with the sample's best accuracy, the fewest NFE wins (ties: the
    larger tokens per step, then the smaller parameter value)."""
    sub = frame[(frame["strategy"] == strategy) & frame["accuracy"].notna()].copy()
    if sub.empty:
        return sub
    col = param if param in sub else f"param.{param}"
    sub["_param"] = pd.to_numeric(sub[col], errors="coerce") if col in sub else 0.0
    group = ["model", "task", "index", "block"]
    sub["_best"] = sub.groupby(group, dropna=False)["accuracy"].transform("max")
    best = sub[sub["accuracy"] == sub["_best"]]
    best = best.sort_values(["nfe", "tokens_per_step", "_param"], ascending=[True, False, True], kind="stable")
    return best.groupby(group, dropna=False, sort=False).head(1).reset_index(drop=True)


def oracle_point(frame: pd.DataFrame, strategy: str = "confidence-threshold",
                 param: str = "threshold") -> OraclePoint | None:
    """Per task, the mean over samples of the chosen accuracy and tps; then the mean over tasks
    (so a task with more samples does not weigh more). ``None`` when the strategy is absent.
    With several block lengths, each block length is its own oracle family; the one with the
    highest oracle accuracy is reported."""
    chosen = oracle_choices(frame, strategy, param)
    if chosen.empty:
        return None
    per_block = []
    for block, grp in chosen.groupby("block", dropna=False):
        per_task = grp.groupby("task").agg(accuracy=("accuracy", "mean"), tps=("tokens_per_step", "mean"),
                                           samples=("index", "size")).reset_index()
        per_task["accuracy"] *= 100
        per_task["block"] = block
        per_block.append(per_task)
    best = max(per_block, key=lambda t: (t["accuracy"].mean(), t["tps"].mean()))
    return OraclePoint(strategy, float(best["accuracy"].mean()), float(best["tps"].mean()),
                       int(best["samples"].sum()), best)
