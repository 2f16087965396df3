"""The validation pass and the store's identity (issue 13 items 1, 3, 8, 9, 10): keys of
result-determining options only, refusals naming the option, backend decoding contracts,
per-request checks, the docs' sweep example, and a 401 that stops a run at once."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from parallelbench.errors import ConfigError, CredentialsError
from parallelbench.models.base import Generation, modelapi
from parallelbench.runner import run_sweep, spec_from_dict
from parallelbench.runner.validate import plan_sweep
from runner_fakes import fake_source

DOCS = Path(__file__).resolve().parents[2] / "docs"


@modelapi("fake-qa", decoding="diffusion", result_options=("quality",))
class QaModel:
    """Correct when ``quality`` is 'good'; other options are accepted and change nothing."""

    name = "fake-qa"

    def __init__(self, target="", quality="good", batch_size=8, device="cpu", timeout=1.0):
        self.quality = quality

    def info(self):
        return {"backend": "fake-qa"}

    def generate(self, requests):
        return [Generation(text=r.sample.label if self.quality == "good" else "bad", nfe=4,
                           tokens_per_step=2.0) for r in requests]


def _spec(**over):
    data = {"model": "fake-qa", "tasks": ["fake/copy"], "limit": 3,
            "strategies": [{"strategy": "confidence-topk", "k": [1, 2]}], **over}
    return spec_from_dict(data)


def _run(out, **over):
    spec = _spec(**over)
    return run_sweep(spec, out, source=fake_source(spec), progress=False)


def _lines(out):
    return (out / "records.jsonl").read_text().splitlines()


def test_options_that_cannot_change_a_result_never_rerun(tmp_path):
    out = tmp_path / "r"
    assert _run(out).written == 6
    for options in ({"batch_size": 4}, {"device": "cpu", "timeout": 9.0}, {"batch_size": 1}):
        again = _run(out, model_options=options, batch_size=2)
        assert again.written == 0 and again.skipped == 6
    assert len(_lines(out)) == 6
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["key_format"] == 2 and manifest["identity"]["model"] == "fake-qa"


def test_result_option_or_model_change_is_refused_naming_it(tmp_path):
    out = tmp_path / "r"
    _run(out, model_options={"quality": "good"})
    before = (out / "records.jsonl").read_bytes()
    with pytest.raises(ConfigError, match=r"quality=good.*quality=bad"):
        _run(out, model_options={"quality": "bad"})
    with pytest.raises(ConfigError, match="model 'fake-qa', not 'fake-runner'"):
        _run(out, model="fake-runner")
    assert (out / "records.jsonl").read_bytes() == before


def test_store_from_before_key_format_2_is_refused_when_keys_would_differ(tmp_path):
    out = tmp_path / "old"
    _run(out, model_options={"batch_size": 4})
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("identity", "key_format"):
        manifest.pop(key)
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ConfigError, match="older parallelbench.*batch_size"):
        _run(out, model_options={"batch_size": 4})


@pytest.mark.parametrize("model,strategy,match", [
    ("hf-ar:any/model", "confidence-topk", "use --strategy none"),
    ("openai:mercury-coder", "random", "ignores diffusion decoding settings"),
    ("anthropic:claude", "confidence-threshold", "ignores diffusion"),
    ("ideal", "none", "needs a decoding strategy"),
    ("fake-qa", "none", "needs a decoding strategy"),
])
def test_backend_decoding_contract(model, strategy, match):
    grid = {"strategy": strategy} if strategy == "none" else (
        {"strategy": strategy, "threshold": [0.9]} if "threshold" in strategy else {"strategy": strategy, "k": [1, 2]})
    spec = spec_from_dict({"model": model, "tasks": ["fake/copy"], "strategies": [grid]})
    with pytest.raises(ConfigError, match=match):
        plan_sweep(spec, fake_source(spec))


def test_mock_takes_either():
    for grid in ({"strategy": "none"}, {"strategy": "random", "k": [1]}):
        spec = spec_from_dict({"model": "mock:reference", "tasks": ["fake/copy"], "strategies": [grid]})
        assert plan_sweep(spec, fake_source(spec))[1]


def test_ideal_request_check_runs_before_the_first_sample(tmp_path):
    """Item 8: a block length that does not divide an answer's items is refused up front."""
    spec = spec_from_dict({"model": "ideal", "tasks": ["waiting_line/copy"], "limit": 30,
                           "strategies": [{"strategy": "random", "k": [2], "block_length": [2]}]})
    with pytest.raises(ConfigError, match=r"sample 0 .*block_length 2 does not divide the answer's 3 items"):
        run_sweep(spec, tmp_path / "r", progress=False)
    assert not (tmp_path / "r").exists()
    zero = spec_from_dict({"model": "ideal", "tasks": ["waiting_line/copy"], "limit": 1,
                           "strategies": [{"strategy": "random", "k": [1], "block_length": [1]}]})
    zero.strategies[0].grid["block_length"] = [0]  # past the file checks: the sampler's own check
    with pytest.raises(ConfigError, match="block_length must be >= 1"):
        plan_sweep(zero)


def test_docs_sweep_example_validates():
    text = (DOCS / "runs.md").read_text(encoding="utf-8")
    block = re.search(r"### Sweep files\s*```yaml\n(.*?)```", text, re.S)[1]
    import yaml

    data = yaml.safe_load(block)
    data["limit"] = 3
    spec = spec_from_dict(data)
    _backend, units, work = plan_sweep(spec)
    assert units and sum(len(s) for _, s in work) == 3 * len(units)
    assert {u.task for u in units if "B=" in u.label} == {"puzzle/latin_square_n4", "puzzle/sudoku_n4_12"}


def test_grid_tasks_filter_must_match():
    spec = _spec(strategies=[{"strategy": "random", "k": [1], "tasks": ["nothing/*"]}])
    with pytest.raises(ConfigError, match="matches none"):
        plan_sweep(spec, fake_source(spec))


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_key_stops_the_run_at_once(tmp_path, monkeypatch, fake_api, status):
    """Item 9: HTTP 401 or 403 ends the run with one error naming the variable; nothing is recorded."""
    url = f"{fake_api.url}/v1"
    fake_api.add(*[{"status": status, "json": {"error": "bad key"}}] * 50)
    monkeypatch.setenv("QA_TEST_KEY", "sk-qa-secret")
    spec = spec_from_dict({"model": f"openai:gpt-test@{url}", "tasks": ["fake/copy", "fake/reverse"],
                           "batch_size": 2, "model_options": {"api_key_env": "QA_TEST_KEY", "cache": False,
                                                               "concurrency": 1},
                           "strategies": [{"strategy": "none"}]})
    with pytest.raises(CredentialsError, match="QA_TEST_KEY"):
        run_sweep(spec, tmp_path / "r", source=fake_source(spec), progress=False)
    assert len(fake_api.requests) == 1
    assert not (tmp_path / "r" / "errors.jsonl").exists() or not (tmp_path / "r" / "errors.jsonl").read_text()
