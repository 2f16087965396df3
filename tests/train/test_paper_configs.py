"""The Section 7 paper configs parse, validate and expand (no model is loaded)."""
from __future__ import annotations

from pathlib import Path

from parallelbench.runner.expand import expand_units
from parallelbench.runner.spec import load_spec, spec_from_dict
from parallelbench.train.spec import load_train_config
from parallelbench.train.spec import spec_from_dict as train_spec

PAPER = Path(__file__).resolve().parents[2] / "configs" / "paper"


def test_fine_tuning_config_is_the_paper_recipe():
    spec = train_spec(load_train_config(PAPER / "train" / "finetune_llada15.yaml"))
    assert spec.model == "hf-dllm:GSAI-ML/LLaDA-1.5" and spec.tasks == ["waiting_line/*"]
    assert (spec.lora.r, spec.lora.alpha, spec.lora.dropout) == (128, 256, 0.05)
    assert spec.lora.targets == ["q_proj", "k_proj", "v_proj"]
    cfg = spec.sft_config()
    assert (cfg.lr, cfg.batch_size, cfg.epochs, cfg.warmup, cfg.schedule) == \
        (1e-5, 32, 10, 0.05, "cosine")
    assert cfg.total_steps(200_000) == 62_500
    sweep = spec_from_dict({**spec.evaluate, "model": spec.model}, where="evaluate")
    units = expand_units(sweep)
    assert {u.task for u in units} == {f"waiting_line/{op}" for op in (
        "copy", "sort", "reverse", "shuffle", "insert_index", "insert_random", "remove_index",
        "remove_random", "replace_index", "replace_random")}
    assert sorted({u.decoding["k"] for u in units}) == [1, 2, 4, 8, 16, 32]


def test_cot_config_pairs_each_task_with_its_cot_variant():
    units = expand_units(load_spec(PAPER / "cot_llada15.yaml"))
    plain = {u.task for u in units if u.task.startswith("list_ops/")}
    cot = {u.task for u in units if u.task.startswith("list_ops_cot/")}
    assert {t.replace("list_ops/", "list_ops_cot/") for t in plain} == cot and len(cot) == 4
    assert {u.max_tokens for u in units if u.task in cot} == {256}
    assert {u.max_tokens for u in units if u.task in plain} == {64}
