"""``parallelbench train`` on a tiny BERT (full and LoRA) and the learned model; the output runs
through ``run``/``report``; bad input is one line and exit code 2."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml

from parallelbench.cli import main
from parallelbench.models import GenerationRequest, get_model
from parallelbench.tasks import load_task

COMMON = ["--tasks", "list_ops/copy_n3", "--num-samples", "48", "--steps", "6", "--batch-size",
          "8", "--gen-length", "24", "--eval-samples", "8", "--no-progress"]


def _manifest(out: Path) -> dict:
    return json.loads((out / "train_manifest.json").read_text())


def test_full_fine_tuning_loads_with_hf_dllm_and_runs(tiny_bert, tmp_path, capsys):
    out = tmp_path / "full"
    assert main(["train", "--model", f"hf-dllm:{tiny_bert}", *COMMON, "--lr", "1e-3",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "held-out loss" in printed and f"hf-dllm:{out / 'model'}" in printed
    manifest = _manifest(out)
    assert manifest["model"]["mode"] == "full" and manifest["model"]["family"] == "generic"
    assert manifest["steps"] == 6 and manifest["settings"]["data"]
    assert manifest["data"][0]["task"] == "list_ops/copy_n3"
    assert manifest["data"][0]["source"].startswith("builtin-train")
    assert {"before", "after"} <= set(manifest["held_out_loss"])
    assert manifest["curve"][-1]["step"] == 6
    tuned = get_model(f"hf-dllm:{out / 'model'}")
    base = get_model(f"hf-dllm:{tiny_bert}")
    changed = [n for n, p in tuned.model.named_parameters()
               if not torch.equal(p, dict(base.model.named_parameters())[n])]
    assert changed
    sample = load_task("list_ops/copy_n3")[0]
    [gen] = tuned.generate([GenerationRequest(messages=sample.messages, max_tokens=24,
                                              decoding={"strategy": "confidence-topk", "k": 4})])
    assert gen.nfe == 6
    results, report = tmp_path / "results", tmp_path / "report"
    assert main(["run", "--model", f"hf-dllm:{out / 'model'}", "--tasks", "list_ops/copy_n3",
                 "--strategy", "confidence-topk", "--k", "1,8", "--limit", "2", "--max-tokens",
                 "24", "--out", str(results), "--no-progress"]) == 0
    assert main(["report", str(results), "--out", str(report)]) == 0
    assert (report / "report.html").is_file()


def test_lora_trains_only_adapters_and_merges(tiny_bert, tmp_path):
    out = tmp_path / "lora"
    assert main(["train", "--model", f"hf-dllm:{tiny_bert}", *COMMON, "--lora", "--lora-r", "4",
                 "--lora-alpha", "8", "--lora-targets", "query,value", "--lr", "5e-3",
                 "--out", str(out)]) == 0
    manifest = _manifest(out)
    info = manifest["model"]
    assert info["mode"] == "lora" and info["lora"]["targets"] == ["query", "value"]
    assert 0 < info["trainable_parameters"] < info["parameters"] / 10
    assert (out / "model" / "lora_adapter" / "adapter_config.json").is_file()
    tuned = dict(get_model(f"hf-dllm:{out / 'model'}").model.named_parameters())
    base = dict(get_model(f"hf-dllm:{tiny_bert}").model.named_parameters())
    assert set(tuned) == set(base)  # merged: a plain checkpoint again
    changed = {n for n in base if not torch.equal(base[n], tuned[n])}
    assert changed and all(".query." in n or ".value." in n for n in changed)


def test_learned_model_through_the_cli_and_a_config(tmp_path, capsys):
    config = tmp_path / "train.yaml"
    config.write_text(yaml.safe_dump({
        "model": "learned", "model_options": {"dim": 32, "layers": 1, "heads": 2, "mlp": 64},
        "tasks": ["list_ops/copy_n3"], "num_samples": 64, "gen_length": 12, "steps": 4,
        "batch_size": 8, "eval_samples": 8,
        "evaluate": {"tasks": ["list_ops/copy_n3"], "limit": 2, "max_tokens": 12,
                     "strategies": [{"strategy": "confidence-topk", "k": [1, 4]}]}}))
    out = tmp_path / "learned"
    assert main(["train", "--config", str(config), "--no-progress", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"learned:{out / 'model'}" in printed and "fine-tuned %" in printed
    assert (out / "eval" / "fine-tuned" / "records.jsonl").is_file()
    assert "Pretrained vs fine-tuned" in (out / "eval" / "comparison.md").read_text()
    # learned:<folder> continues training a saved model
    assert main(["train", "--model", f"learned:{out / 'model'}", "--tasks", "list_ops/copy_n3",
                 "--num-samples", "32", "--gen-length", "12", "--steps", "2", "--batch-size", "8",
                 "--no-progress", "--out", str(tmp_path / "more")]) == 0


@pytest.mark.parametrize("argv, message", [
    (["--model", "openai:gpt-4", "--tasks", "list_ops/copy"], "hf-dllm:<model> and learned"),
    (["--model", "learned", "--tasks", "words_to_sentence/easy"], "fixed data"),
    (["--model", "learned", "--tasks", "nope/*"], "no generator task"),
    (["--model", "learned", "--tasks", "list_ops/copy", "--lora"], "LoRA applies"),
    (["--model", "learned", "--tasks", "list_ops/copy", "--model-option", "depth=3",
      "--num-samples", "8"], "unknown learned-model option"),
    (["--model", "learned", "--tasks", "list_ops/copy_n3", "--num-samples", "8",
      "--gen-length", "3"], "raise --gen-length"),
    (["--model", "hf-dllm:/no/such/model", "--tasks", "list_ops/copy_n3", "--num-samples", "8"],
     "cannot load"),
    (["--tasks", "list_ops/copy"], "'model' is required"),
    (["--config", "/no/such.yaml"], "not found"),
    (["--model", "learned", "--tasks", "list_ops/copy", "--steps", "0"], "steps must be an integer >= 1"),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, tmp_path, capsys):
    assert main(["train", *argv, "--no-progress", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
