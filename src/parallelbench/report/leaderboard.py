"""The public leaderboard's headline metric and file formats (SPEC 8.2; docs/leaderboard.md).

Headline: for each strategy, the tokens per step at which the mean accuracy over the
leaderboard's tasks (the ``avg`` curve) still reaches 80, 75 and 70 %:

* fixed-k strategies: the largest tps among avg points with accuracy >= threshold (0 if none);
* adaptive strategies: linear interpolation along the avg curve sorted by tps (the crossing
  point between a point above and the next below), never extrapolated (0 if no point reaches it).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

from ..errors import DataError

THRESHOLDS = (80, 75, 70)
FIXED_K_STRATEGIES = frozenset({"random", "l2r", "confidence-topk", "entropy-topk", "topk-margin"})
LEADERBOARD_TASKS = (
    "waitingline-copy", "waitingline-reverse", "waitingline-shuffle", "waitingline-sort",
    "waitingline-insert_index", "waitingline-insert_random", "waitingline-remove_index",
    "waitingline-remove_random", "waitingline-replace_index", "waitingline-replace_random",
    "textwriting-summarization", "textwriting-paraphrasing", "textwriting-w2s_easy",
    "textwriting-w2s_medium", "textwriting-w2s_hard", "puzzles-sudoku", "puzzles-latin_square",
)
_SPECIAL = {
    "paraphrase_summarize/samsum": "textwriting-summarization",
    "paraphrase_summarize/chatgpt-paraphrases": "textwriting-paraphrasing",
    "puzzle/sudoku_n4_12": "puzzles-sudoku",
    "puzzle/latin_square_n4": "puzzles-latin_square",
}


def leaderboard_task_id(task: str) -> str | None:
    """The leaderboard id of one of the 17 benchmark tasks (``waiting_line/copy`` ->
    ``waitingline-copy``); ``None`` for tasks outside the leaderboard (n15, list_ops, ...)."""
    if task in _SPECIAL:
        return _SPECIAL[task]
    m = re.fullmatch(r"waiting_line/(\w+)", task)
    if m and f"waitingline-{m.group(1)}" in LEADERBOARD_TASKS:
        return f"waitingline-{m.group(1)}"
    m = re.fullmatch(r"words_to_sentence/(easy|medium|hard)", task)
    return f"textwriting-w2s_{m.group(1)}" if m else None


def is_adaptive(strategy: str) -> bool:
    return strategy not in FIXED_K_STRATEGIES


def _clean(points: Iterable[Sequence[float]]) -> list[tuple[float, float]]:
    """Sort by tps; for equal tps keep the higher accuracy."""
    best: dict[float, float] = {}
    for tps, acc in points:
        tps, acc = float(tps), float(acc)
        best[tps] = max(acc, best.get(tps, float("-inf")))
    return sorted(best.items())


def threshold_tps(points: Iterable[Sequence[float]], threshold: float, adaptive: bool) -> float:
    """Tokens per step at which the avg curve ``points`` [(tps, accuracy %), ...] still
    reaches ``threshold`` percent, by the leaderboard rule."""
    pts = _clean(points)
    if not adaptive:
        ok = [t for t, a in pts if a >= threshold]
        return max(ok) if ok else 0.0
    candidates = []
    if pts and pts[0][1] >= threshold:
        candidates.append(pts[0][0])
    for (t0, a0), (t1, a1) in zip(pts, pts[1:]):
        if a0 >= threshold > a1:
            candidates.append(t0 + (a0 - threshold) / (a0 - a1) * (t1 - t0))
        elif a0 >= threshold and a1 >= threshold:
            candidates.append(t1)
    return max(candidates) if candidates else 0.0


def headline(curves: dict[str, Iterable[Sequence[float]]], thresholds: Sequence[int] = THRESHOLDS) -> dict:
    """The leaderboard JSON: ``{"thresholds": [...], "results": {strategy: {"80": tps, ...}}}``."""
    results = {}
    for strategy, points in curves.items():
        pts = list(points)
        results[strategy] = {str(t): threshold_tps(pts, t, is_adaptive(strategy)) for t in thresholds}
    return {"thresholds": list(thresholds), "results": results}


def strategy_csv(table: pd.DataFrame, strategy: str) -> pd.DataFrame:
    """One strategy's curve file ``task,tps,accuracy`` from a config table (rows: strategy x
    label x task with ``tps`` and ``accuracy`` in percent). Only leaderboard tasks are kept;
    each configuration adds an ``avg`` row (mean tps and accuracy over its tasks). As in the
    published files: tasks in alphabetical order of their ids, then the ``avg`` rows, each
    task's rows sorted by tps, values at full precision."""
    sub = table[table["strategy"] == strategy].copy()
    sub["lb"] = sub["task"].map(leaderboard_task_id)
    sub = sub.dropna(subset=["lb"])
    rows = [{"task": r.lb, "tps": r.tps, "accuracy": r.accuracy, "_cfg": r.label} for r in sub.itertuples()]
    for label, grp in sub.groupby("label", sort=False):
        rows.append({"task": "avg", "tps": grp["tps"].mean(), "accuracy": grp["accuracy"].mean(), "_cfg": label})
    out = pd.DataFrame(rows, columns=["task", "tps", "accuracy", "_cfg"])
    order = {t: i for i, t in enumerate(sorted(LEADERBOARD_TASKS) + ["avg"])}
    out["_o"] = out["task"].map(order)
    out = out.sort_values(["_o", "tps"], kind="stable")
    return out[["task", "tps", "accuracy"]].astype({"tps": float, "accuracy": float}).reset_index(drop=True)


def write_strategy_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a curve file byte for byte as the published ones: CRLF line ends, floats as
    Python writes them (``1.0``, ``86.41176470588235``)."""
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)  # lineterminator \r\n
        writer.writerow(["task", "tps", "accuracy"])
        for row in frame.itertuples(index=False):
            writer.writerow([row.task, float(row.tps), float(row.accuracy)])
    return path


def write_headline(payload: dict, path: str | Path) -> Path:
    """Write a leaderboard JSON as the published ones (indent 2, no final newline)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return path


def read_strategy_csv(path: str | Path) -> pd.DataFrame:
    """Read a leaderboard curve file; checks its header."""
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read leaderboard CSV {str(path)!r}: {exc}") from None
    if list(frame.columns) != ["task", "tps", "accuracy"]:
        raise DataError(f"{path}: header must be task,tps,accuracy, got {','.join(frame.columns)}")
    return frame


def avg_points(frame: pd.DataFrame) -> list[tuple[float, float]]:
    """The ``avg`` rows of a curve file as (tps, accuracy) points."""
    avg = frame[frame["task"] == "avg"]
    return list(zip(avg["tps"].astype(float), avg["accuracy"].astype(float)))


def export_leaderboard(table: pd.DataFrame, out_dir: str | Path, model: str) -> list[Path]:
    """Write ``figures/<model>/<strategy>.csv`` and ``leaderboard/<model>.json`` in the public
    formats; returns the files written (none when no leaderboard task is in the run)."""
    out_dir = Path(out_dir)
    written: list[Path] = []
    curves = {}
    for strategy in sorted(table["strategy"].unique()):
        frame = strategy_csv(table, strategy)
        if frame.empty:
            continue
        written.append(write_strategy_csv(frame, out_dir / "figures" / model / f"{strategy}.csv"))
        curves[strategy] = avg_points(frame)
    if curves:
        written.append(write_headline(headline(curves), out_dir / "leaderboard" / f"{model}.json"))
    return written
