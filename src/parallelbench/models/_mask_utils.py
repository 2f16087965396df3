"""The transformers 4.x attention-mask helpers that remote dLLM code imports, restated.

transformers 5 removed ``transformers.modeling_attn_mask_utils``; LLaDA-MoE and LLaDA2 import
from it (see ``compat.py``). These functions reproduce the 4.x behaviour the remote code relies
on; they are written from that behaviour, not copied:

* masks are *additive*: 0 where a query may attend to a key, ``finfo(dtype).min`` where not;
* a 2-D mask ``[batch, keys]`` of 1 (keep) / 0 (padding) is broadcast over the queries to
  ``[batch, 1, queries, keys]``;
* a causal mask lets query i (at absolute position past + i) see keys 0..past + i;
* the sdpa variant returns ``None`` when nothing needs masking (no padding and a square or
  single-query mask), leaving the attention layer to decide causality itself.

The two ``_prepare_4d_*`` functions keep their 4.x names: LLaDA2 passes one to ``torch.fx.wrap``,
which looks the function up by ``__name__`` in the importing module.
"""
from __future__ import annotations

from typing import Any


def _min(dtype: Any) -> float:
    import torch

    return torch.finfo(dtype).min


def _causal(batch: int, queries: int, keys: int, dtype: Any, device: Any,
            sliding_window: int | None = None) -> Any:
    """Additive causal mask ``[batch, 1, queries, keys]``: the queries are the last ``queries``
    positions of the ``keys`` (earlier keys are cached positions)."""
    import torch

    past = keys - queries
    q_pos = torch.arange(queries, device=device)[:, None] + past
    k_pos = torch.arange(keys, device=device)[None, :]
    blocked = k_pos > q_pos
    if sliding_window is not None:
        blocked |= k_pos <= q_pos - sliding_window
    mask = torch.zeros((queries, keys), dtype=dtype, device=device).masked_fill(blocked, _min(dtype))
    return mask[None, None].expand(batch, 1, queries, keys)


def _expand_padding(mask_2d: Any, queries: int, dtype: Any) -> Any:
    """``[batch, keys]`` 1/0 -> additive ``[batch, 1, queries, keys]``."""
    import torch

    keep = mask_2d[:, None, None, :].to(torch.bool).expand(mask_2d.shape[0], 1, queries, mask_2d.shape[-1])
    return torch.zeros(keep.shape, dtype=dtype, device=mask_2d.device).masked_fill(~keep, _min(dtype))


class AttentionMaskConverter:
    """4.x ``AttentionMaskConverter``: builds additive 4-D masks, causal or not."""

    def __init__(self, is_causal: bool, sliding_window: int | None = None):
        self.is_causal, self.sliding_window = is_causal, sliding_window

    def to_causal_4d(self, batch_size: int, query_length: int, key_value_length: int,
                     dtype: Any = None, device: Any = "cpu") -> Any:
        import torch

        dtype = dtype or torch.float32
        if not self.is_causal:
            raise ValueError("to_causal_4d needs is_causal=True")
        return _causal(batch_size, query_length, key_value_length, dtype, device, self.sliding_window)

    def to_4d(self, attention_mask_2d: Any, query_length: int, dtype: Any,
              key_value_length: int | None = None) -> Any:
        padding = _expand_padding(attention_mask_2d, query_length, dtype)
        if not self.is_causal or query_length <= 1 and self.sliding_window is None:
            return padding
        if key_value_length is None:
            raise ValueError("a causal 4-D mask needs key_value_length")
        causal = _causal(attention_mask_2d.shape[0], query_length, key_value_length, dtype,
                         attention_mask_2d.device, self.sliding_window)
        return causal.masked_fill(padding.bool(), _min(dtype))


def _from_4d(mask: Any, dtype: Any) -> Any:
    """A 4-D 1/0 (or bool) keep-mask -> additive (the 4.x helpers invert such masks)."""
    import torch

    keep = mask.to(torch.bool)
    return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(~keep, _min(dtype))


def _prepare_4d_causal_attention_mask(attention_mask: Any, input_shape: Any, inputs_embeds: Any,
                           past_key_values_length: int, sliding_window: int | None = None) -> Any:
    """4.x ``_prepare_4d_causal_attention_mask``: always a causal additive 4-D mask (eager path)."""
    batch, queries = input_shape[0], input_shape[-1]
    keys = queries + past_key_values_length
    dtype, device = inputs_embeds.dtype, inputs_embeds.device
    converter = AttentionMaskConverter(is_causal=True, sliding_window=sliding_window)
    if attention_mask is None:
        return converter.to_causal_4d(batch, queries, keys, dtype=dtype, device=device)
    if attention_mask.dim() == 4:
        return _from_4d(attention_mask, dtype)
    return converter.to_4d(attention_mask, queries, dtype=dtype, key_value_length=keys)


def _prepare_4d_causal_attention_mask_for_sdpa(attention_mask: Any, input_shape: Any, inputs_embeds: Any,
                                    past_key_values_length: int,
                                    sliding_window: int | None = None) -> Any:
    """4.x ``_prepare_4d_causal_attention_mask_for_sdpa``: ``None`` when no masking is needed
    (no padding and one query or as many queries as keys, within the sliding window), else the
    causal additive 4-D mask; a 4-D mask is passed through unchanged. On CUDA, fully masked query
    rows (left padding) attend to everything, as 4.x did for the memory-efficient kernel."""
    import torch

    queries = input_shape[-1]
    keys = queries + past_key_values_length
    in_window = sliding_window is None or keys < sliding_window
    tracing = torch.jit.is_tracing() or torch.compiler.is_compiling()
    if attention_mask is None:
        if in_window and not tracing and (queries == 1 or keys == queries):
            return None
    elif attention_mask.dim() == 4:
        return attention_mask
    elif in_window and not tracing and bool((attention_mask == 1).all()) \
            and (queries == 1 or keys == queries):
        return None
    mask = _prepare_4d_causal_attention_mask(attention_mask, input_shape, inputs_embeds, past_key_values_length,
                                  sliding_window)
    if mask.device.type == "cuda" and not tracing:
        dead = (mask == _min(mask.dtype)).all(dim=-1, keepdim=True)
        mask = mask.masked_fill(dead, 0.0)
    return mask
