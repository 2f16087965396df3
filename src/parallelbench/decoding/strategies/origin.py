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
        "default is 1e-3); reveal probabilities on the reference's float32 time grid and one float32 "
        "draw per masked position, so a seeded batch of one draws what the reference draws"
    )

    def check(self):
        eps = self.p["eps"]
        if not isinstance(eps, (int, float)) or not (0.0 <= eps < 1.0):
            raise ConfigError(f"origin: eps must be in [0, 1), got {eps!r}")

    def select(self, view):
        s = self.cfg.steps_per_block(view.state.G)
        eps = float(self.p["eps"])
        j = view.step_in_block.clamp(max=s - 1)
        # The reference's time grid: torch.linspace(1, eps, s + 1) in float32.
        grid = torch.linspace(1, eps, s + 1, dtype=torch.float32, device=j.device)
        p = 1 - grid[j + 1] / grid[j]
        p = p.masked_fill(view.step_in_block >= s - 1, 1.0)  # the last step reveals everything left
        # As the reference: one float32 U(0,1) per masked position, in position order, from the
        # row's generator (a batch of one seeded like the reference draws the same numbers).
        u = torch.ones(view.candidates.shape, dtype=torch.float32, device=p.device)
        for i, (n, g) in enumerate(zip(view.candidates.sum(1).tolist(), view.generators)):
            u[i, view.candidates[i]] = torch.rand(n, generator=g).to(p.device)
        return (u < p[:, None]) & view.candidates

    def block_done(self, state, rows):
        # As in the reference loop, a block always takes its s steps (NFE = steps exactly), even
        # when the random reveals emptied it early: later steps then commit nothing.
        return state.step_in_block[rows] >= self.cfg.steps_per_block(state.G)
