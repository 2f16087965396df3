"""The command line under bad input (issue 13): a corpus of bad inputs against every verb
(``cli_bad_inputs.yaml``), each ending with exit code 2, one line on stderr, no traceback and
nothing written or overwritten; a closed pipe and Ctrl-C on real processes.

The verbs run in-process through ``parallelbench.cli.main`` (fast); only the pipe and signal
cases start processes.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from parallelbench.cli import build_parser, main

HERE = Path(__file__).resolve().parent
CASES = yaml.safe_load((HERE / "cli_bad_inputs.yaml").read_text(encoding="utf-8"))["cases"]
ERROR_LINE = re.compile(r"^parallelbench( [a-z-]+)?: error: \S")
SRC = str(HERE.parent / "src")


def _verbs() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sorted(sub.choices)


def _snapshot(root: Path) -> dict[str, str | None]:
    """Every path under ``root`` with the hash of its bytes (None for folders)."""
    return {p.relative_to(root).as_posix(): None if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))}


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli-fixtures")
    (base / "file.txt").write_text("keep me\n", encoding="utf-8")
    (base / "bad.bin").write_bytes(b"\xff\xfe not utf-8\n")
    (base / "empty").mkdir()
    (base / "preds.jsonl").write_text('{"index": 0, "prediction": "[]"}\n', encoding="utf-8")
    (base / "gen.yaml").write_text("group: letters\ntasks: [{op: copy, lengths: [3], samples_per_length: 2}]\n",
                                   encoding="utf-8")
    (base / "sweep.yaml").write_text(
        "model: mock:reference\ntasks: [waiting_line/copy]\nlimit: 2\nstrategies: [{strategy: random, k: [1]}]\n",
        encoding="utf-8")
    assert main(["generate", str(base / "gen.yaml"), "--out", str(base / "data")]) == 0
    assert main(["run", "--config", str(base / "sweep.yaml"), "--out", str(base / "results"), "--no-progress"]) == 0
    for name in ("records.csv", "records.parquet"):  # exports are rewritten by design; keep the inputs small
        (base / "results" / name).unlink(missing_ok=True)
    return base


def test_corpus_size_and_verbs():
    assert len(CASES) >= 170
    assert len({c["id"] for c in CASES}) == len(CASES)
    covered = {c["argv"][0] for c in CASES}
    assert set(_verbs()) <= covered, sorted(set(_verbs()) - covered)  # every verb has cases


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(case, fixtures, tmp_path, capsys, monkeypatch):
    if case.get("needs_no_cuda"):
        import torch
        if torch.cuda.is_available():
            pytest.skip("the machine has CUDA")
    work = tmp_path / "w"
    shutil.copytree(fixtures, work)
    for rel, content in (case.get("files") or {}).items():
        path = work / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for key, value in (case.get("env") or {}).items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)
    argv = [a.replace("{tmp}", str(work)) for a in case["argv"]]
    before = _snapshot(work)
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, (argv, err)
    assert "Traceback" not in err and len(lines) == 1, err
    assert ERROR_LINE.match(lines[0]), lines[0]
    assert re.search(case["match"], lines[0]), (case["match"], lines[0])
    assert _snapshot(work) == before, "the command wrote or changed files"


@pytest.mark.parametrize("verb", _verbs())
def test_every_verb_rejects_an_unknown_flag_in_one_line(verb, capsys):
    assert main([verb, "--no-such-flag-qa"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ERROR_LINE.match(err[0]), err  # the flag, or a missing argument


def _required_args(parser) -> list[str]:
    """Placeholder values for a verb's positional and required arguments (a valid choice where
    the argument has choices), so the verb's own code runs whatever its signature."""
    args: list[str] = []
    for action in parser._actions:
        if action.option_strings and not action.required:
            continue
        if not action.option_strings and action.nargs in ("*", "?", "..."):
            continue
        value = str(sorted(action.choices)[0]) if action.choices else "x"
        args += [action.option_strings[0], value] if action.option_strings else [value]
    return args


@pytest.mark.parametrize("verb", _verbs())
def test_every_verb_ends_quietly_on_a_closed_pipe(verb, monkeypatch, capsys):
    """A verb whose output reader went away exits 141 without a traceback (in-process: a stdout
    that raises BrokenPipeError, as a pipe closed by ``head`` does)."""
    import parallelbench.cli as cli

    class ClosedPipe:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    def verb_that_prints(args):
        print("some output")
        return 0

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    sub.choices[verb].set_defaults(func=verb_that_prints)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert cli.main([verb, *_required_args(sub.choices[verb])]) == 141
    assert "Traceback" not in capsys.readouterr().err


def _env():
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1")
    return env


@pytest.mark.parametrize("argv", [
    ["tasks"],
    ["show", "waiting_line/copy", "--index", "2"],
    ["theory", "--task", "list_ops/copy", "--n", "3"],
    ["results", "{results}"],
], ids=["tasks", "show", "theory", "results"])
def test_real_closed_pipe_is_quiet(argv, fixtures):
    """``parallelbench VERB | head -0``: the reader is gone before the first write."""
    argv = [a.replace("{results}", str(fixtures / "results")) for a in argv]
    read, write = os.pipe()
    os.close(read)  # no reader at all: the first write fails with EPIPE
    proc = subprocess.run([sys.executable, "-m", "parallelbench.cli", *argv], stdout=write,
                          stderr=subprocess.PIPE, env=_env(), timeout=120, check=False)
    os.close(write)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 141 and "Traceback" not in err and "BrokenPipe" not in err, err


def test_ctrl_c_mid_run_is_one_line_and_resumes_exactly(tmp_path):
    out = tmp_path / "r"
    argv = [sys.executable, "-m", "parallelbench.cli", "run", "--model", "mock:reference",
            "--model-option", "latency=0.02", "--tasks", "waiting_line/copy,waiting_line/reverse",
            "--strategy", "random", "--k", "1,2", "--limit", "15", "--batch-size", "1",
            "--no-progress", "--out", str(out)]
    # A shell's background job ignores SIGINT, and a child inherits that: give the run the
    # default handler, as a terminal would.
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(),
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    records = out / "records.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and not (records.exists() and records.read_bytes().count(b"\n") >= 5):
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode())
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    err = err.decode()
    assert proc.returncode == 130 and err.strip().splitlines() == ["parallelbench: interrupted"], err
    done = records.read_bytes().count(b"\n")
    assert 5 <= done < 60
    # The rerun does the rest: one record per sample and setting, none twice.
    code = main(argv[3:])
    keys = [json.loads(line)["key"] for line in records.read_text().splitlines()]
    assert code == 0 and len(keys) == 60 and len(set(keys)) == 60
