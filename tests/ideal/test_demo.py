"""``parallelbench.ideal.demo.run_demo``: rows, values that must hold, and the printed table."""
from __future__ import annotations

from parallelbench.ideal.demo import demo_configs, demo_tasks, run_demo


def test_demo_tasks_are_every_enumerable_task():
    tasks = demo_tasks()
    assert len([t for t in tasks if t.startswith("waiting_line/")]) == 10
    assert len([t for t in tasks if t.startswith("list_ops/")]) == 4
    assert "puzzle/latin_square_n4" in tasks and "puzzle/sudoku_n4_12" in tasks
    assert not any(t.startswith(("words_to_sentence", "paraphrase")) for t in tasks)


def test_run_demo_rows_and_table(capsys):
    tasks = ["waiting_line/copy", "list_ops/shuffle", "waiting_line/replace_random"]
    rows = run_demo(tasks=tasks, per_length=1, seed=3)
    out = capsys.readouterr().out
    assert len(rows) == len(tasks) * len(demo_configs()) == len(tasks) * 15
    for r in rows:
        assert {"task", "strategy", "k", "accuracy", "tokens_per_step"} <= set(r)
        assert 0.0 <= r["accuracy"] <= 100.0 and r["tokens_per_step"] >= 1.0
        if r["k"] == 1 or r["task"] == "waiting_line/copy":
            assert r["accuracy"] == 100.0  # one item per step, or a deterministic target
        if r["k"] == 1:
            assert r["tokens_per_step"] == 1.0
        if r["k"] == "all" and r["task"] != "waiting_line/copy":
            assert r["accuracy"] == 0.0  # one greedy step cannot produce a valid shuffle/replacement
    # Replace Random at n = 3..6 under threshold 0.9 (> (n-1)/n) is sequential, hence right.
    thr = [r for r in rows if r["task"] == "waiting_line/replace_random" and r["k"] == "thr 0.9"]
    assert thr[0]["accuracy"] == 100.0
    assert "mean tokens/step" in out and "list_ops/shuffle" in out and "thr 0.9" in out
    again = run_demo(tasks=["waiting_line/replace_random"], per_length=1, seed=3, show=False)
    assert again == [r for r in rows if r["task"] == "waiting_line/replace_random"]  # deterministic
