"""The masked-diffusion SFT objective (LLaDA's supervised fine-tuning recipe).

For each sequence a noise level ``t`` is drawn uniformly (``t = (1 - eps) u + eps`` with
``u ~ U[0, 1)``, so ``t`` lies in ``[eps, 1)`` and never 0); every *response* token is replaced by
the mask token with probability ``t`` while the prompt stays clean; the loss is the
cross-entropy on the masked tokens, each weighted ``1 / t``, summed, divided by the response
length of its sequence, and averaged over the batch. Dream-family models read the prediction
for position ``i`` from output row ``i - 1`` (``shift_logits``).
"""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch.nn import functional as F

EPS = 1e-3


def add_noise(ids: torch.Tensor, prompt_lengths: torch.Tensor, mask_id: int,
              generator: torch.Generator, eps: float = EPS) -> tuple[torch.Tensor, torch.Tensor,
                                                                     torch.Tensor]:
    """``(noisy ids, masked positions, t per row)``: response tokens masked with prob. ``t``."""
    B, L = ids.shape
    t = (1 - eps) * torch.rand(B, generator=generator) + eps
    response = torch.arange(L)[None, :] >= prompt_lengths[:, None]
    masked = (torch.rand(B, L, generator=generator) < t[:, None]) & response
    return ids.masked_fill(masked, mask_id), masked, t


def sft_loss(forward: Callable[[torch.Tensor], torch.Tensor], ids: torch.Tensor,
             prompt_lengths: torch.Tensor, mask_id: int, generator: torch.Generator, *,
             shift_logits: bool = False, eps: float = EPS,
             device: Any = "cpu") -> tuple[torch.Tensor, int]:
    """The batch loss and the number of masked tokens it was computed on."""
    noisy, masked, t = add_noise(ids, prompt_lengths, mask_id, generator, eps)
    logits = forward(noisy.to(device))
    targets, masked, t = ids.to(device), masked.to(device), t.to(device)
    if shift_logits:
        logits, targets, masked = logits[:, :-1], targets[:, 1:], masked[:, 1:]
    answer_len = (ids.shape[1] - prompt_lengths).to(device).float()
    weight = 1.0 / (t[:, None] * answer_len[:, None])
    weight = weight.expand_as(masked)[masked]
    ce = F.cross_entropy(logits[masked].float(), targets[masked], reduction="none")
    return (ce * weight).sum() / ids.shape[0], int(masked.sum())
