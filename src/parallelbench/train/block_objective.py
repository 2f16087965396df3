"""Block-diffusion SFT (LLaDA2): the masked objective with the attention the model decodes with.

LLaDA2 decodes block by block with *block-causal* attention over absolute positions (blocks of
``block_length``, aligned at position 0; ``decoding/cache/blocks.py``): while block ``b`` is
denoised it sees the clean blocks before it and itself, never what follows, and committed
blocks are encoded block-causally. Training it with full bidirectional attention (the
``masked`` objective) would condition every prediction on later tokens it never sees when it
decodes.

The objective is BD3-LM's (Arriola et al. 2025), as dllm's ``BD3LMTrainer`` trains LLaDA2:

* every sequence is padded with EOS to a multiple of the block length (dllm's
  ``AppendEOSBlockWrapper``; the padding counts as response, as in LLaDA's recipe);
* the noise is the ``masked`` objective's, drawn the same way from the same generator: one
  ``t`` per sequence in ``[eps, 1)``, every response token masked with probability ``t``;
* the model reads the noisy copy followed by the clean copy (``2L`` tokens, both at positions
  ``0..L-1``) under one mask: a noisy block sees itself and the clean blocks before it; a clean
  block sees the clean blocks up to itself (the sampler's block-causal mask); nothing sees a
  noisy block but itself. So every block is predicted exactly as the sampler predicts it,
  given the clean blocks before it, all blocks in one forward;
* the loss is the ``masked`` objective's: cross-entropy on the masked tokens (logits of the
  noisy copy), each weighted ``1 / t``, summed per sequence, divided by its response length,
  averaged over the batch. With every block in the sum this is, per sequence, the same
  unbiased estimate (over ``t`` and the masks) of the LLaDA recipe's per-sequence loss, with
  each block conditioned on the clean earlier blocks instead of on the whole noisy sequence.

Seeded and deterministic: all randomness comes from the generator the loop passes.
"""
from __future__ import annotations

from typing import Any, Callable

import torch

from .objective import add_noise, objective, weighted_ce

DEFAULT_BLOCK = 32


def bd3_mask(length: int, block: int, device: Any = "cpu") -> torch.Tensor:
    """Bool ``[2L, 2L]``: may query ``i`` attend to key ``j`` of ``[noisy | clean]``?"""
    idx = torch.arange(2 * length, device=device)
    clean = idx >= length
    blk = (idx % length) // block
    same, before = blk[:, None] == blk[None, :], blk[None, :] < blk[:, None]
    noisy_q, clean_q, clean_k = ~clean[:, None], clean[:, None], clean[None, :]
    return ((same & (clean_q == clean_k))          # a block sees itself (noisy or clean)
            | (noisy_q & clean_k & before)         # a noisy block: the clean blocks before it
            | (clean_q & clean_k & before))        # a clean block: block-causal over clean


def pad_to_blocks(ids: torch.Tensor, block: int, pad_id: int) -> torch.Tensor:
    """``ids`` right-padded with ``pad_id`` to a multiple of ``block``."""
    extra = -ids.shape[1] % block
    return torch.cat([ids, ids.new_full((ids.shape[0], extra), pad_id)], 1) if extra else ids


def block_sft_loss(call: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
                   ids: torch.Tensor, prompt_lengths: torch.Tensor, mask_id: int, pad_id: int,
                   block: int, generator: torch.Generator, *, eps: float,
                   device: Any = "cpu") -> tuple[torch.Tensor, int]:
    """The batch loss (see the module docstring) and the number of masked tokens.

    ``call(input_ids [B, 2L], keep [B, 1, 2L, 2L] bool, position_ids [B, 2L])`` -> logits."""
    ids = pad_to_blocks(ids, block, pad_id)
    B, L = ids.shape
    noisy, masked, t = add_noise(ids, prompt_lengths, mask_id, generator, eps)
    both = torch.cat([noisy, ids], 1).to(device)
    positions = torch.arange(L, device=device).repeat(2)[None].expand(B, -1)
    keep = bd3_mask(L, block, device)[None, None].expand(B, 1, 2 * L, 2 * L)
    logits = call(both, keep, positions)[:, :L]
    answer_len = (L - prompt_lengths).to(device).float()
    return (weighted_ce(logits, ids.to(device), masked.to(device), 1.0 / (t.to(device) * answer_len)),
            int(masked.sum()))


@objective("block_diffusion")
def _block_diffusion(model: Any, ids: torch.Tensor, prompt_lengths: torch.Tensor,
                     generator: torch.Generator, eps: float) -> tuple[torch.Tensor, int]:
    mask_id = model.mask_id

    def call(x, keep, positions):
        out = model.model(input_ids=x, attention_mask=keep, position_ids=positions)
        logits = getattr(out, "logits", out)
        logits[..., mask_id] = float("-inf")  # never predicted, as in the sampler
        return logits

    block = getattr(model, "block_length", None) or DEFAULT_BLOCK
    return block_sft_loss(call, ids, prompt_lengths, mask_id, model.eos_id, block, generator,
                          eps=eps, device=model.device)
