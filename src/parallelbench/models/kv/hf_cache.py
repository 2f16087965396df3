"""KV backend for models whose attention takes a ``transformers`` ``Cache`` (``past_key_values``
with ``.update(keys, values, layer)``), a 4-D boolean attention mask and position ids.

Used for LLaDA2 (block diffusion, ``model_type`` ``llada2_moe``): its training attention is
block-causal, so ``causal_blocks`` is set and only the exact committed-block cache (``prefix``
with ``block``) is offered. Keys/values are per layer ``[b, kv_heads, L, head_dim]`` (after the
rotary embedding, so a cached prefix needs no positions of its own).
"""
from __future__ import annotations

from typing import Any

from ...decoding.cache import KV
from .heads import HeadBuffer, find_module, head_logits, head_rows


class HFCacheBackend:
    """``KVBackend`` over a transformers ``DynamicCache``."""

    modes = frozenset({"prefix"})
    selects_positions = True

    def __init__(self, model: Any, causal_blocks: bool):
        self.model, self.causal_blocks = model, causal_blocks
        self.head_input = find_module(model, "model.norm")
        self.head = HeadBuffer(model)

    @staticmethod
    def is_llada2(model: Any) -> bool:
        return "llada2" in str(getattr(getattr(model, "config", None), "model_type", "")).lower()

    def forward(self, ids, attn, *, start=0, past=None, logits_range, block=None, return_kv=False,
                positions=None):
        import torch
        from transformers import DynamicCache

        b, w = ids.shape
        n = start + w  # keys: the cached prefix [0, start) and the window
        keys = torch.arange(n, device=ids.device)
        queries = keys[start:]
        allowed = torch.ones(w, n, dtype=torch.bool, device=ids.device)
        if block:
            allowed = (keys[None, :] // block) <= (queries[:, None] // block)
        keep = attn[:, :n].bool()
        mask = (allowed[None] & keep[:, None, :])[:, None]
        position_ids = (attn[:, :n].long().cumsum(-1) - 1).clamp(min=0)[:, start:]
        cache = None
        if past is not None or return_kv:
            cache = DynamicCache()
            for i, (k, v) in enumerate(past.layers if past is not None else []):
                cache.update(k, v, i)
        lo, hi = logits_range
        with head_rows(self.head_input, lo - start, hi - start, positions), self.head.reused(positions is not None):
            out = self.model(input_ids=ids, attention_mask=mask, position_ids=position_ids,
                             past_key_values=cache, use_cache=cache is not None)
        logits = head_logits(out.logits, self.head_input, lo - start, hi - start, positions)
        kv = None
        if return_kv:
            kv = KV([(layer.keys, layer.values) for layer in out.past_key_values.layers], seq_dim=2)
        return logits, kv
