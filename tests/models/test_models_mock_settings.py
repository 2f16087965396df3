"""The mock backend, the registry, default generation lengths and the vLLM wrapper."""
from __future__ import annotations

import sys
import types

import pytest

from parallelbench.errors import ConfigError, ParallelBenchError
from parallelbench.models import (Generation, GenerationRequest, ModelAPI, default_max_tokens,
                                  get_model, model_kind, model_prefixes)
from parallelbench.models.mock import MockFailure
from parallelbench.tasks.sample import Sample


def _samples(n=6):
    return [Sample(index=i, messages=[{"role": "user", "content": f"question {i}"}],
                   label=f"answer number {i} is here") for i in range(n)]


def _reqs(samples, **kw):
    return [GenerationRequest(messages=s.messages, sample=s, task="t", max_tokens=32, **kw)
            for s in samples]


def test_registry_lists_all_backends():
    assert {"mock", "hf-dllm", "hf-ar", "vllm", "openai", "anthropic", "ideal"} <= set(
        model_prefixes())
    with pytest.raises(ConfigError, match="unknown model backend"):
        get_model("nope:x")


def test_mock_reference_and_echo():
    samples = _samples(3)
    ref = get_model("mock:reference")
    assert isinstance(ref, ModelAPI)
    out = ref.generate(_reqs(samples, decoding={"k": 4}))
    assert [g.text for g in out] == [s.label for s in samples]
    assert all(g.nfe == 8 and g.tokens_per_step == 4.0 for g in out)
    assert [g.text for g in get_model("mock:echo").generate(_reqs(samples))] == [
        "question 0", "question 1", "question 2"]
    assert get_model("mock").generate(_reqs(samples[:1]))[0].text == samples[0].label
    assert get_model("mock:empty").generate(_reqs(samples[:1]))[0].text == ""


def test_mock_fail_every_n():
    samples = _samples(6)
    with pytest.raises(MockFailure, match="sample 2"):
        get_model("mock:fail-every-3").generate(_reqs(samples))
    soft = get_model("mock:fail-every-3", on_fail="error").generate(_reqs(samples))
    assert [g.error is not None for g in soft] == [False, False, True, False, False, True]
    assert soft[0].text == samples[0].label
    for bad in ("mock:fail-every-0", "mock:fail-every-x", "mock:whatever"):
        with pytest.raises(ConfigError):
            get_model(bad)
    with pytest.raises(ConfigError, match="unknown option"):
        get_model("mock", colour="red")


def test_mock_degrade_grows_with_parallelism_and_is_deterministic():
    samples = [Sample(index=i, messages=[{"role": "user", "content": "q"}],
                      label=" ".join(f"w{j}" for j in range(12))) for i in range(200)]
    model = get_model("mock:degrade", rate=1.0)

    def wrong(k):
        return sum(g.text != s.label for g, s in zip(
            model.generate(_reqs(samples, decoding={"k": k})), samples))

    # expected spoiled fraction: 1 - 1/k with rate 1
    assert wrong(1) == 0 and 70 < wrong(2) < 130 and 150 < wrong(8) < 200
    assert wrong(8) == wrong(8)


def test_mock_latency_is_recorded():
    [g] = get_model("mock:reference", latency=0.02).generate(_reqs(_samples(1)))
    assert g.wall_time >= 0.02 and g.latency >= 0.02


def test_default_max_tokens():
    assert default_max_tokens("waiting_line/copy", "dllm") == 32
    assert default_max_tokens("waiting_line_n15/sort", "dllm") == 128
    assert default_max_tokens("puzzle/sudoku_n4_12", "dllm") == 64
    assert default_max_tokens("paraphrase_summarize/samsum", "dllm") == 64
    assert default_max_tokens("waiting_line/copy", "ar") == 1024
    assert model_kind("openai:mercury-coder") == "dllm" and model_kind("openai:gpt-4o") == "ar"
    assert model_kind("anthropic:claude") == "ar" and model_kind("hf-dllm:x") == "dllm"
    with pytest.raises(ConfigError):
        default_max_tokens("waiting_line/copy", "diffusion")


def test_vllm_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm -> ImportError
    with pytest.raises(ParallelBenchError, match="not installed"):
        get_model("vllm:meta-llama/Llama-3.1-8B-Instruct")


def test_vllm_chat_path_with_a_stand_in_engine(monkeypatch):
    calls = {}

    class SamplingParams:
        def __init__(self, **kw):
            self.kw = kw

    class LLM:
        def __init__(self, model, **kw):
            calls["engine"] = (model, kw)

        def chat(self, conversations, sampling_params, use_tqdm):
            calls["params"] = [p.kw for p in sampling_params]
            done = types.SimpleNamespace
            return [done(prompt_token_ids=[1, 2], outputs=[done(
                text=c[-1]["content"].upper(), token_ids=[5, 6, 7], finish_reason="stop")])
                for c in conversations]

    monkeypatch.setitem(sys.modules, "vllm", types.SimpleNamespace(
        LLM=LLM, SamplingParams=SamplingParams, __version__="0-test"))
    model = get_model("vllm:org/model", engine={"tensor_parallel_size": 2})
    out = model.generate([GenerationRequest(messages=[{"role": "user", "content": "hi"}],
                                            max_tokens=1024, seed=3)])
    assert out[0].text == "HI" and out[0].output_tokens == 3 and out[0].nfe == 3
    assert calls["engine"][0] == "org/model" and calls["engine"][1]["max_model_len"] == 32768
    assert calls["engine"][1]["tensor_parallel_size"] == 2
    assert calls["params"] == [{"temperature": 0.0, "top_p": 1.0, "top_k": -1,
                                "max_tokens": 1024, "seed": 3}]
    assert isinstance(out[0], Generation) and model.info()["vllm"] == "0-test"
