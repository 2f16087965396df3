"""Crash safety: a SIGKILLed run resumes without losing or duplicating records; a torn last line
is detected and redone."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from parallelbench.runner import ResultsStore, TIMING_FIELDS, run_sweep

HERE = Path(__file__).resolve().parent

SWEEP = {
    "model": "fake-runner", "tasks": ["fake/*"], "limit": 6, "batch_size": 1,
    "strategies": [{"strategy": "confidence-topk", "k": [1, 2, 4]},
                   {"strategy": "confidence-threshold", "threshold": [0.5, 0.9]}],
}


def _lines(path):
    return [json.loads(line) for line in (path / "records.jsonl").read_text().splitlines()]


def _strip(records):
    return {r["key"]: {k: v for k, v in r.items() if k not in TIMING_FIELDS} for r in records}


def _run_inline(fake_spec, out, **over):
    from parallelbench.runner import spec_from_dict
    from runner_fakes import fake_source
    spec = spec_from_dict({**SWEEP, **over})
    return run_sweep(spec, out, source=fake_source(spec), progress=False)


def test_sigkill_mid_run_resumes_exactly(tmp_path, fake_spec):
    out = tmp_path / "killed"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(HERE)!r})
        from runner_fakes import fake_source
        from parallelbench.runner import spec_from_dict, run_sweep
        spec = spec_from_dict({SWEEP!r} | {{"model_options": {{"delay": 0.03}}}})
        run_sweep(spec, {str(out)!r}, source=fake_source(spec), progress=False)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE)
    deadline = time.time() + 60
    records = out / "records.jsonl"
    while time.time() < deadline:
        if records.exists() and records.read_bytes().count(b"\n") >= 15:
            break
        if proc.poll() is not None:
            raise AssertionError(f"run ended early: {proc.stderr.read().decode()}")
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = records.read_bytes().count(b"\n")
    assert 15 <= partial < 60, partial

    resumed = _run_inline(fake_spec, out, model_options={"delay": 0.03})
    assert resumed.skipped >= 15 and resumed.skipped + resumed.written == 60
    rows = _lines(out)
    keys = [r["key"] for r in rows]
    assert len(keys) == 60 and len(set(keys)) == 60

    clean = tmp_path / "clean"
    _run_inline(fake_spec, clean, model_options={"delay": 0.03})
    assert _strip(rows) == _strip(_lines(clean))


def test_torn_last_line_is_redone(tmp_path, fake_spec):
    out = tmp_path / "torn"
    _run_inline(fake_spec, out, limit=2)
    path = out / "records.jsonl"
    data = path.read_bytes()
    last_start = data.rstrip(b"\n").rfind(b"\n") + 1
    torn_key = json.loads(data[last_start:])["key"]
    path.write_bytes(data[: last_start + (len(data) - last_start) // 2])  # cut mid-line

    store = ResultsStore(out).open(write=False)
    assert len(store.records()) == 19  # the torn line is not a record
    again = _run_inline(fake_spec, out, limit=2)
    assert again.repaired_bytes > 0 and again.written == 1 and again.skipped == 19
    rows = _lines(out)
    assert len(rows) == 20 and len({r["key"] for r in rows}) == 20
    assert torn_key in {r["key"] for r in rows}


def test_torn_line_with_newline_and_corrupt_middle(tmp_path, fake_spec):
    from parallelbench.errors import DataError
    import pytest
    out = tmp_path / "c"
    _run_inline(fake_spec, out, limit=1)
    path = out / "records.jsonl"
    good = path.read_bytes()
    path.write_bytes(good + b'{"key": "x", "trunc\n')  # garbage last line ending in newline
    again = _run_inline(fake_spec, out, limit=1)
    assert again.repaired_bytes > 0 and again.written == 0
    assert path.read_bytes() == good
    lines = good.split(b"\n")
    path.write_bytes(b"\n".join([lines[0], b"not json"] + lines[1:]))
    with pytest.raises(DataError, match="line 2"):
        ResultsStore(out).open()
