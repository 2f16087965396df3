"""KV backends for Fast-dLLM's cache-aware model code (NVlabs/Fast-dLLM).

* LLaDA (``fast_dllm_llada/modeling_llada.py``): ``model(x, past_key_values=[(k, v), ...],
  use_cache=True, replace_position=...)`` with per-layer keys/values ``[b, heads, L, d]`` stored
  before the rotary embedding; without ``replace_position`` the past is a prefix the window
  follows, with it the window's positions are overwritten in a full-length past (dual cache).
  This code ignores attention masks (padding is attended, with or without a cache) and derives
  positions from the sequence index.
* Dream (``dream/modeling_dream.py`` of Fast-dLLM): the same idea with keys/values
  ``[b, L, heads * d]``, ``dual_cache=True`` for the dual mode and a 4-D boolean attention mask.
"""
from __future__ import annotations

import inspect
from typing import Any

from ...decoding.cache import KV
from .heads import HeadBuffer, find_module, head_logits, head_rows


def _params(model: Any) -> set[str]:
    try:
        return set(inspect.signature(model.forward).parameters)
    except (TypeError, ValueError):
        return set()


class FastDllmLLaDA:
    """``KVBackend`` of Fast-dLLM's LLaDA (prefix and dual cache)."""

    modes = frozenset({"prefix", "dual"})
    causal_blocks = False
    selects_positions = True

    def __init__(self, model: Any):
        self.model = model
        self.head_input = find_module(model, "model.transformer.ln_f")
        self.head = HeadBuffer(model)

    @staticmethod
    def accepts(model: Any) -> bool:
        p = _params(model)
        return {"past_key_values", "replace_position"} <= p and "dual_cache" not in p

    def forward(self, ids, attn, *, start=0, past=None, logits_range, block=None, return_kv=False,
                positions=None):
        import torch

        lo, hi = logits_range
        kwargs: dict[str, Any] = {"use_cache": True}
        if past is not None:
            kwargs["past_key_values"] = [tuple(layer) for layer in past.layers]
            if past.length == attn.shape[1]:  # dual: the window replaces its own positions
                where = torch.zeros(1, attn.shape[1], dtype=torch.bool, device=ids.device)
                where[:, start: start + ids.shape[1]] = True
                kwargs["replace_position"] = where
        with head_rows(self.head_input, lo - start, hi - start, positions), self.head.reused(positions is not None):
            out = self.model(ids, **kwargs)
        logits = head_logits(out.logits, self.head_input, lo - start, hi - start, positions)
        kv = KV([tuple(layer) for layer in out.past_key_values], seq_dim=2) if return_kv else None
        return logits, kv


class FastDllmDream:
    """``KVBackend`` of Fast-dLLM's Dream (prefix and dual cache)."""

    modes = frozenset({"prefix", "dual"})
    causal_blocks = False
    selects_positions = True

    def __init__(self, model: Any):
        self.model = model
        self.head_input = find_module(model, "model.norm")
        self.head = HeadBuffer(model)

    @staticmethod
    def accepts(model: Any) -> bool:
        return {"past_key_values", "replace_position", "dual_cache"} <= _params(model)

    def forward(self, ids, attn, *, start=0, past=None, logits_range, block=None, return_kv=False,
                positions=None):
        import torch

        lo, hi = logits_range
        L, w = attn.shape[1], ids.shape[1]
        padded = bool((attn == 0).any())
        mask: Any = "full"
        if padded:  # queries = the window, keys = every position the model will attend
            keys = attn.bool() if past is not None else attn[:, start: start + w].bool()
            mask = keys[:, None, None, :].expand(-1, 1, w, -1)
        kwargs: dict[str, Any] = {"use_cache": True}
        if past is not None:
            kwargs["past_key_values"] = [tuple(layer) for layer in past.layers]
            if past.length == L:
                where = torch.zeros(1, L, dtype=torch.bool, device=ids.device)
                where[:, start: start + w] = True
                kwargs.update(dual_cache=True, replace_position=where)
            elif padded:
                mask = mask[..., : start + w]
        with head_rows(self.head_input, lo - start, hi - start, positions), self.head.reused(positions is not None):
            out = self.model(ids, mask, None, **kwargs)
        logits = head_logits(out.logits, self.head_input, lo - start, hi - start, positions)
        kv = KV([tuple(layer) for layer in out.past_key_values], seq_dim=1) if return_kv else None
        return logits, kv
