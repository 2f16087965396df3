"""Reading lm-eval result folders into our store (the reference's layout and lm-eval's own) and
writing ours back in lm-eval's layout."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("lm_eval")

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reference_layout import write_reference_run  # noqa: E402

from parallelbench.cli import main  # noqa: E402
from parallelbench.lmeval.io_read import import_results, read_results  # noqa: E402
from parallelbench.lmeval.io_write import export_lm_eval  # noqa: E402
from parallelbench.report import build_report  # noqa: E402
from parallelbench.runner import StrategyGrid, SweepSpec, run_sweep  # noqa: E402
from parallelbench.runner.store import ResultsStore  # noqa: E402
from parallelbench.tasks import load_task  # noqa: E402

MODEL = "GSAI-ML/LLaDA-1.5"


def _samples(task, n, right, nfe=None):
    """``n`` samples of one of our tasks; the first ``right`` answered correctly; NFE ``nfe``
    (fixed-k runs) or 4 + index."""
    t = load_task(task)
    out = []
    for i in range(n):
        s = t[i]
        out.append({"messages": s.messages, "label": s.label, "score": 1.0 if i < right else 0.0,
                    "output": s.reference if i < right else "nope", "nfe": nfe or 4 + i})
    return out


def _reference_results(root: Path) -> None:
    tasks = {"parallelbench_waiting_line_copy": ("waiting_line/copy", 32),
             "parallelbench_puzzles_sudoku_n4": ("puzzle/sudoku_n4_12", 64)}  # a legacy name
    mt = {k: m for k, (_, m) in tasks.items()}
    for thr, right in ((0.9, 4), (0.5, 2)):
        write_reference_run(root, MODEL, {"unmasking": "confidence_threshold", "alg_threshold": thr},
                            "20260319_143052_all", {k: _samples(t, 4, right) for k, (t, _) in tasks.items()}, mt)
    for k in (1, 4):
        write_reference_run(root, MODEL, {"k": k, "unmasking": "left_to_right"}, "20260320_101010_all",
                            {k2: _samples(t, 4, 4 if k == 1 else 1, mt[k2] // k) for k2, (t, _) in tasks.items()}, mt)
    # An older run of the same configuration: the newest run folder wins.
    write_reference_run(root, MODEL, {"k": 1, "unmasking": "left_to_right"}, "20250101_000000_all",
                        {k2: _samples(t, 4, 0, mt[k2]) for k2, (t, _) in tasks.items()}, mt)


def test_reference_layout_import_and_report(tmp_path):
    _reference_results(tmp_path / "results")
    assert (tmp_path / "results/GSAI-ML__LLaDA-1.5/confidence_threshold/t0.9/20260319_143052_all/"
            "results_parallelbench.json").is_file()
    read, written, files = import_results(tmp_path / "results", tmp_path / "store")
    assert len(files) == 5 and read == 5 * 8 and written == 4 * 8  # the old duplicate run is skipped
    records = ResultsStore(tmp_path / "store").open(write=False).records()
    by = {(r["task"], r["strategy"], r["label"], r["index"]): r for r in records}
    rec = by[("waiting_line/copy", "confidence-threshold", "thr=0.9", 2)]
    assert rec["model"] == MODEL and rec["category"] == "waiting_line" and rec["op"] == "copy"
    assert rec["score"] == 1.0 and rec["nfe"] == 6.0 and rec["tokens_per_step"] == pytest.approx(32 / 6)
    assert rec["setting"] == {"threshold": 0.9} and rec["max_tokens"] == 32
    assert rec["metrics"]["dec_order_kendall"] == 0.5 and "nfe" not in rec["metrics"]
    assert rec["output"] == load_task("waiting_line/copy")[2].reference
    assert by[("puzzle/sudoku_n4_12", "l2r", "k=4", 0)]["score"] == 1.0
    assert by[("puzzle/sudoku_n4_12", "l2r", "k=1", 0)]["score"] == 1.0  # from the newest run
    # The report and the leaderboard files work on it.
    paths = build_report(tmp_path / "store", tmp_path / "report")
    names = {p.relative_to(tmp_path / "report").as_posix() for p in paths}
    assert "leaderboard_files/figures/GSAI-ML_LLaDA-1.5/confidence-threshold.csv" in names
    board = json.loads((tmp_path / "report/leaderboard_files/leaderboard/GSAI-ML_LLaDA-1.5.json").read_text())
    assert board["results"]["l2r"] == {"80": 1.0, "75": 1.0, "70": 1.0}  # k=1 at 100 %, k=4 at 25 %
    report = (tmp_path / "report/report.md").read_text()
    assert "ParallelBench report" in report
    # Nobody recorded how the imported run was made: its comparability is unknown, and says why.
    assert "Comparable with the paper: unknown\n- imported lm-eval results" in report
    assert "| data | not recorded |" in report and "| imports | 32 new records from" in report
    # Importing again adds nothing.
    assert import_results(tmp_path / "results", tmp_path / "store")[1] == 0


def _our_run(tmp_path):
    spec = SweepSpec(model="ideal", tasks=["waiting_line/reverse", "puzzle/latin_square_n4"],
                     strategies=[StrategyGrid(["confidence-topk"], {"k": [1, 2]}),
                                 StrategyGrid(["confidence-threshold"], {"threshold": [0.8]})], limit=3)
    run_sweep(spec, tmp_path / "run", progress=False)
    return ResultsStore(tmp_path / "run").open(write=False).records()


@pytest.mark.parametrize("layout", ["lm-eval", "reference"])
def test_export_import_round_trip(tmp_path, layout):
    ours = _our_run(tmp_path)
    files = export_lm_eval(tmp_path / "run", tmp_path / "out", layout=layout)
    assert len(files) == 3  # one results file per configuration
    if layout == "lm-eval":
        assert all(f.parent == tmp_path / "out/ideal" and f.name.startswith("results_") for f in files)
        stamp = files[0].stem[len("results_"):]
        assert (files[0].parent / f"samples_parallelbench_waiting_line_reverse_{stamp}.jsonl").is_file()
    else:
        assert {f.relative_to(tmp_path / "out").parts[1:3] for f in files} == {
            ("confidence_topk", "k1"), ("confidence_topk", "k2"), ("confidence_threshold", "t0.8")}
        data = json.loads([f for f in files if "t0.8" in str(f)][0].read_text())
        assert data["config"]["gen_kwargs"] == {"unmasking": "confidence_threshold", "alg_threshold": 0.8,
                                                "temperature": 0.0}
    data = json.loads(files[0].read_text())
    assert data["config"]["model"] == "parallelbench" and data["config"]["model_args"].startswith("model=ideal,")
    task = data["results"]["parallelbench_waiting_line_reverse"]
    assert {"score,none", "score_strict,none", "nfe,none", "tokens_per_step,none"} <= set(task)
    back, _ = read_results(tmp_path / "out")
    assert sorted(back, key=lambda r: r["key"]) == sorted(ours, key=lambda r: r["key"])


def test_lm_eval_layout_without_our_blocks(tmp_path):
    """A plain lm-eval folder (no parallelbench blocks): records are rebuilt from the fields."""
    ours = _our_run(tmp_path)
    export_lm_eval(tmp_path / "run", tmp_path / "out")
    for path in (tmp_path / "out/ideal").glob("samples_*.jsonl"):
        rows = [json.loads(x) for x in path.read_text().splitlines()]
        for row in rows:
            row.pop("parallelbench")
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    back, _ = read_results(tmp_path / "out")
    key = {(r["task"], r["strategy"], r["label"], r["index"]): r for r in ours}
    assert len(back) == len(ours)
    for rec in back:
        mine = key[(rec["task"], rec["strategy"], rec["label"], rec["index"])]
        for field in ("score", "score_strict", "nfe", "tokens_per_step", "order", "output", "setting",
                      "max_tokens", "category", "op", "model"):
            assert rec[field] == mine[field], field


def test_cli_import_export_and_errors(tmp_path, capsys):
    _reference_results(tmp_path / "results")
    assert main(["import", str(tmp_path / "results"), "--out", str(tmp_path / "store")]) == 0
    out = capsys.readouterr().out
    assert "5 results files, 40 samples read, 32 new records" in out and "thr=0.9" in out
    assert main(["results", str(tmp_path / "store")]) == 0
    assert main(["export", str(tmp_path / "store"), "--format", "lm-eval", "--out", str(tmp_path / "lm")]) == 0
    assert main(["export", str(tmp_path / "store"), "--format", "leaderboard", "--out", str(tmp_path / "site"),
                 "--model-id", "llada15-mine", "--display-name", "LLaDA 1.5 (ours)", "--family", "llada"]) == 0
    meta = json.loads((tmp_path / "site/data/metadata.json").read_text())
    assert meta["models"][0]["id"] == "llada15-mine"
    assert (tmp_path / "site/data/figures/llada15-mine/l2r.csv").is_file()
    capsys.readouterr()
    # Missing samples file, missing folder: one line, exit code 2.
    (next((tmp_path / "results").rglob("samples_parallelbench_puzzles_sudoku_n4.jsonl"))).unlink()
    assert main(["import", str(tmp_path / "results"), "--out", str(tmp_path / "s2")]) == 2
    assert "--log_samples" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "nowhere"), "--out", str(tmp_path / "s3")]) == 2
    assert "not found" in capsys.readouterr().err
