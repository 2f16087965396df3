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
    """The oracle's mean accuracy (percent) and tokens per step, overall and per task, over
    ``tasks`` tasks and ``samples`` samples."""

    strategy: str
    accuracy: float
    tps: float
    samples: int
    per_task: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    tasks: int = 0


def curve_rows(frame: pd.DataFrame, strategy: str, single_block_only: bool = True) -> pd.DataFrame:
    """The records behind ``strategy``'s trade-off curves (``data.avg_curves``): its
    single-block configurations where it has any, else all of them."""
    sub = frame[(frame["strategy"] == strategy) & frame["accuracy"].notna()]
    if single_block_only and not sub.empty and "single_block" in sub:
        keep = sub.groupby("model")["single_block"].transform("any")
        sub = sub[~keep | sub["single_block"]]
    return sub


def _family(sub: pd.DataFrame, param: str) -> pd.Series:
    """The settings other than ``param`` (e.g. a block length), as one comparable key."""
    cols = sorted(c for c in sub.columns if c.startswith("param.") and c != f"param.{param}")
    if not cols:
        return pd.Series("", index=sub.index)
    return pd.Series(["|".join(map(str, row)) for row in sub[cols].itertuples(index=False)], index=sub.index)


def oracle_choices(frame: pd.DataFrame, strategy: str = "confidence-threshold",
                   param: str = "threshold", single_block_only: bool = True) -> pd.DataFrame:
    """One row per sample (task, index and the other settings, e.g. block length): the chosen
    setting. Among settings with the sample's best accuracy, the fewest NFE wins (ties: the
    larger tokens per step, then the smaller parameter value). Only the records of the
    strategy's curves count (``curve_rows``), and only samples that ran under every value of
    ``param`` their task has."""
    sub = curve_rows(frame, strategy, single_block_only).copy()
    if sub.empty:
        return sub
    col = param if param in sub else f"param.{param}"
    sub["_param"] = pd.to_numeric(sub[col], errors="coerce") if col in sub else 0.0
    sub["_family"] = _family(sub, param)
    values = sub.groupby(["model", "_family", "task"])["_param"].transform("nunique")
    seen = sub.groupby(["model", "_family", "task", "index"])["_param"].transform("nunique")
    sub = sub[seen == values]
    group = ["model", "_family", "task", "index"]
    sub["_best"] = sub.groupby(group, dropna=False)["accuracy"].transform("max")
    best = sub[sub["accuracy"] == sub["_best"]]
    best = best.sort_values(["nfe", "tokens_per_step", "_param"], ascending=[True, False, True], kind="stable")
    return best.groupby(group, dropna=False, sort=False).head(1).reset_index(drop=True)


def oracle_point(frame: pd.DataFrame, strategy: str = "confidence-threshold",
                 param: str = "threshold", single_block_only: bool = True) -> OraclePoint | None:
    """Per task, the mean over samples of the chosen accuracy and tps; then the mean over tasks
    (so a task with more samples does not weigh more), exactly as the curves average. ``None``
    when the strategy is absent. Settings other than ``param`` (a block length in a grid) each
    form their own oracle family, over all tasks of the curves whatever their generation
    length; the family with the highest oracle accuracy is reported."""
    chosen = oracle_choices(frame, strategy, param, single_block_only)
    if chosen.empty:
        return None
    families = []
    for _, grp in chosen.groupby(["model", "_family"], dropna=False):
        per_task = grp.groupby("task").agg(accuracy=("accuracy", "mean"), tps=("tokens_per_step", "mean"),
                                           samples=("index", "size")).reset_index()
        per_task["accuracy"] *= 100
        per_task["block"] = grp["block"].iloc[0] if grp["block"].nunique() == 1 else None
        families.append(per_task)
    best = max(families, key=lambda t: (t["accuracy"].mean(), t["tps"].mean()))
    return OraclePoint(strategy, float(best["accuracy"].mean()), float(best["tps"].mean()),
                       int(best["samples"].sum()), best, tasks=len(best))
