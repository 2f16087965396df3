"""Sweep expansion, validation, running, resuming and summaries (fake task and model)."""
import json

import pytest

from parallelbench.errors import ConfigError, ParallelBenchError
from parallelbench.runner import (
    ResultsStore, expand_units, load_spec, run_sweep, spec_from_dict, summary_frame,
)
from runner_fakes import fake_source


def test_expand_counts_and_labels(fake_spec):
    spec, source = fake_spec()
    units = expand_units(spec, source)
    # 2 fake tasks x (3 k values + 2 thresholds)
    assert len(units) == 10
    labels = sorted({u.label for u in units})
    assert labels == ["k=1", "k=2", "k=4", "thr=0.5", "thr=0.9"]
    assert len({u.key for u in units}) == 10
    assert all(u.num_samples == 4 for u in units)


def test_paper_grid_counts_match_spec(fake_spec):
    """SPEC 7.4: top-k over B in pow2 x k in pow2 with k <= B gives 21 combos for M=32 and
    28 for M=64; threshold x B gives 6 x 6 (M=32)."""
    for M, expected in ((32, 21), (64, 28)):
        spec, source = fake_spec(max_tokens=M, tasks=["fake/copy"], strategies=[
            {"strategy": "random", "k": "pow2", "block_length": "pow2"}])
        assert len(expand_units(spec, source)) == expected
    spec, source = fake_spec(max_tokens=32, tasks=["fake/copy"], strategies=[
        {"strategy": "confidence-threshold", "threshold": [0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
         "block_length": "pow2"}])
    units = expand_units(spec, source)
    assert len(units) == 36
    # a single block over the whole generation is the unlabelled default
    assert sum("B=" not in u.label for u in units) == 6


def test_same_config_same_keys(fake_spec):
    a = [u.key for u in expand_units(*fake_spec())]
    b = [u.key for u in expand_units(*fake_spec())]
    c = [u.key for u in expand_units(*fake_spec(seed=7))]
    assert a == b and set(a).isdisjoint(c)


@pytest.mark.parametrize("over, needle", [
    ({"tasks": ["nope/*"]}, "matches no task"),
    ({"tasks": ["fake/unknown"]}, "unknown task"),
    ({"strategies": [{"strategy": "no-such-strategy", "k": [1]}]}, "unknown strategy"),
    ({"strategies": [{"strategy": "random", "threshold": [0.5], "k": [1]}]}, "does not use threshold"),
    ({"strategies": [{"strategy": "random"}]}, "needs k or steps"),
    ({"strategies": [{"strategy": "confidence-threshold", "k": [2]}]}, "takes no k/steps"),
    ({"strategies": [{"strategy": "confidence-threshold", "threshold": [1.5]}]}, "threshold"),
    ({"strategies": [{"strategy": "random", "k": [1], "block_length": [3]}]}, "multiple of block_length"),
    ({"strategies": [{"strategy": "random", "k": [8], "block_length": [2]}]}, "grid is empty"),
    ({"strategies": [{"strategy": "random", "k": [1], "bogus_param": [1]}]}, "bogus_param"),
    ({"strategies": [{"strategy": "random", "k": [1]}], "colour": "red"}, "unknown key"),
])
def test_bad_configs_fail_before_work(fake_spec, tmp_path, over, needle):
    with pytest.raises(ConfigError, match=needle):
        spec, source = fake_spec(**over)
        run_sweep(spec, tmp_path / "out", source=source, progress=False)
    assert not (tmp_path / "out").exists()


def test_run_writes_records_and_resumes(fake_spec, tmp_path):
    spec, source = fake_spec()
    out = tmp_path / "res"
    first = run_sweep(spec, out, source=source, progress=False)
    assert (first.units, first.samples, first.written, first.skipped) == (10, 40, 40, 0)
    lines = (out / "records.jsonl").read_text().splitlines()
    assert len(lines) == 40
    rec = json.loads(lines[0])
    for field in ("task", "index", "strategy", "setting", "decoding", "prompt_hash", "output",
                  "metrics", "score", "nfe", "tokens_per_step", "order", "wall_time", "seed"):
        assert field in rec
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["model"] == "fake-runner"
    assert manifest["model"]["info"] == {"backend": "fake-runner", "version": "1"}
    assert manifest["backends"] == {"grammar_backend": ["none"]}
    assert "parallelbench" in manifest["versions"] and manifest["seeds"]["base"] == 42
    assert (out / "records.csv").exists()
    # second run: nothing to do, nothing duplicated
    again = run_sweep(spec, out, source=source, progress=False)
    assert (again.written, again.skipped) == (0, 40)
    assert len((out / "records.jsonl").read_text().splitlines()) == 40
    # a bigger limit only runs the new samples
    spec2, source2 = fake_spec(limit=6)
    more = run_sweep(spec2, out, source=source2, progress=False)
    assert (more.written, more.skipped) == (20, 40)
    assert len(manifest["history"]) == 1 and len(json.loads((out / "manifest.json").read_text())["history"]) == 3


def test_summary_values(fake_spec, tmp_path):
    spec, source = fake_spec()
    outcome = run_sweep(spec, tmp_path / "r", source=source, progress=False)
    table = outcome.summary.set_index(["task", "label"])
    assert table.loc[("fake/copy", "k=1"), "score"] == 100.0
    assert table.loc[("fake/copy", "k=4"), "score"] == 0.0
    assert table.loc[("fake/copy", "k=4"), "tokens_per_step"] == 4.0
    assert table.loc[("fake/copy", "thr=0.5"), "score"] == 0.0
    assert table.loc[("fake/reverse", "thr=0.9"), "score"] == 100.0
    assert table.loc[("fake/copy", "k=2"), "nfe"] == 4.0
    assert (table["n"] == 4).all()


def test_model_error_recorded_and_run_continues(fake_spec, tmp_path):
    spec, source = fake_spec(model_options={"fail": [1]}, tasks=["fake/copy"])
    out = tmp_path / "r"
    outcome = run_sweep(spec, out, source=source, progress=False)
    assert outcome.failed == 5 and outcome.written == 15
    errs = ResultsStore(out).open(write=False).errors()
    assert len(errs) == 5 and all("boom on sample 1" in e["error"] for e in errs)
    table = summary_frame(ResultsStore(out).open(write=False).records(), errs)
    assert (table["errors"] == 1).all() and (table["n"] == 3).all()


def test_fail_fast_stops(fake_spec, tmp_path):
    from parallelbench.runner import RunAborted
    spec, source = fake_spec(model_options={"fail": [1]}, tasks=["fake/copy"])
    with pytest.raises(RunAborted, match="fake/copy sample 1"):
        run_sweep(spec, tmp_path / "r", source=source, progress=False, fail_fast=True)


def test_batch_failure_falls_back_to_single_samples(fake_spec, tmp_path):
    spec, source = fake_spec(model_options={"fail_batch": True}, tasks=["fake/copy"])
    outcome = run_sweep(spec, tmp_path / "r", source=source, progress=False)
    assert outcome.failed == 0 and outcome.written == 20


def test_batching_does_not_change_records(fake_spec, tmp_path):
    from parallelbench.runner import TIMING_FIELDS
    recs = []
    for bs in (1, 4):
        spec, source = fake_spec(batch_size=bs)
        run_sweep(spec, tmp_path / f"b{bs}", source=source, progress=False)
        rows = ResultsStore(tmp_path / f"b{bs}").open(write=False).records()
        recs.append({r["key"]: {k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in rows})
    assert recs[0] == recs[1]


def test_yaml_config_roundtrip(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("model: fake-runner\ntasks: [fake/copy]\nlimit: 2\nstrategies:\n"
                    "  - strategy: [random, l2r]\n    k: [1, all]\n")
    spec = load_spec(path)
    units = expand_units(spec, fake_source(spec))
    assert sorted(u.label for u in units) == ["k=1", "k=1", "k=all", "k=all"]
    assert {u.decoding["k"] for u in units} == {1, 8}
    with pytest.raises(ParallelBenchError, match="not found"):
        load_spec(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(ParallelBenchError, match="malformed YAML"):
        load_spec(bad)


def test_store_lock_and_missing_dir(tmp_path):
    from parallelbench.errors import DataError, ParallelBenchError
    a = ResultsStore(tmp_path / "x").open()
    with pytest.raises(ParallelBenchError, match="another run"):
        ResultsStore(tmp_path / "x").open()
    a.close()
    ResultsStore(tmp_path / "x").open().close()
    with pytest.raises(DataError, match="not a results directory"):
        ResultsStore(tmp_path / "nothing").open(write=False)


def test_spec_from_dict_types():
    with pytest.raises(ConfigError, match="missing 'strategies'"):
        spec_from_dict({"model": "m", "tasks": ["a"]})
    with pytest.raises(ConfigError, match="limit must be an integer"):
        spec_from_dict({"model": "m", "tasks": ["a"], "limit": "many", "strategies": [{"strategy": "random"}]})


def test_secrets_not_in_manifest_or_records(fake_spec, tmp_path):
    spec, source = fake_spec(model_options={"api_key": "sk-very-secret", "api_key_env": "MY_KEY"},
                             tasks=["fake/copy"], limit=1)
    run_sweep(spec, tmp_path / "r", source=source, progress=False)
    for name in ("manifest.json", "records.jsonl", "records.csv"):
        assert "sk-very-secret" not in (tmp_path / "r" / name).read_text()
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["config"]["model_options"] == {"api_key": "***", "api_key_env": "MY_KEY"}


def test_ray_missing_fails_before_work(fake_spec, tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "ray", None)
    spec, source = fake_spec()
    with pytest.raises(ConfigError, match="needs the ray package"):
        run_sweep(spec, tmp_path / "r", source=source, executor="ray", progress=False)
    assert not (tmp_path / "r").exists()
    with pytest.raises(ConfigError, match="unknown executor"):
        run_sweep(spec, tmp_path / "r", source=source, executor="slurm", progress=False)


def test_progress_bars_on_stderr(fake_spec, tmp_path, capsys):
    spec, source = fake_spec(tasks=["fake/copy"])
    run_sweep(spec, tmp_path / "r", source=source, progress=True)
    err = capsys.readouterr().err
    assert "units" in err and "samples" in err and "20/20" in err
