"""``cache`` as a sweep setting (``--cache`` and YAML grids) and the speed fields of records:
``cache``, ``tokens_per_second``, ``device``, ``dtype``; the summary's ``tokens_per_s``."""
import pytest

from parallelbench.cli import main
from parallelbench.runner import ResultsStore, TaskSource, run_sweep, spec_from_dict
from runner_fakes import FAKE_TASKS, fake_load


@pytest.fixture
def fake_tasks(monkeypatch):
    original = TaskSource.__init__

    def init(self, spec, names=None, loader=None):
        original(self, spec, names=names or (lambda: FAKE_TASKS), loader=loader or fake_load)

    monkeypatch.setattr(TaskSource, "__init__", init)


def test_cache_flag_is_a_setting(fake_tasks, capsys):
    code = main(["run", "--model", "fake-runner", "--tasks", "fake/copy", "--strategy",
                 "confidence-topk,confidence-threshold", "--k", "2", "--cache", "none,prefix", "--limit", "1",
                 "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and out.strip().splitlines()[-1] == "4 units, 4 samples"
    labels = {line.split(None, 2)[2].rsplit("M=", 1)[0].strip() for line in out.splitlines()[:-1]}
    assert labels == {"k=2", "k=2 cache=prefix", "default", "cache=prefix"}


def test_no_cache_keeps_the_old_unit_keys(fake_tasks):
    from parallelbench.runner import expand_units

    def keys(**grid):
        spec = spec_from_dict({"model": "fake-runner", "tasks": ["fake/copy"], "limit": 1,
                               "strategies": [{"strategy": "random", "k": [2], **grid}]})
        return {u.key: u.decoding for u in expand_units(spec)}

    plain, none, dual = keys(), keys(cache=["none"]), keys(cache=["dual"])
    assert plain == none and "cache" not in next(iter(none.values()))
    assert next(iter(dual.values()))["cache"] == "dual" and set(dual) != set(plain)


def test_bad_cache_value_is_one_line(fake_tasks, capsys):
    assert main(["run", "--model", "fake-runner", "--tasks", "fake/copy", "--strategy", "random",
                 "--k", "1", "--cache", "full", "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert "cache must be" in err and len(err.splitlines()) == 1


def test_records_carry_cache_and_speed(tmp_path):
    spec = spec_from_dict({"model": "ideal", "tasks": ["waiting_line/copy"], "limit": 3, "batch_size": 3,
                           "strategies": [{"strategy": "confidence-topk", "k": [2]}]})
    outcome = run_sweep(spec, tmp_path / "r", progress=False)
    records = ResultsStore(tmp_path / "r").open(write=False).records()
    assert outcome.failed == 0 and len(records) == 3
    for rec in records:
        assert rec["cache"] == "none" and rec["tokens_per_second"] > 0
        generated = rec["tokens_per_step"] * rec["nfe"]
        assert rec["tokens_per_second"] == pytest.approx(generated / rec["wall_time"], rel=1e-3)
        assert "device" in rec and "dtype" in rec
    assert outcome.summary["tokens_per_s"].notna().all()
