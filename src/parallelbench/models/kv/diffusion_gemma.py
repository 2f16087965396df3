"""Canvas backend of DiffusionGemma (``DiffusionGemmaForBlockDiffusion``, native in transformers 5).

DiffusionGemma is an encoder-decoder block-diffusion model without a mask token: the encoder
writes the keys/values of the prompt and of every finished canvas into a cache, and the decoder
denoises one canvas of ``canvas_length`` tokens at a time, reading that cache, attending
bidirectionally within the canvas, and taking the previous step's logits as *self-conditioning*.
Undecided canvas positions hold uniform random tokens (noise), not a mask.

This backend makes those two calls the way transformers' own ``generate`` does (same mask
helpers, same cache class), with position ids that restart at each row's first real token so a
left-padded row decodes as alone. The sampler side is ``decoding/cache/canvas.py``.
"""
from __future__ import annotations

import copy
from typing import Any


class DiffusionGemmaBackend:
    """``CanvasBackend``: ``new_cache``, ``encode`` (append to the cache) and ``denoise``."""

    modes = frozenset({"prefix"})
    causal_blocks = False
    canvas_decoder = True

    def __init__(self, model: Any):
        self.model = model
        self.canvas_length = int(model.config.canvas_length)
        self.vocab_size = int(model.config.text_config.vocab_size)

    @staticmethod
    def accepts(model: Any) -> bool:
        config = getattr(model, "config", None)
        return str(getattr(config, "model_type", "")) == "diffusion_gemma" and hasattr(model, "lm_head")

    def new_cache(self) -> Any:
        from transformers import DynamicCache

        return DynamicCache(config=self.model.config.get_text_config(decoder=True))

    def encode(self, cache: Any, ids, attn, positions) -> Any:
        """Encode ``ids [B, n]`` (the last n positions of ``attn [B, L]``) into ``cache``."""
        import torch

        encoder = self.model.model.encoder
        dummy = torch.empty((ids.shape[0], ids.shape[1], 0), dtype=self.model.dtype, device=ids.device)
        masks = encoder.create_masks_for_generate(config=self.model.config, inputs_embeds=dummy,
                                                  attention_mask=attn.bool(), cache=cache,
                                                  position_ids=positions)
        return encoder(input_ids=ids.contiguous(), attention_mask=masks, cache=cache,
                       position_ids=positions).cache

    def denoise(self, cache: Any, rows, canvas, attn, positions, self_conditioning=None,
                self_conditioning_mask=None):
        """Float32 logits ``[b, C, V]`` of the canvas ``[b, C]`` of rows ``rows`` (None = all)."""
        if rows is not None:
            cache = _rows_of(cache, rows)
        import torch

        decoder = self.model.model.decoder
        shape = torch.empty((*canvas.shape, 0), dtype=self.model.dtype, device=canvas.device)  # only its shape
        mask = decoder.create_diffusion_decoder_attention_mask(
            config=self.model.config, inputs_embeds=shape, cache=cache, decoder_attention_mask=attn.bool())
        sc = None if self_conditioning is None else self_conditioning.to(decoder.embed_tokens.weight.dtype)
        out = self.model(decoder_input_ids=canvas, self_conditioning_logits=sc,
                         self_conditioning_mask=self_conditioning_mask, decoder_attention_mask=mask,
                         cache=cache, decoder_position_ids=positions)
        return out.logits


def _rows_of(cache: Any, rows) -> Any:
    """A read-only view of ``cache`` for a subset of rows (the decoder never writes the cache)."""
    sub = copy.copy(cache)
    sub.layers = []
    for layer in cache.layers:
        part = copy.copy(layer)
        part.keys, part.values = layer.keys[rows], layer.values[rows]
        sub.layers.append(part)
    return sub
