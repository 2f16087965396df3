"""``parallelbench demo --model learned`` end to end with a tiny recipe (seconds, not minutes)."""
from __future__ import annotations

import pytest

from parallelbench.cli import main
from parallelbench.learned import Recipe
from parallelbench.learned import demo as learned_demo

TINY = Recipe(ops=("copy", "shuffle"), lengths=(4,), samples=200, gen_length=12, dim=32,
              layers=1, heads=2, mlp=64, steps=30, batch_size=16, lr=3e-3, threads=1)


@pytest.fixture()
def tiny(monkeypatch, tmp_path):
    monkeypatch.setenv("PARALLELBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(learned_demo, "DEMO_RECIPE", TINY)
    return tmp_path


def test_demo_sweeps_and_sets_the_learned_model_next_to_the_ideal(tiny, capsys):
    assert main(["demo", "--model", "learned", "--out", str(tiny / "demo"), "--limit", "3",
                 "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "Learned model:" in printed and "The paper's pattern" in printed
    html = (tiny / "demo" / "report" / "report.html").read_text()
    assert "Learned vs ideal model" in html and "ideal %" in html
    result = learned_demo.run_learned_demo(tiny / "demo", limit=3, progress=False)
    table = result["table"]
    assert set(table["task"]) == {"list_ops/copy_n4", "list_ops/shuffle_n4"}
    assert set(table["k"]) == {"1", "2", "4", "all"}
    assert set(table["strategy"]) == {"random", "confidence-topk"}
    ideal = table.set_index(["task", "strategy", "k"])["ideal %"]
    assert ideal[("list_ops/copy_n4", "confidence-topk", "all")] == 100.0
    assert ideal[("list_ops/shuffle_n4", "confidence-topk", "1")] == 100.0
    assert ideal[("list_ops/shuffle_n4", "confidence-topk", "all")] < 20.0
    assert (table["ideal method"] == "exact").all()
    # the second run reused the cached model and the stored records
    assert result["manifest"]["steps"] == 30
