"""Canvas SFT (DiffusionGemma): uniform-noise block diffusion with self-conditioning.

DiffusionGemma has no single-sequence forward and no mask token: an encoder reads the prompt
and every finished canvas causally into a cache, and a decoder denoises one canvas of
``canvas_length`` tokens at a time, in which undecided positions hold *uniform random tokens*,
taking its previous step's logits as *self-conditioning* (``models/kv/diffusion_gemma.py``,
``decoding/cache/canvas.py``). transformers' modelling code defines no loss; the objective here
is the published DiffusionGemma SFT recipe (the "base" variant of the reference objective as
NVIDIA's NeMo AutoModel and Megatron-Bridge ports describe it), computed with the same two
calls the sampler makes:

* the prompt is left-padded and encoded; the response (EOS-padded to whole canvases, the
  padding counting as response as in LLaDA's recipe) is cut into canvases;
* one noise level ``t = (1 - eps) u + eps`` per sequence; every response token is replaced by a
  uniform random vocabulary token with probability ``t`` (the model's own renoising; no mask);
* canvas by canvas, the decoder denoises the noisy canvas given the cache of the prompt and of
  the *clean* earlier canvases (encoded after each canvas, exactly as decoding encodes committed
  canvases; gradients flow through the encoder too);
* self-conditioning (Analog Bits, Chen et al. 2023): a first decoder pass without it, detached,
  gives logits that a second pass takes as self-conditioning for a seeded share
  ``SELF_CONDITIONING`` of the sequences (the others get none, the model's
  ``self_conditioning_mask``), so the model learns both the first and the later steps;
* the loss is the cross-entropy of the clean token at *every* response position, weight 1,
  averaged per sequence and over the batch. The model cannot tell noised positions from clean
  ones (noise is ordinary tokens) and its own ``generate`` outputs its prediction at every
  canvas position, so every position is a target; ``1 / t`` weighting (the masked objective's)
  has no counterpart here (the reference's re-weighted variant uses ``1 / (1 - t)``).

Not done: the reference also offers an auxiliary autoregressive loss on the encoder (weight 0 by
default there) and freezes the MoE router; here the router trains with the rest.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from ..errors import ConfigError
from .objective import objective, weighted_ce

#: Share of sequences trained with self-conditioning (Analog Bits' 0.5).
SELF_CONDITIONING = 0.5


def split_canvases(ids: torch.Tensor, prompt_lengths: torch.Tensor, canvas: int, pad_id: int,
                   eos_id: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(prompts [B, P] left-padded, their attention mask, responses [B, R])``: each row's
    response, EOS-padded to ``R``, a multiple of ``canvas`` covering the longest response."""
    B, L = ids.shape
    P = int(prompt_lengths.max())
    if P == 0:
        raise ConfigError("canvas training needs a prompt (the encoder's input); got none")
    R = math.ceil(int((L - prompt_lengths).max()) / canvas) * canvas
    prompts, attn = ids.new_full((B, P), pad_id), ids.new_zeros((B, P))
    responses = ids.new_full((B, R), eos_id)
    for r, n in enumerate(prompt_lengths.tolist()):
        prompts[r, P - n:], attn[r, P - n:] = ids[r, :n], 1
        responses[r, :L - n] = ids[r, n:]
    return prompts, attn, responses


def canvas_sft_loss(backend: Any, ids: torch.Tensor, prompt_lengths: torch.Tensor, *,
                    mask_id: int | None, pad_id: int, eos_id: int, generator: torch.Generator,
                    eps: float, device: Any = "cpu",
                    self_conditioning: float = SELF_CONDITIONING) -> tuple[torch.Tensor, int]:
    """The batch loss (see the module docstring) and the number of scored tokens.

    ``backend``: the model's canvas backend (``new_cache``, ``encode``, ``denoise``)."""
    C, V = backend.canvas_length, backend.vocab_size
    prompts, pattn, x0 = split_canvases(ids, prompt_lengths, C, pad_id, eos_id)
    B, P, R = *prompts.shape, x0.shape[1]
    t = (1 - eps) * torch.rand(B, generator=generator) + eps
    noised = torch.rand(B, R, generator=generator) < t[:, None]
    xt = torch.where(noised, torch.randint(0, V, (B, R), generator=generator), x0)
    warm = torch.rand(B, generator=generator) < self_conditioning
    attn = torch.cat([pattn, pattn.new_ones((B, R))], 1).to(device)
    pos = (attn.cumsum(-1) - 1).clamp(min=0)
    xt, x0, warm = xt.to(device), x0.to(device), warm.to(device)
    cache = backend.encode(backend.new_cache(), prompts.to(device), attn[:, :P], pos[:, :P])
    out = []
    for c in range(R // C):
        s, e = P + c * C, P + (c + 1) * C
        noisy, clean = xt[:, c * C:(c + 1) * C], x0[:, c * C:(c + 1) * C]
        sc = None
        if bool(warm.any()):
            with torch.no_grad():
                sc = backend.denoise(cache, None, noisy, attn[:, :e], pos[:, s:e]).detach()
        out.append(backend.denoise(cache, None, noisy, attn[:, :e], pos[:, s:e], sc,
                                   None if sc is None else warm))
        if c + 1 < R // C:  # the clean canvas joins the cache, as a committed canvas does
            cache = backend.encode(cache, clean, attn[:, :e], pos[:, s:e])
    logits = torch.cat(out, 1)
    if mask_id is not None:  # never predicted, as in the sampler
        logits = logits.index_fill(-1, torch.tensor([mask_id], device=logits.device), float("-inf"))
    scored = torch.ones_like(x0, dtype=torch.bool)
    return weighted_ce(logits, x0, scored, logits.new_full((B,), 1.0 / R)), B * R


@objective("canvas")
def _canvas(model: Any, ids: torch.Tensor, prompt_lengths: torch.Tensor,
            generator: torch.Generator, eps: float) -> tuple[torch.Tensor, int]:
    from ..models.kv import DiffusionGemmaBackend

    pad = model.pad_id if getattr(model, "pad_id", None) is not None else model.eos_id
    return canvas_sft_loss(DiffusionGemmaBackend(model.network), ids, prompt_lengths,
                           mask_id=model.mask_id, pad_id=pad, eos_id=model.eos_id,
                           generator=generator, eps=eps, device=model.device)
