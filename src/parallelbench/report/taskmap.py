"""Task characterisation (paper Appendix G.1, Figure 6; SPEC 7.6).

* Parallelizability (x): the score-weighted centre of mass over k, sum_k k * s_k / sum_k s_k,
  from single-block ("any order") top-k runs; a task that keeps its score at large k sits far
  right. Undefined (NaN) when every score is 0.
* Order preference (y): at k = 2, the slope of a least-squares line of the score (fraction in
  [0, 1]) against log2(block length), negated so that *positive = better with smaller blocks*
  (a preference for left-to-right, semi-autoregressive order). Block lengths are powers of two,
  hence the log scale: each doubling is one unit.

Both are computed per strategy among the top-k strategies present (random, confidence, margin,
entropy) and averaged over them, as the paper averages over its four top-k strategies.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .data import TOPK_STRATEGIES


def centre_of_mass(ks, scores) -> float:
    """sum k * s_k / sum s_k (NaN when all scores are zero)."""
    ks, scores = np.asarray(ks, dtype=float), np.asarray(scores, dtype=float)
    total = scores.sum()
    return float((ks * scores).sum() / total) if total > 0 else math.nan


def block_slope(blocks, scores) -> float:
    """Negated slope of score against log2(block length) (NaN with fewer than two lengths)."""
    x = np.log2(np.asarray(blocks, dtype=float))
    y = np.asarray(scores, dtype=float)
    if len(np.unique(x)) < 2:
        return math.nan
    slope = np.polyfit(x, y, 1)[0]
    return float(-slope)


def task_map(frame: pd.DataFrame, strategies=TOPK_STRATEGIES, k_order: float = 2.0) -> pd.DataFrame:
    """Per task: ``parallelizability``, ``order_preference`` and the strategies used."""
    sub = frame[frame["strategy"].isin(strategies) & frame["accuracy"].notna() & frame["k_value"].notna()]
    rows = []
    for task, grp in sub.groupby("task", sort=True):
        xs, ys = [], []
        for _, sg in grp.groupby("strategy"):
            single = sg[sg["single_block"]]
            by_k = single.groupby("k_value")["accuracy"].mean()
            if len(by_k) >= 2:
                x = centre_of_mass(by_k.index, by_k.values)
                if not math.isnan(x):
                    xs.append(x)
            at_k = sg[sg["k_value"] == k_order].groupby("block")["accuracy"].mean()
            y = block_slope(at_k.index, at_k.values)
            if not math.isnan(y):
                ys.append(y)
        rows.append({
            "task": task,
            "category": grp["category"].iloc[0],
            "parallelizability": float(np.mean(xs)) if xs else math.nan,
            "order_preference": float(np.mean(ys)) if ys else math.nan,
            "strategies": ",".join(sorted(grp["strategy"].unique())),
        })
    return pd.DataFrame(rows, columns=["task", "category", "parallelizability", "order_preference", "strategies"])
