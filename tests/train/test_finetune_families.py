"""Fine-tuning every hf-dllm family on its real architecture (2 layers, hidden 64, random init,
built by the models area's kit: LLaDA, LLaDA-MoE, LLaDA2 and Dream from ../shared/upstream,
DiffusionGemma native in transformers): the loss falls under the family's objective, LoRA trains
only adapters, and the output loads with hf-dllm: and decodes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from parallelbench.cli import main
from parallelbench.models import GenerationRequest, get_model
from parallelbench.tasks import load_task

ARGS = ["--tasks", "list_ops/copy_n3,list_ops/reverse_n3", "--num-samples", "96",
        "--gen-length", "16", "--batch-size", "16", "--eval-samples", "24", "--no-progress",
        "--trust-remote-code"]


def _manifest(out: Path) -> dict:
    return json.loads((out / "train_manifest.json").read_text())


OBJECTIVES = {"llada": "masked", "llada_moe": "masked", "dream": "masked",
              "llada2": "block_diffusion", "diffusion_gemma": "canvas"}


@pytest.mark.parametrize("family", list(OBJECTIVES))
def test_full_fine_tuning_lowers_the_held_out_loss(family, kit_model, tmp_path):
    out = tmp_path / family
    assert main(["train", "--model", f"hf-dllm:{kit_model(family)}", *ARGS, "--steps", "30",
                 "--lr", "3e-3", "--out", str(out)]) == 0
    manifest = _manifest(out)
    assert manifest["model"]["family"] == family
    assert manifest["model"]["objective"] == OBJECTIVES[family]
    assert manifest["model"]["shift_logits"] is (family == "dream")
    loss = manifest["held_out_loss"]
    assert loss["after"] < 0.7 * loss["before"], loss
    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        assert (out / "model" / name).is_file()
    if family != "diffusion_gemma":  # native in transformers: no remote code
        assert list((out / "model").glob("modeling_*.py"))  # the remote code travels along
    tuned = get_model(f"hf-dllm:{out / 'model'}", trust_remote_code=True)
    sample = load_task("list_ops/copy_n3")[0]
    [gen] = tuned.generate([GenerationRequest(messages=sample.messages, max_tokens=16, seed=0,
                                              decoding={"strategy": "confidence-topk", "k": 2})])
    assert len(gen.token_ids) == 16
    # LLaDA2 decodes whole blocks of 32 from the prompt's last block boundary: more masks.
    assert gen.nfe == 8 if family != "llada2" else gen.nfe >= 8


def test_lora_on_llada_trains_only_the_adapters(kit_model, tmp_path):
    base_path = kit_model("llada")
    out = tmp_path / "lora"
    assert main(["train", "--model", f"hf-dllm:{base_path}", *ARGS, "--steps", "4", "--lora",
                 "--lora-r", "8", "--lora-alpha", "16", "--lr", "1e-2", "--out", str(out)]) == 0
    info = _manifest(out)["model"]
    assert info["mode"] == "lora" and info["lora"]["targets"] == ["q_proj", "k_proj", "v_proj"]
    assert 0 < info["trainable_parameters"] < info["parameters"] / 5
    base = dict(get_model(f"hf-dllm:{base_path}", trust_remote_code=True).model.named_parameters())
    tuned = dict(get_model(f"hf-dllm:{out / 'model'}",
                           trust_remote_code=True).model.named_parameters())
    assert set(base) == set(tuned)
    changed = {n for n in base if not torch.equal(base[n], tuned[n])}
    assert changed and all(n.endswith(("q_proj.weight", "k_proj.weight", "v_proj.weight"))
                           for n in changed)
