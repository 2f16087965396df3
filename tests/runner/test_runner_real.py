"""Real small sweeps: ``mock:reference`` and ``ideal`` through the real tasks, sampler and
metrics; the Ray executor against the local one; the demo."""
import pytest

from parallelbench.runner import (
    ResultsStore, TIMING_FIELDS, run_sweep, spec_from_dict,
)


def _records(path):
    rows = ResultsStore(path).open(write=False).records()
    return {r["key"]: {k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in rows}


def test_mock_reference_scores_everything(tmp_path):
    spec = spec_from_dict({
        "model": "mock:reference", "tasks": ["waiting_line/copy", "waiting_line/shuffle", "puzzle/*"],
        "limit": 3, "strategies": [{"strategy": "confidence-topk", "k": [1, 4]}],
    })
    outcome = run_sweep(spec, tmp_path / "r", progress=False)
    assert outcome.failed == 0 and outcome.written == 4 * 2 * 3
    assert (outcome.summary["score"] == 100.0).all()
    assert set(outcome.summary["task"]) == {"waiting_line/copy", "waiting_line/shuffle",
                                            "puzzle/latin_square_n4", "puzzle/sudoku_n4_12"}


def test_mock_failures_are_recorded(tmp_path):
    spec = spec_from_dict({"model": "mock:fail-every-2", "tasks": ["waiting_line/copy"], "limit": 4,
                           "strategies": [{"strategy": "random", "k": [1]}]})
    outcome = run_sweep(spec, tmp_path / "r", progress=False)
    assert outcome.failed == 2 and outcome.written == 2
    errors = ResultsStore(tmp_path / "r").open(write=False).errors()
    assert sorted(e["index"] for e in errors) == [1, 3]


def _ideal_spec(**over):
    data = {
        "model": "ideal", "tasks": ["waiting_line/copy", "waiting_line/shuffle"], "limit": 4, "batch_size": 3,
        "strategies": [{"strategy": ["random", "confidence-topk"], "k": [1, 2, "all"]},
                       {"strategy": "confidence-threshold", "threshold": [0.5, 0.9]}],
    }
    data.update(over)
    return spec_from_dict(data)


def test_ideal_sweep(tmp_path):
    outcome = run_sweep(_ideal_spec(), tmp_path / "r", progress=False)
    assert outcome.failed == 0 and outcome.written == 2 * 8 * 4
    t = outcome.summary.set_index(["task", "strategy", "label"])
    # one item per step is always right for the ideal model; copy is right at any k
    assert t.loc[("waiting_line/shuffle", "random", "k=1"), "score"] == 100.0
    assert t.loc[("waiting_line/copy", "confidence-topk", "k=all"), "score"] == 100.0
    assert (t.xs("k=1", level="label")["tokens_per_step"] == 1.0).all()
    assert t.loc[("waiting_line/copy", "random", "k=all"), "tokens_per_step"] > 2.0
    # shuffle decoded all at once by the ideal model fails on most samples (paper Sec. 4)
    assert t.loc[("waiting_line/shuffle", "confidence-topk", "k=all"), "score"] < 100.0
    again = run_sweep(_ideal_spec(), tmp_path / "r", progress=False)
    assert again.written == 0 and _records(tmp_path / "r")


def test_ray_executor_matches_local(tmp_path):
    ray = pytest.importorskip("ray")
    spec = _ideal_spec(limit=3, strategies=[{"strategy": ["random", "confidence-topk"], "k": [1, 2]}])
    run_sweep(spec, tmp_path / "local", progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        outcome = run_sweep(spec, tmp_path / "ray", executor="ray", progress=False)
    finally:
        ray.shutdown()
    assert outcome.written == 2 * 4 * 3 and outcome.failed == 0
    local, remote = _records(tmp_path / "local"), _records(tmp_path / "ray")
    assert len(local) == 24 and local == remote


def test_demo_runs_and_reports(tmp_path, capsys):
    from parallelbench.runner.demo import run_demo
    result = run_demo(tmp_path, limit=2, progress=False)
    out = capsys.readouterr().out
    assert "Accuracy (%) per task" in out and "tokens_per_step" in out
    overall = result["overall"].set_index(["strategy", "label"])
    assert set(overall.index.get_level_values(0)) == {"random", "l2r", "confidence-topk", "confidence-threshold"}
    assert (overall.xs("k=1", level="label")["accuracy"] == 100.0).all()
    assert result["report"].is_file() and (tmp_path / "report" / "tradeoff.png").is_file()
    assert overall["tasks"].max() == 16  # 10 waiting-line ops + 4 list ops + latin square + sudoku


def test_demo_task_map_is_not_empty(tmp_path):
    """Issue 13 item 15: the demo's report has a task map (paper Figure 6) with both axes."""
    from parallelbench.report import load_frame, task_map

    from parallelbench.runner.demo import run_demo
    run_demo(tmp_path, limit=2, progress=False)
    tmap = task_map(load_frame(tmp_path / "results")).dropna(subset=["parallelizability", "order_preference"])
    assert {"list_ops/shuffle", "puzzle/latin_square_n4", "puzzle/sudoku_n4_12"} <= set(tmap["task"])
    assert "not enough top-k settings" not in (tmp_path / "report" / "report.md").read_text()
