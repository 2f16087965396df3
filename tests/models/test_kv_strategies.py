"""Every strategy that decodes block by block runs with cache="prefix" and "dual" on Fast-dLLM's
cache-aware LLaDA (tiny, random init): all masks filled, one NFE per model call per row, the first
step of each row identical to the uncached run, and a row decodes the same in a batch as alone."""
from __future__ import annotations

import pytest
import torch

from parallelbench.decoding import decode, get_strategy, list_strategies
from parallelbench.decoding.strategies import Strategy

import kv_kit as kit
from test_kv_fast_dllm import MASK, _adapter, _prompts

G, BLOCK = 16, 8


def cacheable() -> list[str]:
    return [s for s in list_strategies()
            if get_strategy(s).kv_cache is True and get_strategy(s).forward is Strategy.forward
            and not getattr(get_strategy(s), "requires", "")]


def kwargs(strategy: str) -> dict:
    kw = {"steps": 8} if get_strategy(strategy).fixed_count else {}
    if strategy == "confidence-factor":
        kw["factor"] = 1.0
    if strategy == "remdm":
        kw.update(steps=16, remdm_steps=2)
    return kw


class Counting:
    """The adapter's backend, counting rows per call."""

    def __init__(self, backend):
        self.inner, self.rows, self.calls = backend, 0, 0
        self.modes, self.causal_blocks = backend.modes, backend.causal_blocks

    def forward(self, ids, attn, **kw):
        self.rows += ids.shape[0]
        self.calls += 1
        return self.inner.forward(ids, attn, **kw)


@pytest.fixture(scope="module")
def llada(tmp_path_factory):
    model, _ = kit.fast_dllm_llada(tmp_path_factory.mktemp("fast_llada_s"), sharpen=80.0)
    return model


def test_every_block_local_strategy_is_cacheable():
    assert set(list_strategies()) - set(cacheable()) == {"rcr", "wino", "native"}  # native: canvas models


@pytest.mark.parametrize("mode", ["prefix", "dual"])
@pytest.mark.parametrize("strategy", cacheable())
def test_strategy_with_cache(llada, strategy, mode):
    prompts = _prompts(3, seed=5)
    cfg = dict(strategy=strategy, gen_length=G, block_length=BLOCK, mask_id=MASK, seed=[1, 2, 3],
               record_history=True, **kwargs(strategy))
    adapter = _adapter(llada)
    adapter.kv_backend = Counting(adapter.kv_backend)
    res = decode(adapter, prompts, None, cfg, cache=mode)
    # The reference DUS leaves its re-masked slots masked (docs/strategies-advanced.md).
    assert strategy == "dus" or not (res.tokens == MASK).any()
    assert int(res.nfe.sum()) == adapter.kv_backend.rows
    if get_strategy(strategy).fixed_count and strategy != "remdm":
        assert res.nfe.tolist() == [8, 8, 8]
    plain = decode(_adapter(llada), prompts, None, cfg)
    for i in range(3):
        assert torch.equal(res.history[i][0], plain.history[i][0])  # the first step is a full forward
        alone = decode(_adapter(llada), prompts[i:i + 1], None, cfg, cache=mode, seed=i + 1)
        assert torch.equal(alone.tokens[0], res.tokens[i]) and torch.equal(alone.nfe[0], res.nfe[i])


@pytest.mark.parametrize("mode", ["prefix", "dual"])
def test_canvas_with_cache(llada, mode):
    """Infilling: a block the canvas already filled costs nothing, and the rows that skip it get
    their refresh at the next block."""
    prompts = _prompts(2, seed=9)
    canvas = torch.full((2, G), MASK)
    canvas[0, :BLOCK] = 5  # row 0's first block is given
    canvas[1, 3] = 7
    cfg = dict(strategy="confidence-threshold", threshold=0.8, gen_length=G, block_length=BLOCK,
               mask_id=MASK, cache=mode)
    res = decode(_adapter(llada), prompts, None, cfg, canvas=canvas)
    assert torch.equal(res.tokens[0, :BLOCK], canvas[0, :BLOCK]) and int(res.tokens[1, 3]) == 7
    for i in range(2):
        alone = decode(_adapter(llada), prompts[i:i + 1], None, cfg, canvas=canvas[i:i + 1])
        assert torch.equal(alone.tokens[0], res.tokens[i]) and torch.equal(alone.nfe[0], res.nfe[i])
