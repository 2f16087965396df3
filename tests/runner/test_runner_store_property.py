"""Property-based test of the results store (issue 13): whatever the interleaving of runs,
interruptions (Ctrl-C mid-run, a torn last line as after kill -9), changes of options that
cannot change a result and refused changes of those that can, the store ends with exactly one
record per sample and setting."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parallelbench.errors import ConfigError
from parallelbench.models.base import Generation, modelapi
from parallelbench.runner import run_sweep, spec_from_dict
from runner_fakes import fake_source

TASKS = ["fake/copy", "fake/reverse"]
KS = [1, 2, 4]
LIMIT = 4


@modelapi("fake-prop", decoding="diffusion", result_options=("quality",))
class PropModel:
    """Answers right; ``interrupt_after`` generate calls raise KeyboardInterrupt (Ctrl-C)."""

    name = "fake-prop"

    def __init__(self, target="", quality="good", batch_size=8, device="cpu", interrupt_after=None):
        self.calls, self.interrupt_after = 0, interrupt_after

    def info(self):
        return {"backend": "fake-prop"}

    def generate(self, requests):
        if self.interrupt_after is not None and self.calls >= self.interrupt_after:
            raise KeyboardInterrupt
        self.calls += 1
        return [Generation(text=r.sample.label, nfe=1, tokens_per_step=float(r.decoding["k"]))
                for r in requests]


def _sweep(out: Path, limit: int, ks: list[int], options: dict, batch_size: int, model: str = "fake-prop"):
    spec = spec_from_dict({"model": model, "tasks": TASKS, "limit": limit, "batch_size": batch_size,
                           "model_options": options, "strategies": [{"strategy": "random", "k": ks}]})
    return run_sweep(spec, out, source=fake_source(spec), progress=False)


run_op = st.fixed_dictionaries({
    "op": st.just("run"),
    "limit": st.integers(1, LIMIT),
    "ks": st.lists(st.sampled_from(KS), min_size=1, max_size=3, unique=True),
    "batch_size": st.integers(1, 3),
    "options": st.fixed_dictionaries({}, optional={
        "batch_size": st.integers(1, 4), "device": st.sampled_from(["cpu", "cuda:1"]),
        "interrupt_after": st.integers(0, 3)}),
})
ops = st.lists(st.one_of(run_op, st.just({"op": "tear"}), st.just({"op": "change_quality"}),
                         st.just({"op": "change_model"})), max_size=6)


def _file_lines(out: Path) -> list[bytes]:
    path = out / "records.jsonl"
    return path.read_bytes().split(b"\n") if path.exists() else []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_any_interleaving_ends_with_one_record_per_sample_and_setting(sequence):
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r"
        for step in sequence:
            if step["op"] == "run":
                try:
                    _sweep(out, step["limit"], step["ks"], step["options"], step["batch_size"])
                except KeyboardInterrupt:
                    pass
            elif step["op"] == "tear":  # kill -9 in the middle of the last write
                lines = _file_lines(out)
                if len(lines) >= 2 and lines[-2]:
                    data = (out / "records.jsonl").read_bytes()
                    (out / "records.jsonl").write_bytes(data[: len(data) - len(lines[-2]) // 2 - 1])
            else:
                before = (out / "records.jsonl").read_bytes() if (out / "records.jsonl").exists() else None
                has_store = (out / "manifest.json").exists()
                try:
                    if step["op"] == "change_quality":
                        _sweep(out, 1, [1], {"quality": "bad"}, 1)
                    else:
                        _sweep(out, 1, [1], {}, 1, model="fake-runner")
                except ConfigError as exc:
                    assert has_store and ("quality" in str(exc) or "model" in str(exc))
                    after = (out / "records.jsonl").read_bytes() if (out / "records.jsonl").exists() else None
                    assert after == before  # a refused run writes nothing
                else:  # only possible into a fresh directory: start over with the real model
                    assert not has_store
                    import shutil
                    shutil.rmtree(out)
        final = _sweep(out, LIMIT, KS, {"device": "cpu"}, 2)
        rows = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
        combos = [(r["task"], r["index"], r["label"]) for r in rows]
        assert len(combos) == len(set(combos)) == len(TASKS) * LIMIT * len(KS)
        assert len({r["key"] for r in rows}) == len(rows)
        assert final.failed == 0 and all(r["score"] == 1.0 for r in rows)
