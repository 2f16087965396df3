"""The shipped sweep configs parse, validate and expand to the paper's unit counts."""
from collections import Counter
from pathlib import Path

import pytest

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
    if name.startswith("dllm_vs_llm"):
        assert {u.max_tokens for u in units if u.task.startswith("waiting_line_n15/")} == \
            ({1024} if name.endswith("_ar.yaml") else {128})


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
