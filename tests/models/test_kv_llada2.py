"""LLaDA2 (block diffusion) through the sampler's block-causal mode, token for token against a
faithful restatement of dllm's LLaDA2 sampler (../shared/upstream/llada2_moe/reference_sampler.py,
which imports dllm internals and cannot run alone) on a tiny random-init checkpoint of the real
LLaDA2 code, with and without the committed-block cache."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from parallelbench.decoding import decode
from parallelbench.errors import ConfigError
from parallelbench.models import compat
from parallelbench.models.families import Family
from parallelbench.models.hf_dllm import DllmAdapter

import upstream_kit as kit


@pytest.fixture(scope="module")
def llada2(tmp_path_factory):
    if not kit.available("llada2"):
        pytest.skip("../shared/upstream/llada2_moe is not available")
    folder = kit.build("llada2", tmp_path_factory.mktemp("llada2") / "m", seed=3)
    model = compat.load_remote(str(folder), dtype=torch.float32).eval()
    with torch.no_grad():  # confidences spread over (0, 1): thresholds commit several tokens at times
        model.lm_head.weight.mul_(3.0)
    ids = kit.special_ids("llada2")
    return model, ids["mask"], ids["pad"]


def reference_sample(model, prompts, *, mask_id, max_new_tokens, block_size, steps_per_block,
                     threshold, minimal_topk=1):
    """dllm's ``LLaDA2Sampler.sample`` at temperature 0, restated (equal-length prompts), with the
    mask token's logit at -inf (our convention on both sides)."""
    prompt_len, B = prompts.shape[1], prompts.shape[0]
    steps_per_block = min(steps_per_block, max_new_tokens // minimal_topk)
    num_blocks = (prompt_len + max_new_tokens + block_size - 1) // block_size
    total_len = num_blocks * block_size
    block_mask = torch.tril(torch.ones(num_blocks, num_blocks))
    block_attn = (block_mask.repeat_interleave(block_size, 0).repeat_interleave(block_size, 1)
                  [None, None].log().to(torch.bfloat16))
    position_ids = torch.arange(total_len)[None]
    x = torch.full((B, total_len), mask_id, dtype=torch.long)
    x[:, :prompt_len] = prompts
    base, rem = divmod(block_size, steps_per_block)
    schedule = [base + (1 if j < rem else 0) for j in range(steps_per_block)]
    nfe = 0
    for blk in range(prompt_len // block_size, num_blocks):
        end = (blk + 1) * block_size
        for step in range(steps_per_block):
            block_slice = x[:, end - block_size: end]
            active = block_slice == mask_id
            if not active.any():
                break
            # (the reference's bfloat16 mask in the model's dtype: SDPA rejects a mixed pair; the
            # values, 0 and -inf, are the same)
            logits = model(x[:, :end], attention_mask=block_attn[:, :, :end, :end].float(),
                           position_ids=position_ids[:, :end]).logits
            nfe += 1
            logits[..., mask_id] = float("-inf")
            probs = F.softmax(logits[:, -block_size:, :], dim=-1)
            tokens = probs.argmax(-1)
            conf_all = probs.gather(-1, tokens[..., None]).squeeze(-1)
            n = schedule[step]
            transfer = torch.zeros_like(block_slice, dtype=torch.bool)
            for b in range(B):
                conf = torch.where(active[b], conf_all[b], torch.full_like(conf_all[b], -float("inf")))
                high = (conf > threshold) & active[b]
                if high.sum().item() >= n:
                    transfer[b] = high
                elif n > 0 and active[b].any():
                    _, idx = torch.topk(conf, k=min(n, int(active[b].sum())))
                    transfer[b, idx] = True
            block_slice[transfer] = tokens[transfer]
    return x, nfe


def _adapter(model, mask, pad):
    return DllmAdapter(model, Family("llada2", mask_id=mask, eos_id=None, pad_id=pad, shift_logits=False))


CASES = [  # prompt length, gen length, block, steps per block, threshold
    (5, 16, 8, 8, 0.95), (8, 16, 8, 4, 0.95), (11, 20, 8, 8, 0.7), (3, 16, 16, 16, 0.95),
    (13, 24, 8, 2, 0.9), (6, 16, 4, 4, 0.5),
]


@pytest.mark.parametrize("cache", ["none", "prefix"])
@pytest.mark.parametrize("P,G,block,spb,thr", CASES)
def test_llada2_equals_reference_sampler(llada2, cache, P, G, block, spb, thr):
    model, mask, pad = llada2
    g = torch.Generator().manual_seed(P * 7 + G)
    prompts = torch.randint(5, 100, (2, P), generator=g)
    out = decode(_adapter(model, mask, pad), prompts, None, strategy="llada2", gen_length=G,
                 block_length=block, threshold=thr, steps_per_block=spb, mask_id=mask, pad_id=pad,
                 cache=cache)
    assert out.tokens.shape == (2, G) and not (out.tokens == mask).any()
    for i in range(2):  # the reference decodes a batch in lockstep; one row at a time gives its NFE
        expected, nfe = reference_sample(model, prompts[i:i + 1], mask_id=mask, max_new_tokens=G,
                                         block_size=block, steps_per_block=spb, threshold=thr)
        assert torch.equal(out.tokens[i], expected[0, P:P + G])
        assert int(out.nfe[i]) == nfe
    together, _ = reference_sample(model, prompts, mask_id=mask, max_new_tokens=G, block_size=block,
                                   steps_per_block=spb, threshold=thr)
    assert torch.equal(out.tokens, together[:, P:P + G])


def test_mixed_lengths_batch_equals_alone(llada2):
    """Rows are left-padded by whole blocks, so each decodes as alone (tokens and NFE)."""
    model, mask, pad = llada2
    g = torch.Generator().manual_seed(0)
    lengths = [3, 9, 14]
    P = max(lengths)
    ids = torch.full((3, P), pad)
    attn = torch.zeros_like(ids)
    for i, n in enumerate(lengths):
        ids[i, P - n:] = torch.randint(5, 100, (n,), generator=g)
        attn[i, P - n:] = 1
    for cache in ("none", "prefix"):
        for strategy, extra in (("llada2", {"threshold": 0.8, "steps_per_block": 4}),
                                ("confidence-topk", {"steps": 8}), ("confidence-threshold", {})):
            cfg = dict(strategy=strategy, gen_length=16, block_length=8, mask_id=mask, pad_id=pad,
                       cache=cache, **extra)
            batch = decode(_adapter(model, mask, pad), ids, attn, cfg)
            for i, n in enumerate(lengths):
                alone = decode(_adapter(model, mask, pad), ids[i:i + 1, P - n:], None, cfg)
                assert torch.equal(batch.tokens[i], alone.tokens[0]), (cache, strategy, i)
                assert torch.equal(batch.nfe[i], alone.nfe[0])


def test_block_cache_is_exact_and_cheaper(llada2):
    """The committed-block cache changes nothing (block-causal attention) and feeds fewer tokens."""
    model, mask, pad = llada2
    g = torch.Generator().manual_seed(5)
    prompts = torch.randint(5, 100, (2, 10), generator=g)
    fed = {}
    outs = {}
    for cache in ("none", "prefix"):
        adapter = _adapter(model, mask, pad)
        inner, seen = adapter.kv_backend.forward, []

        def counting(ids, attn, _inner=inner, _seen=seen, **kw):
            _seen.append(ids.numel())
            return _inner(ids, attn, **kw)

        adapter.kv_backend.forward = counting
        outs[cache] = decode(adapter, prompts, None, strategy="confidence-topk", steps=12, gen_length=24,
                             block_length=8, mask_id=mask, cache=cache)
        fed[cache] = sum(seen)
    assert torch.equal(outs["none"].tokens, outs["prefix"].tokens)
    assert torch.equal(outs["none"].nfe, outs["prefix"].nfe)
    assert fed["prefix"] < fed["none"] / 2


def test_block_causal_errors(llada2):
    model, mask, pad = llada2
    adapter = _adapter(model, mask, pad)
    prompts = torch.randint(5, 100, (1, 6))
    with pytest.raises(ConfigError, match="dual"):
        decode(adapter, prompts, None, strategy="confidence-topk", steps=8, gen_length=16, block_length=8,
               mask_id=mask, cache="dual")
    with pytest.raises(ConfigError, match="'rcr' cannot decode a block-causal model"):
        decode(adapter, prompts, None, strategy="rcr", steps=8, gen_length=16, block_length=8, mask_id=mask)
