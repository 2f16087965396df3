"""KV-cache parity: our sampler with cache="prefix"/"dual" against Fast-dLLM's own loops
(``generate_with_prefix_cache`` / ``generate_with_dual_cache``) on a tiny random-init checkpoint
of Fast-dLLM's cache-aware LLaDA, token for token."""
from __future__ import annotations

import pytest
import torch

from parallelbench.decoding import decode
from parallelbench.errors import ConfigError
from parallelbench.models.families import Family
from parallelbench.models.hf_dllm import DllmAdapter

import kv_kit as kit

MASK = kit.FAST_LLADA_MASK
P, G = 12, 32


@pytest.fixture(scope="module")
def llada(tmp_path_factory):
    model, cls = kit.fast_dllm_llada(tmp_path_factory.mktemp("fast_llada"), sharpen=80.0)
    return model, kit.fast_dllm_generate(cls)


def _adapter(model):
    return DllmAdapter(model, Family("llada", mask_id=MASK, eos_id=None, pad_id=None, shift_logits=False))


def _prompts(n: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, MASK - 2, (n, P), generator=g)


REFERENCE = {"none": "generate", "prefix": "generate_with_prefix_cache", "dual": "generate_with_dual_cache"}
# (block_length, steps or None for threshold, threshold)
CASES = [(32, 16, None), (16, 8, None), (8, 8, None), (8, 32, None), (16, 32, None),
         (32, None, 0.9), (8, None, 0.9), (16, None, 0.7), (16, None, 0.5), (8, None, 0.5)]


@pytest.mark.parametrize("mode", ["prefix", "dual"])
@pytest.mark.parametrize("block,steps,threshold", CASES)
def test_tokens_equal_fast_dllm(llada, mode, block, steps, threshold):
    model, ref = llada
    prompts = _prompts(3, seed=block + (steps or 0))
    wrapped = kit.MaskSuppressed(model, MASK)
    fn = getattr(ref, REFERENCE[mode])
    expected, nfe_ref = [], []
    for row in prompts:
        x, nfe = fn(wrapped, row[None], steps=steps or G, gen_length=G, block_length=block,
                    temperature=0.0, remasking="low_confidence", mask_id=MASK, threshold=threshold)
        expected.append(x[0, P:])
        nfe_ref.append(nfe)
    cfg = dict(gen_length=G, block_length=block, mask_id=MASK, cache=mode)
    if threshold is None:
        cfg.update(strategy="confidence-topk", steps=steps)
    else:
        cfg.update(strategy="confidence-threshold", threshold=threshold)
    out = decode(_adapter(model), prompts, None, cfg)
    assert torch.equal(out.tokens, torch.stack(expected))
    # NFE: the same, except that Fast-dLLM's loop always runs one more forward after a block's
    # refresh pass, even when that pass already filled the block (that forward commits nothing).
    for i, theirs in enumerate(nfe_ref):
        per_block = out.order[i].view(G // block, block)
        filled_by_refresh = int((per_block.min(1).values == per_block.max(1).values).sum())
        assert theirs == int(out.nfe[i]) + filled_by_refresh
        if threshold is None:
            assert int(out.nfe[i]) == steps

def test_no_cache_matches_reference_generate(llada):
    model, ref = llada
    prompts = _prompts(2, seed=7)
    wrapped = kit.MaskSuppressed(model, MASK)
    expected = [ref.generate(wrapped, r[None], steps=16, gen_length=G, block_length=16,
                             mask_id=MASK)[0][0, P:] for r in prompts]
    out = decode(_adapter(model), prompts, None, strategy="confidence-topk", steps=16, gen_length=G,
                 block_length=16, mask_id=MASK)
    assert torch.equal(out.tokens, torch.stack(expected))


def test_cache_changes_results_only_through_the_approximation(llada):
    """prefix/dual differ from no cache on a bidirectional model (cached keys are stale), and the
    refresh pass makes the first step of every block exact."""
    model, _ = llada
    prompts = _prompts(4, seed=3)
    cfg = dict(strategy="confidence-topk", steps=32, gen_length=G, block_length=8, mask_id=MASK,
               record_history=True)
    runs = {m: decode(_adapter(model), prompts, None, cfg, cache=m) for m in ("none", "prefix", "dual")}
    for m in ("prefix", "dual"):
        # the very first step is a full forward in every mode
        for b in range(4):
            assert torch.equal(runs[m].history[b][0], runs["none"].history[b][0])
    assert not all(torch.equal(runs[m].tokens, runs["none"].tokens) for m in ("prefix", "dual"))


def test_batch_equals_alone_with_cache(llada):
    model, _ = llada
    prompts = _prompts(4, seed=11)
    for mode in ("prefix", "dual"):
        cfg = dict(strategy="confidence-threshold", threshold=0.7, gen_length=G, block_length=8,
                   mask_id=MASK, cache=mode)
        batch = decode(_adapter(model), prompts, None, cfg)
        for i in range(4):
            alone = decode(_adapter(model), prompts[i:i + 1], None, cfg)
            assert torch.equal(batch.tokens[i], alone.tokens[0])
            assert int(batch.nfe[i]) == int(alone.nfe[0])


def test_strategies_that_cannot_cache_fail_before_any_forward(llada):
    model, _ = llada
    adapter = _adapter(model)
    calls = kit.MaskSuppressed(model, MASK)
    adapter.model = calls  # any forward would be counted
    for strategy, extra in (("rcr", {"steps": 8}), ("wino", {})):
        with pytest.raises(ConfigError, match="cannot use cache"):
            decode(adapter, _prompts(1), None, strategy=strategy, gen_length=G, block_length=8,
                   mask_id=MASK, cache="prefix", **extra)
    assert calls.calls == 0
