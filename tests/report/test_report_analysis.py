"""Oracle analysis (App. G.2) and task characterisation (App. G.1) on constructed records."""
import math

import pytest

from parallelbench.report import (
    block_slope, centre_of_mass, config_table, load_frame, oracle_choices, oracle_point, task_map,
)
from parallelbench.report.data import avg_curves


def rec(task, index, strategy, score, nfe, M=32, category="waiting_line", **decoding):
    setting = {k: v for k, v in decoding.items() if not (k == "block_length" and v in (None, M))}
    return {
        "key": f"{task}|{index}|{strategy}|{sorted(decoding.items())}", "model": "m", "task": task,
        "category": category, "index": index, "strategy": strategy, "setting": setting,
        "label": " ".join(f"{k}={v}" for k, v in sorted(setting.items())) or "default",
        "decoding": {"strategy": strategy, **decoding}, "max_tokens": M, "score": score,
        "score_strict": score, "metrics": {"score": score}, "nfe": nfe, "tokens_per_step": M / nfe,
        "wall_time": 0.01,
    }


def test_oracle_picks_fewest_steps_at_best_score():
    # thresholds 0.5 (4 steps), 0.7 (8), 0.9 (16)
    records = []
    outcomes = {  # sample -> score per threshold
        0: {0.5: 1.0, 0.7: 1.0, 0.9: 1.0},   # best at 0.5 (fewest steps)
        1: {0.5: 0.0, 0.7: 1.0, 0.9: 1.0},   # best first reached at 0.7
        2: {0.5: 0.0, 0.7: 0.0, 0.9: 0.0},   # never solved: fewest steps among equal (0.5)
        3: {0.5: 0.0, 0.7: 0.0, 0.9: 1.0},
    }
    steps = {0.5: 4, 0.7: 8, 0.9: 16}
    for i, by_thr in outcomes.items():
        for thr, score in by_thr.items():
            records.append(rec("t/a", i, "confidence-threshold", score, steps[thr], threshold=thr))
    frame = load_frame(records)
    chosen = oracle_choices(frame).sort_values("index")
    assert list(chosen["threshold"]) == [0.5, 0.7, 0.5, 0.9]
    point = oracle_point(frame)
    assert point.accuracy == pytest.approx(75.0)
    assert point.tps == pytest.approx((8 + 4 + 8 + 2) / 4)
    assert point.samples == 4
    # the oracle beats every single threshold on accuracy at no fewer tokens per step than 0.9
    table = config_table(frame)
    assert point.accuracy >= table["accuracy"].max()
    assert oracle_point(load_frame([rec("t/a", 0, "random", 1.0, 32, k=1)])) is None


def test_oracle_averages_tasks_equally():
    records = [rec("t/a", 0, "confidence-threshold", 1.0, 4, threshold=0.5)]
    records += [rec("t/b", i, "confidence-threshold", 0.0, 16, threshold=0.5) for i in range(3)]
    point = oracle_point(load_frame(records))
    assert point.accuracy == pytest.approx(50.0)  # (100 + 0) / 2, not 25
    assert point.tps == pytest.approx((8 + 2) / 2)


def test_oracle_covers_the_curves_tasks_whatever_their_generation_length():
    # Waiting Line (M = 32) and a puzzle (M = 64), single block: one curve over both tasks, so
    # one oracle over both (it used to group by block length = M and keep one task).
    records = []
    for task, M in (("waiting_line/copy", 32), ("puzzle/sudoku_n4_12", 64)):
        for i in range(3):
            for thr, nfe in ((0.5, 4), (0.9, 16)):
                records.append(rec(task, i, "confidence-threshold", float(thr == 0.9 or i == 0), nfe, M=M,
                                   threshold=thr))
    frame = load_frame(records)
    point = oracle_point(frame)
    curves = avg_curves(config_table(frame))
    assert point.tasks == 2 == int(curves["tasks"].iloc[0]) and point.samples == 6
    assert set(point.per_task["task"]) == {"waiting_line/copy", "puzzle/sudoku_n4_12"}


def test_oracle_uses_the_curves_records_and_complete_samples():
    records = [rec("t/a", i, "confidence-threshold", 1.0, 8, threshold=thr) for i in range(2) for thr in (0.5, 0.9)]
    # sample 2 ran under one threshold only: the oracle cannot choose for it
    records.append(rec("t/a", 2, "confidence-threshold", 0.0, 8, threshold=0.5))
    # block-length grid points are not on the single-block curves: ignored
    records += [rec("t/a", i, "confidence-threshold", 0.0, 32, threshold=0.5, block_length=4) for i in range(2)]
    point = oracle_point(load_frame(records))
    assert point.samples == 2 and point.accuracy == pytest.approx(100.0)
    grid_only = [r for r in records if "block_length" in r["setting"]]
    assert oracle_point(load_frame(grid_only)).accuracy == pytest.approx(0.0)  # then the grid is the curve


def test_centre_of_mass_and_slope():
    assert centre_of_mass([1, 2, 4], [1.0, 1.0, 0.0]) == pytest.approx(1.5)
    assert centre_of_mass([1, 2, 4, 8], [1, 1, 1, 1]) == pytest.approx(3.75)
    assert math.isnan(centre_of_mass([1, 2], [0, 0]))
    assert block_slope([2, 4, 8], [1.0, 0.5, 0.0]) == pytest.approx(0.5)  # better with small blocks
    assert block_slope([2, 4, 8], [0.0, 0.5, 1.0]) == pytest.approx(-0.5)
    assert math.isnan(block_slope([4], [1.0]))


def test_task_map_from_records():
    records = []
    for strategy in ("random", "confidence-topk"):
        # task a: perfect up to k=4 (single block); order-insensitive
        for k, s in ((1, 1.0), (2, 1.0), (4, 1.0), (8, 0.0)):
            records.append(rec("t/a", 0, strategy, s, 32 // k, k=k))
            records.append(rec("t/b", 0, strategy, 1.0 if k == 1 else 0.0, 32 // k, k=k))
        for B, s in ((2, 1.0), (8, 1.0), (32, 1.0)):
            records.append(rec("t/a", 0, strategy, s, 16, k=2, block_length=B))
        for B, s in ((2, 1.0), (8, 0.5), (32, 0.0)):
            records.append(rec("t/b", 0, strategy, s, 16, k=2, block_length=B))
    # l2r is not one of the four top-k strategies and must be ignored
    records.append(rec("t/a", 0, "l2r", 0.0, 4, k=8))
    tmap = task_map(load_frame(records)).set_index("task")
    assert tmap.loc["t/a", "parallelizability"] == pytest.approx(7 / 3)
    assert tmap.loc["t/b", "parallelizability"] == pytest.approx(1.0)
    assert tmap.loc["t/a", "order_preference"] == pytest.approx(0.0)
    assert tmap.loc["t/b", "order_preference"] == pytest.approx(0.25)  # 1 -> 0 over log2 1..5
    assert tmap.loc["t/a", "strategies"] == "confidence-topk,random"


def test_text_writing_accuracy_is_grammar():
    r = rec("words_to_sentence/easy", 0, "random", 0.0, 32, M=64, category="text_writing", k=2)
    r["metrics"] = {"score": 0.0, "grammar_score": 1.0, "inclusion_score": 0.0}
    assert load_frame([r])["accuracy"].iloc[0] == 1.0
