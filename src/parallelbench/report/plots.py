"""Matplotlib figures of the report (PNG files): paper Figures 3, 6 and 7."""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless: reports are built on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from .oracle import OraclePoint  # noqa: E402

_STYLE = {"marker": "o", "markersize": 4, "linewidth": 1.5}


def _line(ax, grp: pd.DataFrame, **style) -> None:
    """Accuracy against tps with the 95% Wilson interval as error bars where it is known."""
    grp = grp.sort_values("tps")
    if {"acc_lo", "acc_hi"} <= set(grp.columns) and grp[["acc_lo", "acc_hi"]].notna().all().all():
        yerr = [(grp["accuracy"] - grp["acc_lo"]).clip(lower=0), (grp["acc_hi"] - grp["accuracy"]).clip(lower=0)]
        ax.errorbar(grp["tps"], grp["accuracy"], yerr=yerr, capsize=2, elinewidth=0.8, **style)
    else:
        ax.plot(grp["tps"], grp["accuracy"], **style)


def _colors(strategies):
    cmap = plt.get_cmap("tab10" if len(strategies) <= 10 else "tab20")
    return {s: cmap(i % cmap.N) for i, s in enumerate(sorted(strategies))}


def accuracy_vs_tps(table: pd.DataFrame, path: str | Path, max_tasks: int = 24) -> Path:
    """Figure 3: accuracy against tokens per step, one panel per task, one line per strategy
    (single-block configurations where a strategy has them), with 95% Wilson error bars."""
    keep = table.groupby(["strategy", "task"])["single_block"].transform("any")
    table = table[~keep | table["single_block"]]
    tasks = list(dict.fromkeys(table["task"]))[:max_tasks]
    colors = _colors(table["strategy"].unique())
    ncols = min(4, max(1, len(tasks)))
    nrows = max(1, math.ceil(len(tasks) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.6 * ncols, 2.9 * nrows), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        sub = table[table["task"] == task]
        for strategy, grp in sub.groupby("strategy"):
            _line(ax, grp, label=strategy, color=colors[strategy], **_STYLE)
        ax.set_title(task, fontsize=9)
        ax.set_xscale("log", base=2)
        ax.set_ylim(-3, 103)
        ax.grid(alpha=0.3)
        ax.set_xlabel("tokens per step", fontsize=8)
        ax.set_ylabel("accuracy (%)", fontsize=8)
    for ax in list(axes.flat)[len(tasks):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(6, max(1, len(labels))), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _save(fig, path)


def tradeoff(curves: pd.DataFrame, oracle: OraclePoint | None, path: str | Path) -> Path:
    """Figure 7: mean accuracy over tasks against mean tokens per step, per strategy, with the
    oracle point; error bars: 95% Wilson intervals over the pooled samples."""
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    colors = _colors(curves["strategy"].unique())
    for strategy, grp in curves.groupby("strategy"):
        _line(ax, grp, label=strategy, color=colors[strategy], **_STYLE)
    if oracle is not None:
        ax.scatter([oracle.tps], [oracle.accuracy], marker="*", s=220, color="black", zorder=5,
                   label=f"oracle ({oracle.strategy})")
    ax.set_xlabel("tokens per step (mean over tasks)")
    ax.set_ylabel("accuracy (%, mean over tasks)")
    ax.set_ylim(-3, 103)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def task_map_plot(tmap: pd.DataFrame, path: str | Path) -> Path:
    """Figure 6: parallelizability (x) against order preference (y), one point per task."""
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    data = tmap.dropna(subset=["parallelizability", "order_preference"])
    colors = _colors(data["category"].fillna("other").unique()) if len(data) else {}
    for category, grp in data.groupby(data["category"].fillna("other")):
        ax.scatter(grp["parallelizability"], grp["order_preference"], s=40, color=colors[category], label=category)
        for row in grp.itertuples():
            ax.annotate(row.task.split("/")[-1], (row.parallelizability, row.order_preference),
                        fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("parallelizability (score-weighted mean k)")
    ax.set_ylabel("order preference (-slope vs log2 block length)")
    if len(data):
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "not enough top-k settings for a task map", ha="center", transform=ax.transAxes)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
