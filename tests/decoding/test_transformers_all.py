"""Every registered strategy on a tiny random-init ``transformers`` masked LM (built from a config,
no download), with a left-padded batch of prompts of different lengths.

Batch equality is checked exactly, so the model runs in float64: left padding changes the shapes
of the matrix products, and in float32 that can move the last bits of a logit and flip a near-tie
(the sampler itself never mixes rows). A float32 run checks that nothing else depends on float64.
"""
from __future__ import annotations

import pytest
import torch

from decoding_testkit import BertAdapter, left_padded, tiny_bert
from parallelbench.decoding import decode, get_strategy, list_strategies

transformers = pytest.importorskip("transformers")

VOCAB, MASK, PAD, G, BLOCK = 40, 39, 0, 16, 8


def strategy_kwargs(strategy: str) -> dict:
    """The least each strategy needs (fixed-count ones get 8 steps, 4 per block)."""
    kw = {"steps": 8} if get_strategy(strategy).fixed_count else {}
    if strategy == "confidence-factor":
        kw["factor"] = 1.0
    if strategy == "remdm":
        kw.update(steps=16, remdm_steps=2)
    return kw


@pytest.fixture(scope="module")
def bert64():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: one thread is faster and steadier on 2 cores
    yield tiny_bert(VOCAB, torch.float64)
    torch.set_num_threads(threads)


def decode_batch_and_alone(bert, strategy, scale, **kw):
    ids, attn = left_padded([6, 3, 1], VOCAB, PAD, MASK)
    kw = {**strategy_kwargs(strategy), **kw}
    seeds = kw.pop("seed", 0)
    model = BertAdapter(bert, scale)
    res = decode(model, ids, attn, strategy=strategy, gen_length=G, block_length=BLOCK, mask_id=MASK,
                 pad_id=PAD, seed=seeds, **kw)
    # DUS's reference variant leaves its re-masked slots masked (as the references do).
    kept = (res.tokens == MASK) if strategy == "dus" and kw.get("variant") != "corrected" else None
    assert res.tokens.shape == (3, G) and (kept is not None or not (res.tokens == MASK).any())
    assert ((res.tokens >= 0) & (res.tokens < VOCAB)).all()
    assert int(res.nfe.max()) == model.calls and int(res.nfe.sum()) == model.rows
    assert torch.allclose(res.tokens_per_step, G / res.nfe.double())
    filled = res.order if kept is None else res.order[~kept]
    assert (filled >= 1).all() and (res.order <= res.nfe[:, None]).all()
    for i in range(3):
        alone_model = BertAdapter(bert, scale)
        keep = attn[i].bool()
        alone = decode(alone_model, ids[i:i + 1, keep], strategy=strategy, gen_length=G, block_length=BLOCK,
                       mask_id=MASK, seed=seeds[i] if isinstance(seeds, list) else seeds, **kw)
        assert int(alone.nfe[0]) == alone_model.calls
        assert torch.equal(alone.tokens[0], res.tokens[i]), f"{strategy}: row {i} differs from its solo decode"
        assert torch.equal(alone.nfe[0], res.nfe[i]) and torch.equal(alone.order[0], res.order[i])
    return res


@pytest.mark.parametrize("strategy", [s for s in list_strategies() if not getattr(get_strategy(s), "requires", "")])
def test_every_strategy_decodes_a_padded_batch_exactly_as_each_row_alone(bert64, strategy):
    res = decode_batch_and_alone(bert64, strategy, scale=20.0)
    if get_strategy(strategy).fixed_count and strategy != "remdm":
        assert res.nfe.tolist() == [8, 8, 8]


@pytest.mark.parametrize("strategy", ["random", "confidence-topk", "topk-margin", "entropy-topk", "l2r",
                                      "confidence-threshold", "confidence-factor", "eb", "origin", "pc"])
def test_sampling_with_per_row_seeds_batch_equals_alone(bert64, strategy):
    decode_batch_and_alone(bert64, strategy, scale=5.0, temperature=0.7, seed=[3, 4, 5])


def test_adaptive_rows_differ_in_steps_on_a_real_model(bert64):
    res = decode_batch_and_alone(bert64, "confidence-threshold", scale=50.0, threshold=0.5)
    assert len(set(res.nfe.tolist())) > 1, "rows should need different numbers of steps"


@pytest.mark.parametrize("strategy", ["confidence-topk", "confidence-threshold", "eb", "wino"])
def test_float32_model_runs(strategy):
    model = BertAdapter(tiny_bert(VOCAB, torch.float32), 20.0)
    ids, attn = left_padded([5, 2], VOCAB, PAD, MASK)
    res = decode(model, ids, attn, strategy=strategy, gen_length=G, block_length=BLOCK, mask_id=MASK,
                 **strategy_kwargs(strategy))
    assert not (res.tokens == MASK).any() and int(res.nfe.max()) == model.calls
