"""Per-configuration tables over stored records, in the leaderboard's units.

The leaderboard's "accuracy" of a sample is the loose ``score`` for list and puzzle tasks and the
``grammar_score`` for Text Writing tasks (SPEC 5.3 / 8.2: the public curves track the grammar
score there). A *configuration* is a strategy with one task-independent setting label
(``k=2``, ``thr=0.9 B=8``), so the same configuration can be averaged over tasks whose
generation lengths differ.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..runner.store import ResultsStore
from ..runner.summary import records_frame

TOPK_STRATEGIES = ("random", "confidence-topk", "topk-margin", "entropy-topk")
Z95 = 1.959964


def wilson_bounds(p, n, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval of a mean accuracy ``p`` (fraction in [0, 1]) over ``n``
    samples, element-wise. Exact for 0/1 scores; for partial scores (text metrics) it treats
    the mean as a proportion, a common and conservative reading. ``n = 0`` gives [0, 1]."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        den = 1 + z * z / n
        mid = (p + z * z / (2 * n)) / den
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
        lo = np.where(n > 0, np.clip(mid - half, 0.0, 1.0), 0.0)
        hi = np.where(n > 0, np.clip(mid + half, 0.0, 1.0), 1.0)
    lo = np.where(p <= 0, 0.0, lo)  # rounding must not exclude an exact 0 or 1
    hi = np.where(p >= 1, 1.0, hi)
    return lo, hi


def with_wilson(frame: pd.DataFrame, value: str = "accuracy", n: str = "n", scale: float = 100.0,
                prefix: str = "acc") -> pd.DataFrame:
    """``frame`` with ``<prefix>_lo`` and ``<prefix>_hi`` columns: the 95% Wilson interval of
    ``value`` (given in units of ``scale``, percent by default) over ``n`` samples."""
    out = frame.copy()
    if out.empty:
        out[f"{prefix}_lo"], out[f"{prefix}_hi"] = [], []
        return out
    lo, hi = wilson_bounds(pd.to_numeric(out[value], errors="coerce").to_numpy() / scale,
                           pd.to_numeric(out[n], errors="coerce").fillna(0).to_numpy())
    out[f"{prefix}_lo"], out[f"{prefix}_hi"] = lo * scale, hi * scale
    return out


def sample_accuracy(rec: dict[str, Any]) -> float | None:
    """Leaderboard accuracy of one record in [0, 1]."""
    metrics = rec.get("metrics") or {}
    if rec.get("category") == "text_writing" and metrics.get("grammar_score") is not None:
        return float(metrics["grammar_score"])
    value = rec.get("score")
    return None if value is None else float(value)


def load_frame(results: str | Path | list[dict[str, Any]]) -> pd.DataFrame:
    """Records as a frame with ``accuracy`` (0-1), numeric ``k_value`` and ``block`` columns."""
    records = results if isinstance(results, list) else ResultsStore(results).open(write=False).records()
    frame = records_frame(records)
    frame["accuracy"] = pd.Series([sample_accuracy(r) for r in records], dtype=float)
    frame["k_value"] = [_k_value(r) for r in records]
    frame["block"] = [(r.get("decoding") or {}).get("block_length") or r.get("max_tokens") for r in records]
    frame["threshold"] = [(r.get("decoding") or {}).get("threshold") for r in records]
    frame["single_block"] = ["block_length" not in (r.get("setting") or {}) for r in records]
    return frame


def _k_value(rec: dict[str, Any]) -> float:
    d = rec.get("decoding") or {}
    M = rec.get("max_tokens") or 0
    if d.get("k"):
        return float(d["k"])
    if d.get("steps"):
        return M / float(d["steps"])
    return np.nan


def config_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model x strategy x label x task: samples, accuracy (percent) with its 95% Wilson
    interval (``acc_lo``, ``acc_hi``), tokens per step, NFE."""
    cols = ["model", "strategy", "label", "task", "category", "n", "accuracy", "acc_lo", "acc_hi", "tps",
            "nfe", "single_block"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    g = frame.groupby(["model", "strategy", "label", "task"], sort=False)
    out = pd.DataFrame({
        "category": g["category"].first(),
        "n": g.size(),
        "accuracy": g["accuracy"].mean() * 100,
        "tps": g["tokens_per_step"].mean(),
        "nfe": g["nfe"].mean(),
        "single_block": g["single_block"].first(),
    }).reset_index()
    out = with_wilson(out)
    return out[cols].sort_values(["model", "task", "strategy", "tps"], kind="stable").reset_index(drop=True)


def avg_curves(table: pd.DataFrame, single_block_only: bool = True) -> pd.DataFrame:
    """Per model x strategy x configuration: mean tps and mean accuracy over tasks (the
    leaderboard's ``avg`` rows), with a 95% Wilson interval over the pooled samples (``n``;
    exact when every task has the same number of samples). With ``single_block_only``, a
    strategy that has single-block configurations uses only those (the leaderboard's curves are
    one point per k or threshold)."""
    cols = ["model", "strategy", "label", "tasks", "n", "tps", "accuracy", "acc_lo", "acc_hi"]
    if table.empty:
        return pd.DataFrame(columns=cols)
    if single_block_only:
        keep = table.groupby(["model", "strategy"])["single_block"].transform("any")
        table = table[~keep | table["single_block"]]
    g = table.groupby(["model", "strategy", "label"], sort=False)
    out = pd.DataFrame({"tasks": g.size(), "n": g["n"].sum(), "tps": g["tps"].mean(),
                        "accuracy": g["accuracy"].mean()}).reset_index()
    out = with_wilson(out)
    return out[cols].sort_values(["model", "strategy", "tps"], kind="stable").reset_index(drop=True)
