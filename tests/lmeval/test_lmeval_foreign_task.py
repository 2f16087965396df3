"""Any lm-eval ``generate_until`` task through our sampler and strategies.

The task is an ordinary lm-eval YAML written here over a local JSONL (lm-eval's own prompt
template, regex filter and ``exact_match`` metric; no download). The model is a real
``transformers`` masked LM (BERT, 1 layer, random init, tokenizer built here) loaded by our
``hf-dllm`` backend and decoded by our sampler; one output bias is raised so that it answers
"yes" to everything, which makes its accuracy known (the share of "yes" questions) whatever the
strategy, while NFE and tokens per step follow the strategy. The results then go through
``import`` into the report and the leaderboard metric like any run of ours.
"""
from __future__ import annotations

import pytest
from lmeval_kit import local_task

pytest.importorskip("lm_eval")

from parallelbench.lmeval import evaluate
from parallelbench.lmeval.io_read import import_results
from parallelbench.report import avg_curves, build_report, config_table, headline, load_frame

WORDS = "question answer is the sky blue grass red water wet fire cold yes no : ?".split()
SPECIALS = ["[PAD]", "[UNK]", "[MASK]", "<eos>", "<bos>", "<eot>", "<user>", "<asst>"]
TEMPLATE = ("<bos>{% for m in messages %}<{{ 'user' if m['role'] == 'user' else 'asst' }}> "
            "{{ m['content'] }} <eot>{% endfor %}{% if add_generation_prompt %}<asst> {% endif %}")
QUESTIONS = [("is the sky blue ?", "yes"), ("is grass red ?", "no"), ("is water wet ?", "yes"),
             ("is fire cold ?", "no"), ("is the grass blue ?", "no"), ("is fire red ?", "yes"),
             ("is water blue ?", "yes"), ("is the sky red ?", "no")]


@pytest.fixture(scope="module")
def yes_model(tmp_path_factory):
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertForMaskedLM, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("yes_bert")
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(SPECIALS + WORDS)}, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="[PAD]", unk_token="[UNK]",
                                  mask_token="[MASK]", eos_token="<eos>", bos_token="<bos>",
                                  additional_special_tokens=["<eot>", "<user>", "<asst>"],
                                  chat_template=TEMPLATE)
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1,
                                       num_attention_heads=2, intermediate_size=64,
                                       max_position_embeddings=128, pad_token_id=0))
    with torch.no_grad():
        model.cls.predictions.bias[tok.convert_tokens_to_ids("yes")] += 40.0
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)


@pytest.fixture()
def yes_no_task(tmp_path):
    return local_task(tmp_path, "local_yesno",
                      [{"question": q, "answer": a} for q, a in QUESTIONS], """\
doc_to_text: "question : {{question}} answer :"
doc_to_target: "{{answer}}"
generation_kwargs:
  until: ["<eot>"]
  max_gen_toks: 4
  do_sample: false
filter_list:
  - name: first-word
    filter:
      - function: regex
        regex_pattern: "(yes|no)"
      - function: take_first
metric_list:
  - metric: exact_match
    aggregation: mean
    higher_is_better: true
metadata:
  version: 1.0
""")


def test_local_lm_eval_task_through_our_sampler(tmp_path, yes_model, yes_no_task):
    runs = {"confidence-topk k=1": "strategy=confidence-topk,k=1",
            "confidence-topk k=2": "strategy=confidence-topk,k=2",
            "confidence-threshold thr=0.9": "strategy=confidence-threshold,threshold=0.9"}
    expected_nfe = {"confidence-topk k=1": 4, "confidence-topk k=2": 2, "confidence-threshold thr=0.9": 1}
    share_yes = sum(a == "yes" for _, a in QUESTIONS) / len(QUESTIONS)
    for i, (name, margs) in enumerate(runs.items()):
        results = evaluate(f"model=hf-dllm:{yes_model},dtype=float32,device=cpu,{margs}", ["local_yesno"],
                           include_path=str(yes_no_task), include_defaults=False)
        res = results["results"]["local_yesno"]
        assert res["exact_match,first-word"] == pytest.approx(share_yes)
        assert res["nfe,none"] == expected_nfe[name] and res["tokens_per_step,none"] == 4 / expected_nfe[name]
        rows = results["samples"]["local_yesno"]
        assert len(rows) == len(QUESTIONS)
        for row in rows:
            assert row["filtered_resps"][0] == "yes" and row["resps"][0][0].startswith("yes")
            assert row["nfe"] == expected_nfe[name] and len(row["order"]) == 4
            assert max(row["order"]) == expected_nfe[name]  # decoding order: step of each position
            block = row["parallelbench"]
            assert block["model"] == f"hf-dllm:{yes_model}" and block["max_tokens"] == 4
        # lm-eval's own output files, then our import.
        out = tmp_path / f"lm{i}"
        _save(results, out)
        import_results(out, tmp_path / "store")
    frame = load_frame(str(tmp_path / "store"))
    assert set(frame["task"]) == {"local_yesno"} and set(frame["category"]) == {"lm-eval"}
    table = config_table(frame)
    assert sorted(table["tps"]) == [1.0, 2.0, 4.0]
    assert list(table["accuracy"]) == pytest.approx([100 * share_yes] * 3)
    curves = avg_curves(table)
    board = headline({s: list(zip(g["tps"], g["accuracy"])) for s, g in curves.groupby("strategy")}, (60, 50))
    assert share_yes == 0.5  # so 50 % is reached at every speed, 60 % nowhere
    assert board["results"] == {"confidence-topk": {"60": 0.0, "50": 2.0},
                                "confidence-threshold": {"60": 0.0, "50": 4.0}}
    build_report(tmp_path / "store", tmp_path / "report")
    assert "local_yesno" in (tmp_path / "report/report.md").read_text()


def _save(results, out):
    """Write results as lm-eval's EvaluationTracker does (results JSON + samples JSONL)."""
    from lm_eval.loggers import EvaluationTracker

    samples = results.pop("samples")
    tracker = EvaluationTracker(output_path=str(out))
    tracker.general_config_tracker.log_experiment_args(
        model_source="parallelbench", model_args=results["config"]["model_args"],
        system_instruction=None, chat_template=None, fewshot_as_multiturn=False)
    tracker.save_results_aggregated(results=results, samples=samples)
    for task in results["configs"]:
        tracker.save_results_samples(task_name=task, samples=samples[task])


def test_cli_wrapper_leaves_the_device_to_the_backend(yes_model, yes_no_task, monkeypatch, capsys):
    """lm-eval's command line passes ``device="cuda:0"`` when ``--device`` is not given: through
    ``parallelbench lm-eval`` an hf-dllm model still picks its own device (the CPU here), and a
    ``device`` in ``--model_args`` wins over lm-eval's instead of a duplicate-keyword crash."""
    import lm_eval.tasks as lm_tasks
    import torch

    from parallelbench.cli import main

    base = lm_tasks.TaskManager

    class Quick(base):  # lm-eval's own task library is not needed here (and slow to index)
        def __init__(self, *a, **kw):
            kw["include_defaults"] = False
            super().__init__(*a, **kw)

    monkeypatch.setattr(lm_tasks, "TaskManager", Quick)
    margs = f"model=hf-dllm:{yes_model},dtype=float32,strategy=confidence-topk,k=2"
    argv = ["lm-eval", "--model", "parallelbench", "--tasks", "local_yesno",
            "--include_path", str(yes_no_task), "--limit", "2", "--model_args"]
    for extra in ("", ",device=cpu"):
        capsys.readouterr()
        assert main(argv + [margs + extra]) == 0, capsys.readouterr().err
        assert "local_yesno" in capsys.readouterr().out
    if not torch.cuda.is_available():  # an explicit --device is the user's choice
        assert main(argv + [margs, "--device", "cuda:0"]) == 2
        assert "CUDA is not available" in capsys.readouterr().err
