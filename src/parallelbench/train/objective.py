"""The SFT objectives, one per kind of model, behind ``batch_loss``.

``masked`` (LLaDA's supervised fine-tuning recipe; LLaDA, LLaDA-MoE, Dream, generic masked LMs
and the learned model): for each sequence a noise level ``t`` is drawn uniformly
(``t = (1 - eps) u + eps`` with ``u ~ U[0, 1)``, so ``t`` lies in ``[eps, 1)`` and never 0); every
*response* token is replaced by the mask token with probability ``t`` while the prompt stays
clean; the loss is the cross-entropy on the masked tokens, each weighted ``1 / t``, summed,
divided by the response length of its sequence, and averaged over the batch. Dream-family
models read the prediction for position ``i`` from output row ``i - 1`` (``shift_logits``).

The other objectives register themselves from their own modules: ``block_diffusion``
(LLaDA2, ``block_objective``) and ``canvas`` (DiffusionGemma, ``canvas_objective``). A trainable
names its objective in ``objective`` (default ``masked``).
"""
from __future__ import annotations

from typing import Any, Callable

import torch
from torch.nn import functional as F

EPS = 1e-3

#: ``name -> fn(trainable, ids, prompt_lengths, generator, eps) -> (loss, scored tokens)``
OBJECTIVES: dict[str, Callable[..., tuple[torch.Tensor, int]]] = {}
#: The objective of each calling convention of ``models.families`` (others: ``masked``).
BY_CONVENTION = {"llada2": "block_diffusion", "encoder_decoder": "canvas"}


def objective(name: str):
    """Register an objective under ``name`` (a decorator)."""
    def register(fn):
        OBJECTIVES[name] = fn
        return fn
    return register


def objective_for(convention: str) -> str:
    """The objective that trains a model of this calling convention as it decodes."""
    return BY_CONVENTION.get(convention, "masked")


def batch_loss(model: Any, ids: torch.Tensor, prompt_lengths: torch.Tensor,
               generator: torch.Generator, eps: float = EPS) -> tuple[torch.Tensor, int]:
    """The loss of a batch under ``model``'s objective, and the number of scored tokens."""
    return OBJECTIVES[getattr(model, "objective", "masked")](model, ids, prompt_lengths,
                                                            generator, eps)


def add_noise(ids: torch.Tensor, prompt_lengths: torch.Tensor, mask_id: int,
              generator: torch.Generator, eps: float = EPS) -> tuple[torch.Tensor, torch.Tensor,
                                                                     torch.Tensor]:
    """``(noisy ids, masked positions, t per row)``: response tokens masked with prob. ``t``."""
    B, L = ids.shape
    t = (1 - eps) * torch.rand(B, generator=generator) + eps
    response = torch.arange(L)[None, :] >= prompt_lengths[:, None]
    masked = (torch.rand(B, L, generator=generator) < t[:, None]) & response
    return ids.masked_fill(masked, mask_id), masked, t


def weighted_ce(logits: torch.Tensor, targets: torch.Tensor, scored: torch.Tensor,
                row_weight: torch.Tensor) -> torch.Tensor:
    """``sum`` over the scored positions of the cross-entropy times its row's weight, divided
    by the number of rows (the logits upcast to float32)."""
    weight = row_weight[:, None].expand_as(scored)[scored]
    ce = F.cross_entropy(logits[scored].float(), targets[scored], reduction="none")
    return (ce * weight).sum() / targets.shape[0]


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
    return weighted_ce(logits, targets, masked, 1.0 / (t * answer_len)), int(masked.sum())


@objective("masked")
def _masked(model: Any, ids: torch.Tensor, prompt_lengths: torch.Tensor,
            generator: torch.Generator, eps: float) -> tuple[torch.Tensor, int]:
    return sft_loss(model.forward, ids, prompt_lengths, model.mask_id, generator,
                    shift_logits=model.shift_logits, eps=eps, device=model.device)


from . import block_objective, canvas_objective  # noqa: E402,F401  (they register themselves)
