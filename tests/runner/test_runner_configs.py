"""The shipped sweep configs parse, validate and expand to the paper's unit counts."""
from collections import Counter
from pathlib import Path

import pytest

from parallelbench.models.settings import model_kind
from parallelbench.runner import expand_units, load_spec

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_paper_benchmark_grid_counts():
    """SPEC 7.4: 150 runs per Waiting Line task, 189 per other task, 2823 per model."""
    units = expand_units(load_spec(CONFIGS / "paper" / "benchmark_llada15.yaml"))
    per_task = Counter(u.task for u in units)
    assert len(per_task) == 17
    assert all(n == (150 if t.startswith("waiting_line/") else 189) for t, n in per_task.items())
    assert len(units) == 2823
    copy = Counter(u.strategy for u in units if u.task == "waiting_line/copy")
    assert copy == {"random": 21, "confidence-topk": 21, "topk-margin": 21, "entropy-topk": 21,
                    "confidence-threshold": 36, "confidence-factor": 30}
    # every top-k unit respects k <= block length
    for u in units:
        if "k" in u.decoding:
            assert u.decoding["k"] <= (u.decoding.get("block_length") or u.max_tokens)


@pytest.mark.parametrize("name", sorted(p.name for p in (CONFIGS / "paper").glob("*.yaml")) + ["quick.yaml"])
def test_every_config_expands(name):
    path = CONFIGS / "paper" / name if name != "quick.yaml" else CONFIGS / name
    spec = load_spec(path)
    units = expand_units(spec)
    assert units and len({u.key for u in units}) == len(units)
    if name.startswith("dllm_vs_llm"):  # SPEC 7.5: dLLMs (Mercury too) 128 / 64, AR models 1024
        dllm = model_kind(spec.model) == "dllm"
        assert {u.max_tokens for u in units if u.task.startswith("waiting_line_n15/")} == \
            ({128} if dllm else {1024})
        assert {u.max_tokens for u in units if not u.task.startswith("waiting_line_n15/")} == \
            ({64} if dllm else {1024})


DLLM_VS_LLM = {  # config -> (model, units): SPEC 7.5, the reference's cfg/paper/dllm_vs_llm
    "dllm_vs_llm_dllm.yaml": ("hf-dllm:GSAI-ML/LLaDA-1.5", 34),
    "dllm_vs_llm_llada10.yaml": ("hf-dllm:GSAI-ML/LLaDA-8B-Instruct", 34),
    "dllm_vs_llm_dream.yaml": ("hf-dllm:Dream-org/Dream-v0-Instruct-7B", 34),
    "dllm_vs_llm_diffucoder.yaml": ("hf-dllm:apple/DiffuCoder-7B-Instruct", 34),
    "dllm_vs_llm_mercury.yaml": ("openai:mercury", 17),
    "dllm_vs_llm_haiku.yaml": ("anthropic:claude-3-5-haiku-20241022", 17),
    "dllm_vs_llm_ar.yaml": ("vllm:meta-llama/Llama-3.1-8B-Instruct", 17),
}


@pytest.mark.parametrize("name", sorted(DLLM_VS_LLM))
def test_dllm_vs_llm_configs_dry_run(name, capsys):
    from parallelbench.cli import main

    model, count = DLLM_VS_LLM[name]
    spec = load_spec(CONFIGS / "paper" / name)
    units = expand_units(spec)
    assert spec.model == model and len(units) == count and spec.temperature == 0
    assert len({u.task for u in units}) == 17
    if count == 34:  # one block, steps = M and M/2
        assert {(u.decoding["strategy"], u.decoding["k"]) for u in units} == {("confidence-topk", 1),
                                                                             ("confidence-topk", 2)}
        assert all("block_length" not in u.decoding for u in units)
    else:
        assert {u.strategy for u in units} == {"none"}
    if name == "dllm_vs_llm_mercury.yaml":
        assert spec.model_options == {"stream": True}
    assert main(["run", "--config", str(CONFIGS / "paper" / name), "--dry-run"]) == 0
    assert f"{count} units" in capsys.readouterr().out


def test_spread_sampling_covers_every_list_length():
    from parallelbench.errors import ConfigError
    from parallelbench.runner.spec import spec_from_dict

    base = {"model": "ideal", "tasks": ["waiting_line/copy"], "limit": 8,
            "strategies": [{"strategy": "random", "k": [1]}]}
    first = expand_units(spec_from_dict(base))[0]
    spread = expand_units(spec_from_dict({**base, "sampling": "spread"}))[0]
    assert first.sample_indices() == list(range(8))
    assert spread.sample_indices() == [0, 12, 25, 37, 50, 62, 75, 87]  # 100 samples, n = 3..6 by 25s
    assert first.key == spread.key  # records are shared: which samples run does not change a result
    with pytest.raises(ConfigError, match="sampling"):
        spec_from_dict({**base, "sampling": "middle"})
