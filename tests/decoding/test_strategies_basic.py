"""The simple strategies on scripted models whose confidences are set exactly: top-k by
confidence / margin / entropy / random / left-to-right, Fast-dLLM threshold and factor."""
from __future__ import annotations

import pytest
import torch

from decoding_testkit import MASK, V, BertAdapter, TableModel, commits_per_step, entropy_of, log_dist, tiny_bert
from parallelbench.decoding import decode

PROMPT = torch.ones(1, 2, dtype=torch.long)


def run(table, **kw):
    G = table.shape[0]
    model = TableModel(table, G)
    res = decode(model, PROMPT, gen_length=G, mask_id=MASK, record_history=True, **kw)
    assert int(res.nfe[0]) == model.calls
    return res


def random_table(G: int, seed: int) -> torch.Tensor:
    """Random logits with a spread of confidences (float64)."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(G, V, generator=g, dtype=torch.float64) * torch.linspace(0.5, 4.0, G, dtype=torch.float64)[:, None]


def reference_scores(table: torch.Tensor, kind: str) -> torch.Tensor:
    """Scores recomputed independently from the model's logits (mask token removed)."""
    logits = table.clone()
    logits[:, MASK] = float("-inf")
    p = torch.softmax(logits, -1)
    if kind == "confidence":
        return p.max(-1).values
    if kind == "margin":
        top2 = p.topk(2, -1).values
        return top2[:, 0] - top2[:, 1]
    return -entropy_of(table)


@pytest.mark.parametrize("strategy,kind", [("confidence-topk", "confidence"), ("topk-margin", "margin"),
                                           ("entropy-topk", "entropy")])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_topk_scores_order_commits_on_a_static_model(strategy, kind, seed):
    table = random_table(10, seed)
    res = run(table, strategy=strategy, k=1)
    # Predictions never change, so step t commits the t-th best position by the score.
    expected = torch.empty(10, dtype=torch.long)
    expected[torch.argsort(reference_scores(table, kind), descending=True)] = torch.arange(1, 11)
    assert res.order[0].tolist() == expected.tolist()
    logits = table.clone()
    logits[:, MASK] = float("-inf")
    assert res.tokens[0].tolist() == logits.argmax(-1).tolist()  # greedy tokens


def test_margin_and_entropy_disagree_with_confidence_where_designed():
    table = torch.stack([log_dist({1: 0.5, 2: 0.45}), log_dist({3: 0.4, 4: 0.1})])
    assert run(table, strategy="confidence-topk", k=1).order[0].tolist() == [1, 2]
    assert run(table, strategy="topk-margin", k=1).order[0].tolist() == [2, 1]  # 0.3 > 0.05
    table = torch.stack([log_dist({1: 0.5}), log_dist({3: 0.45, 4: 0.45})])
    assert run(table, strategy="confidence-topk", k=1).order[0].tolist() == [1, 2]
    assert run(table, strategy="entropy-topk", k=1).order[0].tolist() == [2, 1]  # H 1.2 < 2.0


def test_random_positions_depend_only_on_the_seed():
    table = random_table(12, 5)
    a, b = run(table, strategy="random", k=2, seed=4), run(table, strategy="random", k=2, seed=4)
    c = run(table, strategy="random", k=2, seed=5)
    assert torch.equal(a.order, b.order) and not torch.equal(a.order, c.order)
    assert commits_per_step(a) == [2] * 6
    assert torch.equal(a.tokens, c.tokens)  # positions are random, tokens still greedy
    confidence = run(table, strategy="confidence-topk", k=2)
    assert not torch.equal(a.order, confidence.order)


def test_l2r_k1_equals_greedy_left_to_right_decoding():
    model = BertAdapter(tiny_bert(vocab=40), scale=3.0)
    mask = 39
    prompt = torch.tensor([[5, 9, 2, 17]])
    res = decode(model, prompt, strategy="l2r", k=1, gen_length=8, mask_id=mask)
    # Autoregressive decoding inside the masked LM, written out by hand.
    x = torch.cat([prompt, torch.full((1, 8), mask)], 1)
    with torch.no_grad():
        for j in range(8):
            logits = model(x, torch.ones_like(x))[0, 4 + j].clone()
            logits[mask] = float("-inf")
            x[0, 4 + j] = logits.argmax()
    assert res.tokens[0].tolist() == x[0, 4:].tolist()
    assert res.order[0].tolist() == list(range(1, 9)) and int(res.nfe[0]) == 8
    two = decode(model, prompt, strategy="l2r", k=2, gen_length=8, mask_id=mask)
    assert two.order[0].tolist() == [1, 1, 2, 2, 3, 3, 4, 4]


def confidences(*cs: float) -> torch.Tensor:
    return torch.stack([log_dist({(3 * i + 1) % MASK: c}) for i, c in enumerate(cs)])


def test_threshold_commits_all_passing_then_falls_back_to_the_best_one():
    res = run(confidences(0.95, 0.3, 0.92, 0.5), strategy="confidence-threshold", threshold=0.9)
    assert res.order[0].tolist() == [1, 3, 1, 2] and int(res.nfe[0]) == 3
    # None passes: exactly one token per step, the most confident first.
    res = run(confidences(0.4, 0.3, 0.6, 0.5), strategy="confidence-threshold", threshold=0.9)
    assert res.order[0].tolist() == [3, 4, 1, 2] and commits_per_step(res) == [1, 1, 1, 1]
    # Threshold 1.0 with no certain prediction is one token per step as well.
    assert int(run(confidences(0.99, 0.98), strategy="threshold", threshold=1.0).nfe[0]) == 2


def test_threshold_pass_rule_is_non_strict_unless_asked():
    # Two tied tokens: every confidence is exactly 0.5.
    row = torch.full((V,), float("-inf"), dtype=torch.float64)
    row[[1, 2]] = 0.0
    table = row.expand(4, V).clone()
    assert commits_per_step(run(table, strategy="confidence-threshold", threshold=0.5)) == [4]
    strict = run(table, strategy="confidence-threshold", threshold=0.5, strict=True)
    assert commits_per_step(strict) == [1, 1, 1, 1]
    assert strict.tokens[0].tolist() == [1] * 4  # token ties: the lowest id (argmax)


def test_factor_rule_reference_last_rank_and_the_corrected_variant():
    f1 = dict(strategy="confidence-factor", factor=1.0)
    # Sorted 0.99, 0.9, 0.8, 0.1 vs thresholds -, 0.667, 0.75, 0.8: first failure at the last rank.
    table = confidences(0.99, 0.9, 0.8, 0.1)
    assert commits_per_step(run(table, **f1)) == [4]  # the references commit all of them
    assert commits_per_step(run(table, **f1, variant="corrected")) == [3, 1]
    # Exactly two left: the reference always commits both; the corrected rule can commit one.
    table = confidences(0.9, 0.5)
    assert commits_per_step(run(table, **f1)) == [2]
    assert commits_per_step(run(table, **f1, variant="corrected")) == [1, 1]
    # A failure before the last rank is the same under both rules: 0.5 < 0.75 at rank 3.
    table = confidences(0.99, 0.5, 0.95, 0.1)
    for variant in ("reference", "corrected"):
        res = run(table, **f1, variant=variant)
        assert res.order[0].tolist()[:3] == [1, 2, 1] and commits_per_step(res)[0] == 2
    # A larger factor is more permissive: f = 1.9 lets 0.5 pass at rank 2 (theta = 0.367); 0.1
    # fails at the last rank (theta = 0.525), so the reference commits all three.
    table = confidences(0.99, 0.5, 0.1)
    assert commits_per_step(run(table, strategy="factor", factor=1.9, variant="corrected"))[0] == 2
    assert commits_per_step(run(table, strategy="factor", factor=1.9)) == [3]
