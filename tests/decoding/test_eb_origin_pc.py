"""Entropy-bounded (DECODING.md 4.5), Dream's origin (4.2) and PC-Sampler (4.10)."""
from __future__ import annotations

import json

import pytest
import torch

from decoding_testkit import MASK, V, TableModel, commits_per_step, entropy_of, log_dist
from parallelbench.decoding import decode
from parallelbench.decoding.strategies.pc import background_table
from parallelbench.errors import ConfigError

PROMPT = torch.ones(1, 2, dtype=torch.long)


def run(table, prompts=PROMPT, **kw):
    G = table.shape[0]
    model = TableModel(table, G)
    res = decode(model, prompts, gen_length=G, mask_id=MASK, **kw)
    assert int(res.nfe.max()) == model.calls
    return res


def spread_table(G: int, seed: int) -> torch.Tensor:
    """Positions from nearly certain to very uncertain (float64 logits)."""
    g = torch.Generator().manual_seed(seed)
    scale = torch.linspace(12.0, 0.2, G, dtype=torch.float64)[torch.randperm(G, generator=g)]
    return torch.randn(G, V, generator=g, dtype=torch.float64) * scale[:, None]


# ------------------------------------------------------------------------------------------- eb
def eb_reference_order(H: torch.Tensor, gamma: float, block: int) -> list[int]:
    """The prefix rule of DECODING.md 4.5 simulated directly (static predictions)."""
    order, step = [0] * len(H), 0
    for b0 in range(0, len(H), block):
        left = list(range(b0, b0 + block))
        while left:
            step += 1
            ranked = sorted(left, key=lambda i: (float(H[i]), i))
            n = 1
            while n < len(ranked) and sum(H[ranked[: n + 1]]) - max(H[ranked[: n + 1]]) <= gamma:
                n += 1
            for i in ranked[:n]:
                order[i] = step
            left = ranked[n:]
    return order


@pytest.mark.parametrize("gamma", [0.0, 0.01, 0.3, 1.0, 3.0])
@pytest.mark.parametrize("block", [12, 4])
def test_eb_commits_the_entropy_bounded_prefix(gamma, block):
    table = spread_table(12, seed=int(gamma * 10) + block)
    res = run(table, strategy="eb", gamma=gamma, block_length=block)
    assert res.order[0].tolist() == eb_reference_order(entropy_of(table), gamma, block)


def test_eb_extremes_and_default_gamma():
    table = spread_table(8, seed=3)
    assert int(run(table, strategy="eb", gamma=1e9).nfe[0]) == 1  # everything at once
    assert commits_per_step(run(table, strategy="eb", gamma=0.0)) == [1] * 8
    # The budget excludes the prefix's largest entropy: two near-certain positions plus the
    # more certain of two uncertain ones fit in the default 0.01 nats; the fourth does not.
    table = torch.stack([log_dist({1: 1 - 1e-9}), log_dist({2: 1 - 1e-9}), log_dist({3: 0.5}),
                         log_dist({4: 0.6})])
    res = run(table, strategy="eb")
    assert res.order[0].tolist() == [1, 1, 2, 1]


def test_eb_order_by_confidence_keeps_the_entropy_budget():
    # Confidence order (0.6 first) differs from entropy order (0.55+0.44 first).
    table = torch.stack([log_dist({1: 0.6}), log_dist({2: 0.55, 3: 0.44})])
    H = entropy_of(table)
    assert H[1] < H[0]
    by_conf = run(table, strategy="eb", order="confidence", gamma=0.0)
    by_entropy = run(table, strategy="eb", gamma=0.0)
    assert by_conf.order[0].tolist() == [1, 2] and by_entropy.order[0].tolist() == [2, 1]
    both = run(table, strategy="eb", order="margin", gamma=float(H.min()) + 1e-6)
    assert both.order[0].tolist() == [1, 1]


# --------------------------------------------------------------------------------------- origin
def test_origin_takes_exactly_steps_forwards_and_fills_every_block():
    table = spread_table(16, seed=1)
    for seed in range(5):
        res = run(table, strategy="origin", steps=8, block_length=8, seed=seed)
        assert int(res.nfe[0]) == 8 and not (res.tokens == MASK).any()
        assert int(res.order[0, :8].max()) <= 4 < int(res.order[0, 8:].min())  # 4 steps per block
    a = run(table, strategy="origin", steps=8, seed=11)
    assert torch.equal(a.order, run(table, strategy="origin", steps=8, seed=11).order)
    assert not torch.equal(a.order, run(table, strategy="origin", steps=8, seed=12).order)


def test_origin_reveal_count_is_binomial_with_probability_one_over_steps_left():
    # 400 rows with their own seeds in one batch: at step 0 of s = 4, each of 16 masks is
    # revealed with probability 1/4, so the count is Binomial(16, 1/4): mean 4, variance 3.
    n = 400
    table = spread_table(16, seed=2)
    res = run(table, prompts=torch.ones(n, 2, dtype=torch.long), strategy="origin", steps=4,
              seed=list(range(n)))
    first = (res.order == 1).sum(1).double()
    assert abs(first.mean().item() - 4.0) < 0.45 and 2.0 < first.var().item() < 4.2
    assert (res.nfe == 4).all() and not (res.tokens == MASK).any()
    # eps > 0 lowers the first probability to (1 - eps) / s.
    eps = run(table, prompts=torch.ones(n, 2, dtype=torch.long), strategy="origin", steps=4,
              seed=list(range(n)), eps=0.5)
    assert abs((eps.order == 1).sum(1).double().mean().item() - 2.0) < 0.4


# ------------------------------------------------------------------------------------------- pc
def test_pc_without_position_decay_and_uniform_background_is_confidence_topk():
    table = spread_table(10, seed=4)
    pc = run(table, strategy="pc", k=1, lam=0.0)
    assert torch.equal(pc.order, run(table, strategy="confidence-topk", k=1).order)
    assert int(pc.nfe[0]) == 10


def test_pc_strong_position_decay_is_left_to_right():
    table = spread_table(10, seed=5)
    assert run(table, strategy="pc", k=1, lam=5.0).order[0].tolist() == list(range(1, 11))
    linear = run(table, strategy="pc", k=1, lam=1.0, position="linear")
    assert linear.order[0].tolist() == list(range(1, 11))
    # Per block: the decay restarts at each block start.
    blocks = run(table[:8], strategy="pc", k=1, lam=5.0, block_length=4, **{"lambda": 5.0})
    assert blocks.order[0].tolist() == list(range(1, 9))


def test_pc_background_demotes_frequent_tokens(tmp_path):
    # Same confidence, different tokens: token 1 is common, token 2 rare.
    table = torch.stack([log_dist({1: 0.7}), log_dist({2: 0.7})])
    counts = {1: 1000, 2: 1, 3: 5}
    rare_first = run(table, strategy="pc", k=1, lam=0.0, background=counts)
    assert rare_first.order[0].tolist() == [2, 1]
    uniform = run(table, strategy="pc", k=1, lam=0.0)  # uniform f_bg: confidence order
    assert torch.equal(uniform.order, run(table, strategy="confidence-topk", k=1).order)
    path = tmp_path / "bg.json"
    path.write_text(json.dumps({str(k): v for k, v in counts.items()}))
    assert torch.equal(run(table, strategy="pc", k=1, lam=0.0, background=str(path)).order, rare_first.order)
    dense = torch.zeros(V)
    for k, v in counts.items():
        dense[k] = v
    assert torch.equal(run(table, strategy="pc", k=1, lam=0.0, background=dense).order, rare_first.order)


def test_pc_background_table_normalises_and_floors_unseen_tokens():
    t = background_table({0: 3, 2: 1}, 4)
    assert torch.allclose(t, torch.tensor([0.75, 0.25, 0.25, 0.25], dtype=torch.float64))
    assert torch.allclose(background_table(None, 5), torch.full((5,), 0.2, dtype=torch.float64))
    with pytest.raises(ConfigError, match="outside the vocabulary"):
        background_table({7: 1}, 4)
    with pytest.raises(ConfigError, match="3 entries but the vocabulary has 4"):
        background_table([1, 2, 3], 4)
    with pytest.raises(ConfigError, match="finite, >= 0"):
        background_table([1, -2, 3, 4], 4)
    with pytest.raises(ConfigError, match="cannot read background table"):
        background_table("/nonexistent/bg.json", 4)


def test_pc_alpha_caps_the_calibrated_score():
    # With alpha tiny every calibrated score is capped to the same value: the order is by position.
    table = spread_table(6, seed=6)
    assert run(table, strategy="pc", k=1, lam=0.0, alpha=1e-6).order[0].tolist() == list(range(1, 7))


def test_pc_random_score_is_seeded():
    table = spread_table(10, seed=7)
    a = run(table, strategy="pc", k=1, lam=0.0, score="random", seed=1)
    b = run(table, strategy="pc", k=1, lam=0.0, score="random", seed=1)
    c = run(table, strategy="pc", k=1, lam=0.0, score="random", seed=2)
    assert torch.equal(a.order, b.order) and not torch.equal(a.order, c.order)
    assert not torch.equal(a.order, run(table, strategy="pc", k=1, lam=0.0).order)
