"""Checkpoints that cannot load give one clear line through the CLI (model, cause, fix), exit
code 2, never a traceback."""
from __future__ import annotations

import importlib.abc
import json
import logging
import shutil
import sys

import pytest

import upstream_kit
from parallelbench.cli import main


@pytest.fixture(autouse=True)
def fresh_log_streams():
    """Log handlers created during earlier tests still point at their (closed) captured stderr."""
    loggers = [logging.getLogger()] + [v for v in logging.Logger.manager.loggerDict.values()
                                       if isinstance(v, logging.Logger)]
    for handler in (h for lg in loggers for h in lg.handlers):
        if isinstance(handler, logging.StreamHandler) and getattr(handler.stream, "closed", False):
            handler.stream = sys.stderr


def run_cli(capsys, model_path, *extra):
    capsys.readouterr()  # only what the command itself prints
    rc = main(["run", "--model", f"hf-dllm:{model_path}", *extra, "--tasks", "waiting_line/copy",
               "--strategy", "confidence-topk", "--k", "2", "--limit", "2", "--no-progress",
               "--out", str(model_path) + "-out"])
    err = capsys.readouterr().err.strip().splitlines()
    lines = [line for line in err if line.startswith("parallelbench: error:")]
    return rc, lines, err


def assert_one_line(rc, lines, err, *needles):
    assert rc == 2
    assert len(lines) == 1 and not any("Traceback" in line for line in err), "\n".join(err)
    for needle in needles:
        assert needle in lines[0], lines[0]


def copy_checkpoint(kit_checkpoints, name, tmp_path):
    target = tmp_path / name
    shutil.copytree(kit_checkpoints.path(name), target)
    return target


def test_a_real_checkpoint_runs_through_the_cli(kit_checkpoints, tmp_path, capsys):
    path = copy_checkpoint(kit_checkpoints, "llada", tmp_path)
    rc = main(["run", "--model", f"hf-dllm:{path}", "--trust-remote-code", "--tasks",
               "waiting_line/copy", "--strategy", "confidence-topk", "--k", "2", "--limit", "2",
               "--no-progress", "--out", str(tmp_path / "run")])
    assert rc == 0 and (tmp_path / "run").exists()


def test_missing_trust_remote_code(kit_checkpoints, tmp_path, capsys):
    path = copy_checkpoint(kit_checkpoints, "dream", tmp_path)
    assert_one_line(*run_cli(capsys, path), str(path), "ships its own modelling code",
                    "--trust-remote-code")


def test_unknown_model_type(tmp_path, capsys):
    path = tmp_path / "unknown"
    path.mkdir()
    (path / "config.json").write_text(json.dumps({"model_type": "foo_dllm",
                                                  "architectures": ["FooDllm"]}))
    assert_one_line(*run_cli(capsys, path), str(path), "'foo_dllm' is unknown to transformers",
                    "pip install -U transformers")


def test_unknown_architecture(tmp_path, capsys):
    path = tmp_path / "unknown_arch"
    path.mkdir()
    upstream_kit.build_tokenizer("dream").save_pretrained(path)
    (path / "config.json").write_text(json.dumps({"model_type": "bert",
                                                  "architectures": ["FooForMaskedLM"]}))
    assert_one_line(*run_cli(capsys, path), str(path), "architecture 'FooForMaskedLM'",
                    "not part of transformers")


class _Blocked(importlib.abc.MetaPathFinder):
    """Makes ``import einops`` fail as it does where einops is not installed."""

    def find_spec(self, name, path=None, target=None):
        if name == "einops" or name.startswith("einops."):
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None


def test_missing_package(kit_checkpoints, tmp_path, capsys, monkeypatch):
    path = copy_checkpoint(kit_checkpoints, "fast_dllm_llada", tmp_path)  # imports einops
    for name in [m for m in sys.modules if m == "einops" or m.startswith("einops.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_Blocked(), *sys.meta_path])
    assert_one_line(*run_cli(capsys, path, "--trust-remote-code"), str(path), "einops",
                    "pip install einops")


def test_remote_code_we_cannot_patch(kit_checkpoints, tmp_path, capsys):
    path = copy_checkpoint(kit_checkpoints, "llada", tmp_path)
    modeling = path / "modeling_llada.py"
    # A 4.x API that transformers 5 removed and the compatibility layer does not restore.
    modeling.write_text(modeling.read_text()
                        + "\nfrom transformers.modeling_utils import some_removed_4x_helper\n")
    assert_one_line(*run_cli(capsys, path, "--trust-remote-code"), str(path),
                    "does not run under transformers", "some_removed_4x_helper")


@pytest.mark.parametrize("broken", ["weights", "config"])
def test_corrupt_files(kit_checkpoints, tmp_path, capsys, broken):
    path = copy_checkpoint(kit_checkpoints, "llada", tmp_path)
    if broken == "weights":
        (path / "model.safetensors").write_bytes(b"not a safetensors file")
    else:
        (path / "config.json").write_text("{not json")
    rc, lines, err = run_cli(capsys, path, "--trust-remote-code")
    assert_one_line(rc, lines, err, str(path))
