"""The ``parallelbench`` lm-eval model: model_args, foreign tasks (chat template, stop strings),
log-likelihood refusal, and the ``parallelbench lm-eval`` wrapper around lm-eval's CLI."""
from __future__ import annotations

import json

import pytest
from lmeval_kit import local_task

pytest.importorskip("lm_eval")

from parallelbench.cli import main
from parallelbench.errors import ConfigError, ParallelBenchError
from parallelbench.lmeval import evaluate
from parallelbench.lmeval.args import parse_arg_string, parse_model_args


def test_model_args_split():
    args = parse_model_args({"model": "hf-dllm:/m", "strategy": "confidence-threshold", "threshold": 0.9,
                             "block_length": 32, "cache": "prefix", "dtype": "bfloat16",
                             "trust_remote_code": True, "device": "cuda", "batch_size": 4,
                             "max_batch_size": None, "seed": 3, "max_tokens": 64}, check=False)
    assert args.spec == "hf-dllm:/m" and args.seed == 3 and args.max_tokens == 64 and args.batch_size == 4
    assert args.options == {"dtype": "bfloat16", "trust_remote_code": True, "device": "cuda", "batch_size": 4}
    # Keys the backend does not take are decoding settings, passed on as they are (cache=prefix).
    assert args.decoding == {"strategy": "confidence-threshold", "threshold": 0.9, "block_length": 32,
                             "cache": "prefix"}
    try:  # checked by the sampler itself: accepted once it knows `cache`, else named in the error
        parse_model_args({"model": "hf-dllm:/m", "strategy": "confidence-threshold", "cache": "prefix"})
    except ConfigError as exc:
        assert "cache" in str(exc)
    api = parse_model_args({"model": "openai:gpt-x", "cache": False, "api_key_env": "MY_KEY", "batch_size": "auto"})
    assert api.options == {"cache": False, "api_key_env": "MY_KEY", "batch_size": 8} and api.decoding == {}
    assert api.strategy == "none"
    ideal = parse_model_args({"model": "ideal", "strategy": "topk_margin", "k": 2, "device": "cuda",
                              "convention": "paper"})
    assert ideal.options == {"convention": "paper", "batch_size": 8}  # lm-eval's --device: no such option
    assert ideal.decoding == {"strategy": "topk-margin", "k": 2}


@pytest.mark.parametrize("args,message", [
    ({}, "model=SPEC"), ({"model": "nope:x"}, "unknown model backend"),
    ({"model": "ideal", "k": 2}, "strategy=NAME"), ({"model": "ideal", "strategy": "random", "tau_conf": 1},
                                                     "tau_conf"),
    ({"model": "ideal", "seed": "x"}, "seed"), ({"model": "ideal", "strategy": "bogus"}, "bogus")])
def test_model_args_errors(args, message):
    with pytest.raises(ParallelBenchError, match=message):
        parse_model_args(args)


def test_arg_strings_typed_as_lm_eval_types_them():
    assert parse_arg_string("model=hf-dllm:/a/b,k=2,threshold=0.9,flag=true,x=None,s='3'") == {
        "model": "hf-dllm:/a/b", "k": 2, "threshold": 0.9, "flag": True, "x": None, "s": "3"}


def test_loglikelihood_is_refused():
    from parallelbench.lmeval.model import ParallelBenchLM

    lm = ParallelBenchLM(model="ideal", strategy="confidence-topk", k=1)
    for call in (lm.loglikelihood, lm.loglikelihood_rolling):
        with pytest.raises(ParallelBenchError, match="not supported for masked diffusion"):
            call([])


@pytest.fixture()
def echo_task(tmp_path):
    return local_task(tmp_path, "local_echo",
                      [{"w": w} for w in ("alpha", "beta", "gamma")], """\
doc_to_text: "say {{w}} STOP and more"
doc_to_target: "say {{w}} "
generation_kwargs:
  until: ["STOP"]
  max_gen_toks: 16
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
""")


@pytest.mark.parametrize("chat", [False, True])
def test_foreign_task_context_and_stop_strings(echo_task, chat):
    """mock:echo answers the user message: the context arrives as the user message (also
    through lm-eval's chat template) and the answer is cut at the task's stop string."""
    kw = {"apply_chat_template": True, "system_instruction": "be brief"} if chat else {}
    results = evaluate("model=mock:echo", ["local_echo"], include_path=str(echo_task),
                       include_defaults=False, **kw)
    assert results["results"]["local_echo"]["exact_match,none"] == 1.0
    rows = results["samples"]["local_echo"]
    assert [r["resps"][0][0] for r in rows] == ["say alpha ", "say beta ", "say gamma "]
    assert rows[0]["parallelbench"]["raw_output"] == "say alpha STOP and more"
    assert rows[0]["parallelbench"]["task"] == "local_echo" and rows[0]["parallelbench"]["strategy"] == "none"


def test_cli_wrapper_runs_lm_eval(tmp_path, monkeypatch, capsys):
    import lm_eval.tasks as lm_tasks

    base = lm_tasks.TaskManager

    class Quick(base):  # lm-eval's own task library is not needed here (and slow to index)
        def __init__(self, *a, **kw):
            kw["include_defaults"] = False
            super().__init__(*a, **kw)

    monkeypatch.setattr(lm_tasks, "TaskManager", Quick)
    out = tmp_path / "lm"
    argv = ["lm-eval", "--model", "parallelbench", "--model_args",
            "model=ideal,strategy=confidence-topk,k=2", "--tasks", "parallelbench_waiting_line_copy",
            "--limit", "3", "--log_samples", "--output_path", str(out)]
    assert main(argv) == 0
    assert "parallelbench_waiting_line_copy" in capsys.readouterr().out
    [results] = list(out.glob("ideal/results_*.json"))
    [samples] = list(out.glob("ideal/samples_parallelbench_waiting_line_copy_*.jsonl"))
    rows = [json.loads(x) for x in samples.read_text().splitlines()]
    assert len(rows) == 3 and all(r["order"] and r["parallelbench"]["seed"] for r in rows)
    assert json.loads(results.read_text())["results"]["parallelbench_waiting_line_copy"]["nfe,none"] == 2.0
    assert lm_tasks.TaskManager is Quick  # the wrapper put lm-eval back as it found it
    assert main(["import", str(out), "--out", str(tmp_path / "store")]) == 0
    assert "3 samples read, 3 new records" in capsys.readouterr().out
    # A bad model argument: one line, exit code 2.
    assert main(argv[:4] + ["model=ideal,strategy=random,tau_conf=2"] + argv[5:]) == 2
    assert "tau_conf" in capsys.readouterr().err
    assert main(argv[:6] + ["no_such_task"]) == 2
    assert capsys.readouterr().err.strip() == "parallelbench: error: lm-eval: Tasks not found: no_such_task"


@pytest.mark.parametrize("backend", ["openai", "anthropic"])
def test_api_backends_run_through_lm_eval(echo_task, fake_api, monkeypatch, backend):
    """An API model through lm-eval: the context is the user message, the task's max_gen_toks
    is the request's max_tokens, the answer is cut at the stop string, and the key (from the
    environment) is in the request header only, never in lm-eval's results or samples."""
    key = "sk-lmeval-secret-123"
    monkeypatch.setenv("OPENAI_API_KEY" if backend == "openai" else "ANTHROPIC_API_KEY", key)
    url = fake_api.url + ("/v1" if backend == "openai" else "")
    results = evaluate(f"model={backend}:m-test@{url},cache=False", ["local_echo"],
                       include_path=str(echo_task), include_defaults=False)
    rows = results["samples"]["local_echo"]
    assert [r["resps"][0][0] for r in rows] == ["echo: say alpha ", "echo: say beta ", "echo: say gamma "]
    assert results["results"]["local_echo"]["exact_match,none"] == 0.0
    assert len(fake_api.requests) == 3
    sent = fake_api.requests  # concurrent requests: any order
    assert sorted(r["body"]["messages"][-1]["content"] for r in sent) == [
        f"say {w} STOP and more" for w in ("alpha", "beta", "gamma")]
    assert all(r["body"]["max_tokens"] == 16 and key in json.dumps(r["headers"]) for r in sent)
    assert key not in json.dumps(results, default=str)
    assert rows[0]["parallelbench"]["strategy"] == "none"
