"""Dream's ``origin`` sampler, DECODING.md 4.2 (Dream 7B, arXiv 2508.15487)."""
from __future__ import annotations

import torch

from ...errors import ConfigError
from .. import scores
from .base import Strategy, strategy


@strategy("origin", aliases=("dream_origin", "dream-origin"))
class DreamOrigin(Strategy):
    """Reveal each candidate independently with probability ``1 - t_{j+1}/t_j`` at step j of a
    block (``t_j = 1 - j(1-eps)/s``), and every remaining candidate at the block's last step.

    The count per step is random (Binomial), unlike ``random`` whose count is fixed; NFE is
    exactly ``steps``. Positions are drawn from each row's own generator.
    """

    fixed_count = True
    candidates_only = True
    params = {"eps": 0.0}
    source = (
        "Dream 2508.15487 'origin' algorithm; eps defaults to 0 as ParallelBench forces it (the hub "
        "default is 1e-3); the reveal probability is evaluated in float64, not the reference's float32"
    )

    def check(self):
        eps = self.p["eps"]
        if not isinstance(eps, (int, float)) or not (0.0 <= eps < 1.0):
            raise ConfigError(f"origin: eps must be in [0, 1), got {eps!r}")

    def select(self, view):
        s = self.cfg.steps_per_block(view.state.G)
        eps = float(self.p["eps"])
        j = view.step_in_block.to(torch.float64)
        t0 = 1 - j * (1 - eps) / s
        t1 = 1 - (j + 1) * (1 - eps) / s
        p = 1 - t1 / t0
        p = p.masked_fill(view.step_in_block >= s - 1, 1.0)  # the last step reveals everything left
        u = scores.row_uniform(view, (view.candidates.shape[1],))
        return (u < p[:, None]) & view.candidates

    def block_done(self, state, rows):
        # As in the reference loop, a block always takes its s steps (NFE = steps exactly), even
        # when the random reveals emptied it early: later steps then commit nothing.
        return state.step_in_block[rows] >= self.cfg.steps_per_block(state.G)
