"""Canvas decoding for encoder-decoder block-diffusion models (DiffusionGemma).

Such a model has no single-sequence forward: an encoder writes the prompt and every finished
canvas (block) into a cache, and a decoder denoises the current canvas given that cache. The
model was trained on *uniform-noise* canvases with *self-conditioning* (the previous step's logits
as an extra input), so the runner shows the model:

* at masked positions, uniform random tokens drawn from the row's own generator, fresh at every
  step (the model's renoising), unless the strategy keeps its own canvas (``draws_noise``: then
  ``state.memory["noise"]`` is the canvas the strategy maintains, e.g. ``native``);
* as self-conditioning, ``state.memory["self_conditioning"]``: the logits of the row's previous
  step on this canvas (a strategy may replace them in ``select``; ``native`` stores its
  temperature-scaled logits, as the model's ``generate``); none at a canvas's first step.

Rows step in groups that share the lowest current canvas; finished canvases are encoded once, for
every row together (all rows' earlier canvases are final by then). NFE counts decoder passes
(denoising steps), as the model's own ``tokens_per_forward`` does; encoder passes (one per canvas
and one for the prompt, like an autoregressive prefill) are not denoising steps.
"""
from __future__ import annotations

import torch

from ...errors import ConfigError
from .runners import FullRunner


class CanvasRunner(FullRunner):
    """Encoder cache + decoder steps, canvas by canvas (see the module docstring)."""

    mode = "prefix"

    def __init__(self, model, cfg, strategy=None):
        super().__init__(model, cfg, strategy)
        self.draws_noise = bool(getattr(strategy, "draws_noise", False))
        self.cache = None
        self.encoded = 0  # canvases (blocks) already in the cache

    def rows(self, state) -> torch.Tensor:
        active = (state.block < state.num_blocks).nonzero().squeeze(1)
        if active.numel() == 0:
            return active
        blocks = state.block[active]
        return active[blocks == blocks.min()]

    def _positions(self, state) -> torch.Tensor:
        return (state.attn.long().cumsum(-1) - 1).clamp(min=0)

    def _catch_up(self, state, block: int) -> None:
        """Encode the prompt, then every finished canvas before ``block``, for all rows."""
        P, C = state.P, state.block_len
        if self.cache is None:
            self.cache = self.backend.encode(self.backend.new_cache(), state.x[:, :P], state.attn[:, :P],
                                             self._positions(state)[:, :P])
        while self.encoded < block:
            s, e = P + self.encoded * C, P + (self.encoded + 1) * C
            self.cache = self.backend.encode(self.cache, state.x[:, s:e], state.attn[:, :e],
                                             self._positions(state)[:, s:e])
            self.encoded += 1

    def logits(self, model, state, rows):
        start, end = state.block_bounds(rows[:1])
        s, e = int(start), int(end)
        self._catch_up(state, int(state.block[rows[0]]))
        mem = state.memory
        if "noise" not in mem:
            mem["noise"] = torch.zeros_like(state.gen)
        if not self.draws_noise:
            V = self.backend.vocab_size
            mem["noise"][rows, s:e] = torch.stack(
                [torch.randint(0, V, (e - s,), generator=g) for g in [state.generators[r] for r in rows.tolist()]]
            ).to(state.gen.device)
        tokens = state.gen[rows, s:e]
        canvas = torch.where(tokens == self.cfg.mask_id, mem["noise"][rows, s:e], tokens)
        warm = state.step_in_block[rows] > 0  # self-conditioning from the previous step of this canvas
        sc, sc_mask = None, None
        if bool(warm.any()):
            sc = mem["self_conditioning"][rows]
            sc_mask = None if bool(warm.all()) else warm
        whole = rows.numel() == state.batch
        logits = self.backend.denoise(self.cache, None if whole else rows, canvas,
                                      state.attn[rows, :state.P + e], self._positions(state)[rows, state.P + s: state.P + e],
                                      sc, sc_mask)
        if "self_conditioning" not in mem:
            mem["self_conditioning"] = logits.new_zeros((state.batch, *logits.shape[1:]))
        mem["self_conditioning"][rows] = logits
        return self._place(state, rows, logits, state.P + s, state.P + e)


def check_canvas(cfg, strategy_cls, canvas_length: int) -> None:
    """Errors of a canvas-model run, before any forward."""
    if cfg.cache == "dual":
        raise ConfigError("cache='dual' does not apply to an encoder-decoder canvas model (its decoder "
                          "always reads the encoded prefix); use cache='none' or 'prefix' (the same)")
    if cfg.shift_logits:
        raise ConfigError("canvas decoding does not support shift_logits")
    if cfg.block_length not in (None, canvas_length):
        raise ConfigError(f"this model denoises canvases of {canvas_length} tokens: block_length must be "
                          f"{canvas_length} (or unset), got {cfg.block_length}")
    from ..strategies import Strategy

    reason = getattr(strategy_cls, "kv_cache", True)
    if reason is not True or strategy_cls.forward is not Strategy.forward:
        raise ConfigError(f"strategy {strategy_cls.id!r} cannot decode a canvas model: "
                          f"{reason if reason is not True else 'it runs its own model call'}")
