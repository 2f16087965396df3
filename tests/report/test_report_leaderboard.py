"""The leaderboard rule (SPEC 8.2) on constructed curves that must give published values."""
import json

import pandas as pd
import pytest

from parallelbench.errors import DataError
from parallelbench.report import (
    avg_points, export_leaderboard, headline, leaderboard_task_id, read_strategy_csv,
    strategy_csv, threshold_tps,
)


def crossing_curve(targets):
    """An avg curve whose linear interpolation crosses 80/75/70 % exactly at ``targets``
    (tps values), with no point lying on a threshold, so interpolation is really exercised:
    each threshold gets a segment from (t - w, thr + 1) to (t + 3w, thr - 3), which crosses thr
    a quarter of the way along, i.e. at t."""
    gaps = [b - a for a, b in zip(targets, targets[1:])]
    w = min(gaps + [1.0]) / 5
    pts = [(1.0, 90.0)]
    for thr, t in zip((80, 75, 70), targets):
        pts += [(t - w, thr + 1.0), (t + 3 * w, thr - 3.0)]
    return pts


def _write_curve(tmp_path, name, points, tasks=("waitingline-copy", "puzzles-sudoku")):
    """A leaderboard CSV whose avg rows are ``points`` and whose task rows average to them."""
    rows = []
    for tps, acc in points:
        # two tasks at acc +/- d average to acc
        d = min(acc, 100 - acc, 5.0)
        rows += [(tasks[0], tps, acc + d), (tasks[1], tps, acc - d)]
    rows += [("avg", tps, acc) for tps, acc in points]
    path = tmp_path / f"{name}.csv"
    pd.DataFrame(rows, columns=["task", "tps", "accuracy"]).to_csv(path, index=False)
    return path


# Published values (SPEC 8.2 table): model, strategy, (80, 75, 70)
ADAPTIVE = [
    ("llada15", "wino", (5.9163, 6.3981, 6.9303)),
    ("llada15", "confidence-threshold", (4.0874, 4.8240, 5.4176)),
    ("dream", "confidence-factor", (5.1706, 6.4845, 7.3758)),
    ("llada15", "slowfast", (4.2398, 4.5373, 4.7967)),
]


@pytest.mark.parametrize("model, strategy, published", ADAPTIVE)
def test_adaptive_interpolation_reproduces_published(tmp_path, model, strategy, published):
    path = _write_curve(tmp_path, strategy, crossing_curve(published))
    points = avg_points(read_strategy_csv(path))
    got = headline({strategy: points})
    assert got["thresholds"] == [80, 75, 70]
    assert [got["results"][strategy][str(t)] for t in (80, 75, 70)] == pytest.approx(list(published), abs=1e-4)


def test_adaptive_rule_details():
    # never reaching the threshold -> 0 (llada10 confidence-factor at 80 %: 0)
    assert threshold_tps([(1, 79.0), (4, 60.0)], 80, adaptive=True) == 0
    # every point above: the last tps, no extrapolation (klass: 3.2503 at all thresholds)
    pts = [(1.0, 90.0), (2.0, 88.0), (3.2503, 86.0)]
    assert [threshold_tps(pts, t, True) for t in (80, 75, 70)] == [3.2503] * 3
    # a single first point above the threshold counts itself
    assert threshold_tps([(1.8348, 71.0), (3.0, 40.0)], 80, True) == 0
    assert threshold_tps([(1.8348, 70.0)], 70, True) == 1.8348
    # equal tps: the higher accuracy is kept
    assert threshold_tps([(2.0, 50.0), (2.0, 90.0), (4.0, 70.0)], 80, True) == pytest.approx(3.0)
    # a later recovery above the threshold wins (max over candidates)
    dip = [(1, 90.0), (2, 60.0), (3, 85.0), (5, 75.0)]
    assert threshold_tps(dip, 80, True) == pytest.approx(4.0)
    # unsorted input is sorted by tps first
    assert threshold_tps(list(reversed(dip)), 80, True) == pytest.approx(4.0)


def test_fixed_k_rule_reproduces_published():
    # llada15 confidence-topk: 1 / 1 / 2
    curve = [(1, 82.0), (2, 72.0), (4, 40.0), (8, 10.0), (16, 1.0), (32, 0.0)]
    assert headline({"confidence-topk": curve})["results"]["confidence-topk"] == {"80": 1, "75": 1, "70": 2}
    # dream random: 0 / 2 / 4 (not monotone in k: the largest tps meeting the threshold wins)
    curve = [(1, 79.0), (2, 76.0), (4, 71.0), (8, 30.0)]
    assert headline({"random": curve})["results"]["random"] == {"80": 0, "75": 2, "70": 4}
    # no interpolation for fixed-k strategies even where the curve crosses between points
    assert threshold_tps([(1, 90.0), (2, 60.0)], 80, adaptive=False) == 1


def test_task_ids():
    assert leaderboard_task_id("waiting_line/copy") == "waitingline-copy"
    assert leaderboard_task_id("waiting_line/insert_random") == "waitingline-insert_random"
    assert leaderboard_task_id("paraphrase_summarize/samsum") == "textwriting-summarization"
    assert leaderboard_task_id("paraphrase_summarize/chatgpt-paraphrases") == "textwriting-paraphrasing"
    assert leaderboard_task_id("words_to_sentence/medium") == "textwriting-w2s_medium"
    assert leaderboard_task_id("puzzle/sudoku_n4_12") == "puzzles-sudoku"
    assert leaderboard_task_id("puzzle/latin_square_n4") == "puzzles-latin_square"
    for other in ("waiting_line_n15/copy", "list_ops/copy", "words_to_sentence/easy_n3", "waiting_line/bogus"):
        assert leaderboard_task_id(other) is None


def _table():
    rows = []
    for label, tps_shift in (("k=1", 0), ("k=2", 1)):
        for task, acc in (("waiting_line/copy", 100.0 - 10 * tps_shift), ("puzzle/sudoku_n4_12", 80.0 - 30 * tps_shift),
                          ("list_ops/copy", 5.0)):
            rows.append({"model": "m", "strategy": "confidence-topk", "label": label, "task": task,
                         "tps": 1.0 + tps_shift, "accuracy": acc, "single_block": True})
    return pd.DataFrame(rows)


def test_strategy_csv_format_and_avg_rows(tmp_path):
    frame = strategy_csv(_table(), "confidence-topk")
    assert list(frame.columns) == ["task", "tps", "accuracy"]
    # As the published files: task ids in alphabetical order, then the avg rows.
    assert list(frame["task"]) == ["puzzles-sudoku"] * 2 + ["waitingline-copy"] * 2 + ["avg"] * 2
    avg = frame[frame["task"] == "avg"]
    assert list(avg["accuracy"]) == [90.0, 70.0]  # list_ops/copy is not a leaderboard task
    written = export_leaderboard(_table(), tmp_path, "m")
    names = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert names == ["figures/m/confidence-topk.csv", "leaderboard/m.json"]
    data = json.loads((tmp_path / "leaderboard" / "m.json").read_text())
    assert data == {"thresholds": [80, 75, 70], "results": {"confidence-topk": {"80": 1.0, "75": 1.0, "70": 2.0}}}
    assert avg_points(read_strategy_csv(tmp_path / "figures/m/confidence-topk.csv")) == [(1.0, 90.0), (2.0, 70.0)]


def test_bad_csv(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="header"):
        read_strategy_csv(bad)
