"""The ``run`` and ``results`` commands (flags, --config, --dry-run, errors) with the fake model."""
import pytest

from parallelbench.cli import main
from parallelbench.runner import SweepSpec, TaskSource
from parallelbench.runner.cli import spec_from_args
from runner_fakes import FAKE_TASKS, fake_load


@pytest.fixture(autouse=True)
def fake_tasks(monkeypatch):
    """Route the CLI's task lookups to the fake tasks."""
    original = TaskSource.__init__

    def init(self, spec, names=None, loader=None):
        original(self, spec, names=names or (lambda: FAKE_TASKS), loader=loader or fake_load)

    monkeypatch.setattr(TaskSource, "__init__", init)


def _args(*argv):
    from parallelbench.cli import build_parser
    return build_parser().parse_args(["run", *argv])


def test_flags_build_grids():
    spec = spec_from_args(_args("--model", "fake-runner", "--tasks", "fake/*,other/sort",
                                "--strategy", "random,confidence-threshold,confidence-factor",
                                "--k", "1,2,all", "--threshold", "0.5,0.9", "--factor", "1.0",
                                "--block-length", "4,all", "--limit", "2", "--out", "x"))
    assert isinstance(spec, SweepSpec) and spec.limit == 2 and spec.tasks == ["fake/*", "other/sort"]
    grids = {g.strategies[0]: g.grid for g in spec.strategies}
    assert grids["random"] == {"k": [1, 2, "all"], "block_length": [4, "all"]}
    assert grids["confidence-threshold"] == {"threshold": [0.5, 0.9], "block_length": [4, "all"]}
    assert grids["confidence-factor"] == {"factor": [1.0], "block_length": [4, "all"]}


def test_model_options_and_trust_remote_code():
    spec = spec_from_args(_args("--model", "fake-runner", "--tasks", "fake/*", "--strategy", "random",
                                "--model-option", "dtype=bfloat16", "--model-option", "batch_size=4",
                                "--trust-remote-code"))
    assert spec.model_options == {"dtype": "bfloat16", "batch_size": 4, "trust_remote_code": True}
    # Remote code is never trusted implicitly.
    plain = spec_from_args(_args("--model", "fake-runner", "--tasks", "fake/*", "--strategy", "random"))
    assert "trust_remote_code" not in plain.model_options


def test_hf_model_needing_remote_code_names_the_flag(tmp_path, capsys):
    import json
    folder = tmp_path / "custom"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({
        "model_type": "totally-custom-dllm", "auto_map": {"AutoConfig": "configuration_x.XConfig"}}))
    code = main(["run", "--model", f"hf-dllm:{folder}", "--tasks", "fake/*", "--strategy", "random",
                 "--k", "1", "--out", str(tmp_path / "o"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "--trust-remote-code" in err and "Traceback" not in err


def test_dry_run_lists_units(capsys, tmp_path):
    code = main(["run", "--model", "fake-runner", "--tasks", "fake/*", "--strategy", "random,l2r",
                 "--k", "1,2,4", "--block-length", "pow2", "--limit", "3", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    # per task and strategy: k<=B pairs with B in 1,2,4,8: 1+2+3+3 = 9
    assert out.strip().splitlines()[-1] == "36 units, 108 samples"
    assert "fake/copy" in out and "k=2 B=4" in out
    assert not any(tmp_path.iterdir())


def test_run_then_results(capsys, tmp_path):
    out = tmp_path / "res"
    assert main(["run", "--model", "fake-runner", "--tasks", "fake/copy", "--strategy", "confidence-topk",
                 "--k", "1,4", "--limit", "3", "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "2 units, 6 samples: 0 already done, 6 written, 0 failed" in text
    assert main(["results", str(out), "--export", "parquet"]) == 0
    text = capsys.readouterr().out
    lines = [line for line in text.splitlines() if "confidence-topk" in line]
    assert len(lines) == 2 and "100.00" in lines[0] and "0.00" in lines[1]
    assert (out / "records.parquet").is_file()
    import pandas as pd
    frame = pd.read_parquet(out / "records.parquet")
    assert len(frame) == 6 and {"metric.score", "param.k", "tokens_per_step"} <= set(frame.columns)


def test_config_file_and_override(capsys, tmp_path):
    cfg = tmp_path / "s.yaml"
    cfg.write_text("model: fake-runner\ntasks: [fake/copy]\nlimit: 5\n"
                   "strategies:\n  - {strategy: random, k: [1, 2]}\n")
    assert main(["run", "--config", str(cfg), "--limit", "2", "--dry-run"]) == 0
    assert capsys.readouterr().out.strip().endswith("2 units, 4 samples")


@pytest.mark.parametrize("argv, needle", [
    (["--model", "fake-runner", "--tasks", "fake/*"], "missing --strategy"),
    (["--model", "fake-runner", "--tasks", "fake/*", "--strategy", "confidence-threshold", "--k", "2"],
     "--k was given but none of the strategies"),
    (["--model", "fake-runner", "--tasks", "fake/*", "--strategy", "random", "--k", "1"], "--out"),
    (["--model", "nosuch:x", "--tasks", "fake/*", "--strategy", "random", "--k", "1", "--out", "o"],
     "unknown model backend"),
    (["--model", "fake-runner", "--tasks", "zzz*", "--strategy", "random", "--k", "1", "--dry-run"],
     "matches no task"),
    (["--model", "fake-runner", "--tasks", "fake/*", "--strategy", "random", "--k", "1", "--out", "o",
      "--wandb"], "wandb"),
])
def test_cli_errors_are_one_line(capsys, tmp_path, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    import sys
    monkeypatch.setitem(sys.modules, "wandb", None)  # behave as if wandb were not installed
    assert main(["run", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_results_errors_flag(capsys, tmp_path):
    out = tmp_path / "r"
    assert main(["run", "--model", "fake-runner", "--tasks", "fake/copy", "--strategy", "random",
                 "--k", "1", "--limit", "3", "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["results", str(out), "--errors"]) == 0
    assert "random" in capsys.readouterr().out
