"""ReMDM "loop" remasking on top of confidence top-k (arXiv 2503.00307; DECODING.md 4.12).

ParallelBench variant: each block runs its s normal confidence top-k steps (LLaDA-uniform
schedule) with ``remdm_steps`` R loop steps inserted after normal step
theta = clamp(floor(7B/8), 1, B-1) (after the last normal step when theta >= s). Before each loop
step the ``remdm_number`` r committed tokens of the block with the lowest confidence-at-commit
are re-masked; the loop step then commits as many of the best candidates. NFE = S + nb * R.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import torch

from ...errors import ConfigError
from .. import scores
from ..schedules import llada_uniform
from .base import Strategy, strategy

LOOP = -1  # plan entry of a loop step (normal steps hold their token count)


def remdm_plan(masks: int, steps_per_block: int, block_length: int, loop_steps: int) -> list[int]:
    """Per-step plan of one block: token counts of normal steps with ``LOOP`` entries inserted."""
    normal = llada_uniform(masks, steps_per_block)
    theta = max(min(math.floor(block_length * 7 / 8), block_length - 1), 1)
    at = min(theta, len(normal))
    return normal[:at] + [LOOP] * loop_steps + normal[at:]


@strategy("remdm", aliases=("low_confidence_remdm", "remdm_loop", "remdm-loop"))
class ReMDM(Strategy):
    """Confidence top-k with ReMDM loop steps (see the module docstring).

    Parameters: ``remdm_steps`` R (1) and ``remdm_number`` r (1). Only committed generated slots
    of the current block can be re-masked (the references rank every slot and pick among slots of
    infinite cached confidence, in an unspecified order, when fewer than r were committed).
    Confidences in float64, as the references. The newer ParallelBench port draws the normal-step
    counts from the total S instead of s; wherever that differs (several blocks and S < L) it ends
    with masks left and fails its own final check, so only the per-block schedule is implemented.
    """

    fixed_count = True
    revises = True
    params = {"remdm_steps": 1, "remdm_number": 1}
    precision = "float64"
    source = "ReMDM 2503.00307, loop strategy as inserted into LLaDA top-k by ParallelBench"

    def check(self):
        for name, low in (("remdm_steps", 0), ("remdm_number", 1)):
            v = self.p[name]
            if not isinstance(v, int) or isinstance(v, bool) or v < low:
                raise ConfigError(f"remdm: {name} must be an integer >= {low}, got {v!r}")

    def setup(self, state):
        dev = state.x.device
        state.memory["remdm_plan"] = [[] for _ in range(state.batch)]
        state.memory["remdm_kappa"] = torch.full(state.gen.shape, math.inf, dtype=torch.float64, device=dev)
        state.memory["remdm_pending"] = torch.zeros(state.batch, dtype=torch.long, device=dev)
        state.memory["remdm_generated"] = state.gen == self.cfg.mask_id

    def on_block_start(self, state, rows):
        s = self.cfg.steps_per_block(state.G)
        counts = state.block_masks(rows).sum(1).tolist()
        for r, m in zip(rows.tolist(), counts):
            state.memory["remdm_plan"][r] = remdm_plan(int(m), s, state.block_len, self.p["remdm_steps"])
        state.memory["remdm_kappa"][rows] = math.inf  # the cache is per block

    def _entry(self, state, r: int, j: int):
        plan = state.memory["remdm_plan"][r]
        return plan[j] if j < len(plan) else None

    def select(self, view):
        state = view.state
        n = []
        for i, (r, j) in enumerate(zip(view.rows.tolist(), view.step_in_block.tolist())):
            e = self._entry(state, r, j)
            if e is None:  # past the plan (never with the default plan): finish the block
                n.append(int(view.candidates[i].sum()))
            else:
                n.append(int(state.memory["remdm_pending"][r]) if e == LOOP else e)
        n = torch.tensor(n, dtype=torch.long, device=view.rows.device)
        return scores.top_n(view, view.confidence, n)

    def remask(self, view, committed):
        state, rows, mask_id = view.state, view.rows, self.cfg.mask_id
        kappa = state.memory["remdm_kappa"][rows]
        kappa = torch.where(committed, view.confidence.double(), kappa)
        r_count = [
            self.p["remdm_number"] if self._entry(state, r, j + 1) == LOOP else 0
            for r, j in zip(rows.tolist(), view.step_in_block.tolist())
        ]
        r_count = torch.tensor(r_count, dtype=torch.long, device=rows.device)
        start, end = view.block_start, view.block_end
        pos = torch.arange(state.G, device=rows.device)
        inside = (pos >= start[:, None]) & (pos < end[:, None])
        filled = (state.gen[rows] != mask_id) | committed
        allowed = inside & filled & state.memory["remdm_generated"][rows]
        sub = SimpleNamespace(candidates=allowed, cfg=view.cfg, generators=view.generators)
        remask = scores.top_n(sub, -kappa, r_count)
        state.memory["remdm_kappa"][rows] = kappa.masked_fill(remask, math.inf)
        state.memory["remdm_pending"][rows] = remask.sum(1)
        return remask if bool(remask.any()) else None

    def block_done(self, state, rows):
        planned = torch.tensor([len(state.memory["remdm_plan"][r]) for r in rows.tolist()],
                               dtype=torch.long, device=rows.device)
        return (state.step_in_block[rows] >= planned) & ~state.block_masks(rows).any(1)
