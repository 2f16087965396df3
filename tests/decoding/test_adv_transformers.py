"""The advanced strategies on a tiny random-init ``transformers`` masked LM (float64): every
strategy completes, never emits the mask token (except DUS's reference variant, whose re-masked
slots stay masked), reports NFE equal to the model's call count, and decodes each row of a
left-padded batch exactly as it decodes that row alone."""
from __future__ import annotations

import pytest
import torch

from decoding_testkit import BertAdapter, tiny_bert
from parallelbench.decoding import decode

transformers = pytest.importorskip("transformers")

V, MASK, PAD = 48, 47, 0
STRATEGIES = {
    "klass": {},
    "slowfast": {},
    "dus": {},
    "wino": {},
    "remdm": {"steps": 16, "remdm_steps": 2, "remdm_number": 2},
    "rcr": {"steps": 8, "gamma_schedule": "cosine"},
}


@pytest.fixture(scope="module")
def bert():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: one thread is much faster on a busy 2-core machine
    yield tiny_bert(V, torch.float64)
    torch.set_num_threads(threads)


def prompts():
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1, MASK, (3, 6), generator=g)
    attn = torch.ones_like(ids)
    ids[1, :2], attn[1, :2] = PAD, 0  # left padding
    ids[2, :4], attn[2, :4] = PAD, 0
    return ids, attn


def check(bert, strategy, scale, **kw):
    ids, attn = prompts()
    kw = {**STRATEGIES[strategy], **kw}
    seeds = kw.pop("seed", 0)
    model = BertAdapter(bert, scale)
    batch = decode(model, ids, attn, strategy=strategy, gen_length=16, block_length=8, mask_id=MASK,
                   pad_id=PAD, seed=seeds, **kw)
    if strategy != "dus" or kw.get("variant") == "corrected":
        assert not (batch.tokens == MASK).any()
    assert ((batch.tokens >= 0) & (batch.tokens < V)).all()
    assert int(batch.nfe.max()) == model.calls and int(batch.nfe.sum()) == model.rows
    assert torch.allclose(batch.tokens_per_step, 16 / batch.nfe.double())
    for i in range(3):
        keep = attn[i].bool()
        alone_model = BertAdapter(bert, scale)
        seed = seeds[i] if isinstance(seeds, list) else seeds
        alone = decode(alone_model, ids[i : i + 1, keep], strategy=strategy, gen_length=16, block_length=8,
                       mask_id=MASK, seed=seed, **kw)
        assert int(alone.nfe[0]) == alone_model.calls
        assert torch.equal(alone.tokens[0], batch.tokens[i]), f"row {i} differs alone"
        assert torch.equal(alone.nfe[0], batch.nfe[i]) and torch.equal(alone.order[0], batch.order[i])
        assert torch.equal(alone.remasked[0], batch.remasked[i])
    return batch


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
@pytest.mark.parametrize("scale", [1.0, 100.0])  # 100: confident enough for parallel steps
def test_strategy_on_tiny_bert_batch_equals_alone(bert, strategy, scale):
    res = check(bert, strategy, scale)
    if strategy == "dus":
        assert res.nfe.tolist() == [6, 6, 6]  # levels [2, 2, 4] per block of 8, two blocks
    if strategy == "remdm":
        assert res.nfe.tolist() == [16 + 2 * 2] * 3 and res.remasked.tolist() == [2 * 2 * 2] * 3
    if strategy == "rcr":
        assert res.nfe.tolist() == [8] * 3


@pytest.mark.parametrize("strategy", ["klass", "slowfast", "dus", "wino", "remdm"])
def test_sampling_with_per_row_seeds_batch_equals_alone(bert, strategy):
    check(bert, strategy, 5.0, temperature=0.8, seed=[3, 4, 5])


@pytest.mark.parametrize("strategy", ["dus", "wino", "klass"])
def test_corrected_variants_batch_equals_alone(bert, strategy):
    res = check(bert, strategy, 100.0, variant="corrected", **({"steps": 8} if strategy == "klass" else {}))
    assert not (res.tokens == MASK).any()


def test_variants_run_on_tiny_bert(bert):
    ids, attn = prompts()
    for strategy, kw in [("wino", {"variant": "corrected"}),
                         ("klass", {"steps": 8, "reset_per_block": False}),
                         ("slowfast", {"explore_steps": 2, "window": 3})]:
        model = BertAdapter(bert, 25.0)
        res = decode(model, ids, attn, strategy=strategy, gen_length=16, block_length=8, mask_id=MASK,
                     pad_id=PAD, **kw)
        assert int(res.nfe.max()) == model.calls
        if strategy == "klass":
            assert int(res.nfe.max()) <= 8  # at most s steps per block
