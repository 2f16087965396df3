"""Fast-dLLM's cache-aware Dream (tiny, random init) through the ``hf-dllm`` adapter's KV hook:
the backend's windows reproduce the full forward when the cache comes from the same tokens
(left padding included), and decoding with prefix/dual cache runs with Dream's logit shift."""
from __future__ import annotations

import pytest
import torch

from parallelbench.decoding import decode
from parallelbench.models.families import Family
from parallelbench.models.hf_dllm import DllmAdapter

import kv_kit as kit

MASK = kit.DREAM_MASK


@pytest.fixture(scope="module")
def dream(tmp_path_factory):
    model, _ = kit.fast_dllm_dream(tmp_path_factory.mktemp("fast_dream"), sharpen=40.0)
    return model


def _adapter(model):
    return DllmAdapter(model, Family("dream", mask_id=MASK, eos_id=None, pad_id=None, shift_logits=True))


def test_windows_match_the_full_forward(dream):
    backend = _adapter(dream).kv_backend
    assert backend is not None and backend.modes == {"prefix", "dual"}
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, MASK - 2, (2, 30), generator=g)
    attn = torch.ones_like(x)
    attn[1, :4] = 0  # a left-padded row
    mask4d = attn.bool()[:, None, None, :].expand(-1, 1, 30, -1)
    full = dream(x, mask4d, None).logits
    logits, kv = backend.forward(x, attn, logits_range=(9, 20), return_kv=True)
    assert torch.allclose(logits, full[:, 9:20], atol=1e-5) and kv.length == 30
    prefix, _ = backend.forward(x[:, 11:], attn, start=11, past=kv.upto(11), logits_range=(11, 20))
    assert torch.allclose(prefix, full[:, 11:20], atol=1e-5)
    dual, _ = backend.forward(x[:, 11:20], attn, start=11, past=kv.rows(torch.arange(2)), logits_range=(11, 20))
    assert torch.allclose(dual, full[:, 11:20], atol=1e-5)


@pytest.mark.parametrize("mode", ["prefix", "dual"])
@pytest.mark.parametrize("strategy,extra", [("confidence-topk", {"steps": 16}), ("confidence-threshold", {})])
def test_decode_with_cache(dream, mode, strategy, extra):
    g = torch.Generator().manual_seed(1)
    prompts = torch.randint(0, MASK - 2, (3, 10), generator=g)
    cfg = dict(strategy=strategy, gen_length=16, block_length=8, mask_id=MASK, shift_logits=True,
               record_history=True, **extra)
    res = decode(_adapter(dream), prompts, None, cfg, cache=mode)
    plain = decode(_adapter(dream), prompts, None, cfg)
    assert not (res.tokens == MASK).any()
    for i in range(3):
        assert torch.equal(res.history[i][0], plain.history[i][0])
        alone = decode(_adapter(dream), prompts[i:i + 1], None, cfg, cache=mode)
        assert torch.equal(alone.tokens[0], res.tokens[i]) and torch.equal(alone.nfe[0], res.nfe[i])
