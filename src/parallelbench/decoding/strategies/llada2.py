"""LLaDA2's block-diffusion decoding rule (inclusionAI LLaDA2.0 / dllm's LLaDA2 sampler).

Per block (blocks of ``block_length``, decoded block-causally, see ``decoding/cache/blocks.py``)
the sampler runs at most ``steps_per_block`` steps. Step j commits every masked position of the
block whose confidence is strictly above the threshold (0.95) when there are at least n_j of
them, otherwise the n_j most confident, where n_j splits the *block length* (not the block's
masks) evenly over the steps, the remainder to the first steps. That is the union of both sets.
The number of steps is capped at ``gen_length // minimal_topk``. Greedy tokens at temperature 0.
"""
from __future__ import annotations

import torch

from ...errors import ConfigError
from .. import scores
from .base import Strategy, strategy


@strategy("llada2", aliases=("llada2_threshold", "block-threshold"))
class LLaDA2Threshold(Strategy):
    """Confidence > threshold, with the even schedule's count as a floor (module docstring)."""

    params = {"steps_per_block": 32, "minimal_topk": 1}
    candidates_only = True
    source = "LLaDA2.0 (inclusionAI) block-diffusion sampler, as dllm's LLaDA2Sampler"

    def check(self):
        for name in ("steps_per_block", "minimal_topk"):
            v = self.p[name]
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"llada2: {name} must be a positive integer, got {v!r}")
        if self.cfg.threshold is None:
            self.cfg.threshold = 0.95  # the reference's default

    def setup(self, state):
        B = state.block_len
        s = max(1, min(self.p["steps_per_block"], self.cfg.gen_length // self.p["minimal_topk"]))
        base, rem = divmod(B, s)
        # n_j for j = 0..s-1 over the block length, then 0 (the block is full by then).
        plan = [base + (1 if j < rem else 0) for j in range(s)] + [0]
        self._plan = torch.tensor(plan, dtype=torch.long, device=state.x.device)

    def select(self, view):
        n = self._plan[view.step_in_block.clamp(max=len(self._plan) - 1)]
        high = (view.confidence.to(torch.float64) > self.cfg.threshold) & view.candidates
        return high | scores.top_n(view, view.confidence, n)
