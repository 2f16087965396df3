"""Fixed-count schedules (DECODING.md section 3): the functions themselves and what the sampler
does with them (steps per block, remainder distribution, block order, the Dream float32 quirk)."""
from __future__ import annotations

import pytest
import torch

from decoding_testkit import MASK, TableModel, commits_per_step, log_dist
from parallelbench.decoding import decode, dream_timestep, llada_uniform
from parallelbench.decoding.schedules import dream_float32
from parallelbench.errors import ConfigError


def test_llada_uniform_puts_the_remainder_first():
    assert llada_uniform(10, 4) == [3, 3, 2, 2]
    assert llada_uniform(32, 8) == [4] * 8
    assert llada_uniform(7, 7) == [1] * 7
    assert llada_uniform(3, 5) == [1, 1, 1]  # never a step that commits nothing
    assert llada_uniform(0, 4) == []
    for m in range(1, 20):
        for s in range(1, m + 1):
            plan = llada_uniform(m, s)
            assert sum(plan) == m and len(plan) == s and max(plan) - min(plan) <= 1
            assert plan == sorted(plan, reverse=True)


def test_dream_timestep_puts_the_remainder_last_and_is_exact():
    assert dream_timestep(10, 4) == [2, 2, 3, 3]
    assert dream_timestep(32, 8) == [4] * 8
    assert dream_timestep(32, 32) == [1] * 32  # no lost token in exact arithmetic
    for m in range(1, 20):
        for s in range(1, m + 1):
            plan = dream_timestep(m, s)
            assert sum(plan) == m and len(plan) == s and min(plan) >= 1
            assert plan == sorted(plan)
    # With eps > 0 the first step reveals floor(M * (1 - t1/t0)) = floor(M * (1-eps)/s).
    assert dream_timestep(32, 32, eps=1e-3)[0] == 0


def test_dream_float32_reproduces_the_reference_quirk():
    # Values recomputed with torch on CPU (DECODING.md section 3).
    s32 = dream_float32(32, 32)
    assert sum(s32) == 32 and s32.count(0) == 1 and s32[-1] == 2
    assert dream_float32(32, 8) == [4, 3, 4, 4, 4, 4, 4, 5]
    s64 = dream_float32(64, 64)
    assert s64[:2] == [1, 0] and s64[-1] == 2 and sum(s64) == 64


def confident_table(G: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    toks = torch.randint(0, MASK, (G,), generator=g)
    confs = torch.rand(G, generator=g, dtype=torch.float64) * 0.5 + 0.3
    return torch.stack([log_dist({int(t): float(c)}) for t, c in zip(toks, confs)])


def run(G, **kw):
    model = TableModel(confident_table(G), G)
    res = decode(model, torch.ones(1, 2, dtype=torch.long), gen_length=G, mask_id=MASK, **kw)
    assert int(res.nfe[0]) == model.calls
    return res


@pytest.mark.parametrize("strategy", ["confidence-topk", "random", "l2r", "topk-margin", "entropy-topk", "pc"])
def test_fixed_steps_per_block_follow_the_llada_schedule(strategy):
    # gen 20, 2 blocks of 10, 8 steps -> 4 steps per block committing 3, 3, 2, 2.
    res = run(20, strategy=strategy, block_length=10, steps=8)
    assert int(res.nfe[0]) == 8 and commits_per_step(res) == [3, 3, 2, 2] * 2
    # Blocks are processed strictly in order: all of block 0 before any of block 1.
    assert int(res.order[0, :10].max()) < int(res.order[0, 10:].min())
    assert not (res.tokens == MASK).any()


def test_k_gives_ceil_block_over_k_steps_per_block():
    res = run(20, strategy="confidence-topk", block_length=10, k=3)
    assert int(res.nfe[0]) == 8 and commits_per_step(res) == [3, 3, 2, 2] * 2  # ceil(10/3) = 4 steps
    res = run(16, strategy="confidence-topk", k=4)
    assert commits_per_step(res) == [4] * 4
    res = run(8, strategy="confidence-topk", k=100)  # k beyond the block: one step
    assert commits_per_step(res) == [8]


def test_dream_schedules_in_the_sampler():
    # schedule="dream" is the reference's float32 arithmetic (the Dream family default) ...
    res = run(32, strategy="confidence-topk", steps=8, schedule="dream")
    assert commits_per_step(res) == [4, 3, 4, 4, 4, 4, 4, 5]
    # A step that commits nothing still costs a forward pass: NFE stays S.
    res = run(32, strategy="confidence-topk", steps=32, schedule="dream")
    counts = commits_per_step(res)
    assert int(res.nfe[0]) == 32 and counts.count(0) == 1 and counts[-1] == 2
    # ... and "dream_exact" the exact integer correction.
    assert commits_per_step(run(32, strategy="confidence-topk", steps=32, schedule="dream_exact")) == [1] * 32
    assert commits_per_step(run(10, strategy="confidence-topk", steps=4, schedule="dream_exact")) == [2, 2, 3, 3]


def test_the_old_float_schedule_switch_still_means_what_it_said():
    """faithful_dream_float_schedule (before the float schedule became the default): True is the
    default now, False the exact schedule; with another schedule it is refused."""
    on = run(32, strategy="confidence-topk", steps=8, schedule="dream", faithful_dream_float_schedule=True)
    assert commits_per_step(on) == [4, 3, 4, 4, 4, 4, 4, 5]
    off = run(32, strategy="confidence-topk", steps=8, schedule="dream", faithful_dream_float_schedule=False)
    assert commits_per_step(off) == [4] * 8
    with pytest.raises(ConfigError, match="dream_exact"):
        run(8, strategy="confidence-topk", steps=4, schedule="llada", faithful_dream_float_schedule=True)


def test_schedule_counts_only_the_masks_left_in_a_block():
    # Canvas with 3 fixed tokens in block 0 (7 masks) and none in block 1: 2 steps per block plan
    # llada_uniform(7, 2) = [4, 3] and llada_uniform(10, 2) = [5, 5].
    canvas = torch.full((1, 20), MASK, dtype=torch.long)
    canvas[0, [1, 4, 8]] = 2
    model = TableModel(confident_table(20), 20)
    res = decode(model, torch.ones(1, 2, dtype=torch.long), gen_length=20, block_length=10, steps=4,
                 mask_id=MASK, canvas=canvas)
    assert commits_per_step(res) == [4, 3, 5, 5]
