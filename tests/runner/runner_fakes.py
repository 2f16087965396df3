"""A tiny fake task and model for runner tests (independent of the real tasks/models)."""
from __future__ import annotations

import time

from parallelbench.errors import ConfigError
from parallelbench.models.base import Generation, modelapi
from parallelbench.runner import SweepSpec, TaskSource
from parallelbench.tasks.sample import Sample


class FakeTask:
    """Copy a list of letters; score 1 iff the output equals the label."""

    def __init__(self, name: str, n: int = 6, max_tokens: int = 8):
        self.name = name
        self.category = "waiting_line"
        self.op = name.split("/")[-1]
        self.metric = "exact"
        self.max_tokens = max_tokens
        self.source = "builtin"
        self._samples = [
            Sample(index=i, messages=[{"role": "user", "content": f"copy {name} #{i}"}],
                   label=f"[{name}-{i}]", metadata={"length": 3})
            for i in range(n)
        ]

    def __len__(self):
        return len(self._samples)

    def __getitem__(self, i):
        return self._samples[i]

    def __iter__(self):
        return iter(self._samples)

    def score(self, prediction, sample):
        ok = float(prediction == sample.label)
        return {"score": ok, "score_strict": ok, "grammar_backend": "none"}


FAKE_TASKS = ("fake/copy", "fake/reverse", "other/sort")


def fake_load(name, **opts):
    if name not in FAKE_TASKS:
        raise ConfigError(f"unknown task {name!r}")
    return FakeTask(name)


def fake_source(spec: SweepSpec) -> TaskSource:
    return TaskSource(spec, names=lambda: FAKE_TASKS, loader=fake_load)


@modelapi("fake-runner")
class FakeModel:
    """Correct when k <= 2 (or adaptive with threshold >= 0.7); ``fail`` = sample indices that
    raise; ``delay`` = seconds per sample; ``fail_batch`` raises for any batch of size > 1."""

    name = "fake-runner"

    def __init__(self, target="", fail=(), delay=0.0, fail_batch=False, **ignored):
        self.fail = set(fail)
        self.delay = float(delay)
        self.fail_batch = fail_batch
        self.calls = 0

    def info(self):
        return {"backend": "fake-runner", "version": "1"}

    def generate(self, requests):
        self.calls += 1
        if self.fail_batch and len(requests) > 1:
            raise RuntimeError("batch failure")
        out = []
        for req in requests:
            time.sleep(self.delay)
            if req.sample.index in self.fail:
                raise RuntimeError(f"boom on sample {req.sample.index}")
            d = req.decoding
            k = d.get("k") or (req.max_tokens // d["steps"] if d.get("steps") else None)
            good = (k is not None and k <= 2) or (k is None and (d.get("threshold") or 0.9) >= 0.7)
            tps = float(k) if k else (1.0 + 4 * (1 - (d.get("threshold") or 0.9)))
            text = req.sample.label if good else "wrong"
            out.append(Generation(text=text, nfe=int(req.max_tokens / tps), tokens_per_step=tps,
                                  order=list(range(1, 4)), wall_time=0.001, token_ids=[1, 2, 3]))
        return out
