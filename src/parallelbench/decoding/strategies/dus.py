"""DUS: the Dilated Unmasking Scheduler (arXiv 2506.19037; DECODING.md 4.8).

Positions are revealed along a fixed, model-independent coarse-to-fine plan per block (every
B/a-th offset, then the gaps at half that stride, ...), one forward per level, so a block of
B = 32 costs 5 forwards whatever the model says. Optionally, tokens of a level whose confidence is
below tau_r are re-masked; as in the references they then stay masked (``variant='corrected'``
reveals them again with the next level).
"""
from __future__ import annotations

import math

import torch

from ...errors import ConfigError
from .base import Strategy, strategy


def dilated_levels(block_length: int, base: int = 2, skip_exponent: int = 1) -> list[list[int]]:
    """The DUS plan of one block: a list of levels, each a list of block offsets.

    The first stride is floor(B / base**skip_exponent); each level takes the offsets that are
    multiples of the stride and not yet used, then the stride is divided by ``base``; leftovers
    form a last level, and a last level smaller than the one before is merged into it.
    ``dilated_levels(32)`` has sizes [2, 2, 4, 8, 16].
    """
    if block_length < 1 or base < 1 or skip_exponent < 1:
        raise ConfigError("dus: block_length, base and skip_exponent must be >= 1")
    if base == 1:
        return [list(range(block_length))]
    used: set[int] = set()
    levels: list[list[int]] = []
    stride = block_length // base**skip_exponent
    while stride >= 1:
        level = [o for o in range(0, block_length, stride) if o not in used]
        if level:
            levels.append(level)
            used.update(level)
        stride //= base
    rest = [o for o in range(block_length) if o not in used]
    if rest:
        levels.append(rest)
    if len(levels) >= 2 and len(levels[-1]) < len(levels[-2]):
        levels[-2].extend(levels.pop())
    return levels


@strategy("dus", aliases=("dilated", "dilated_unmasking", "dilated-unmasking"))
class DilatedUnmasking(Strategy):
    """One forward per level of ``dilated_levels``; commit every still-masked position of the level.

    Parameters: ``base`` a (2), ``skip_exponent`` (1), ``tau_r`` (0.3; 0 disables re-masking).
    As in the references (DUS, ParallelBench's port) re-masked positions are never scheduled
    again, so the output keeps mask tokens there; ``variant='corrected'`` carries them into the
    next level. ``steps``/``k`` are ignored: the plan fixes the number of forwards. Confidence
    is taken in float64 (the references' precision).
    """

    revises = True
    params = {"base": 2, "skip_exponent": 1, "tau_r": 0.3}
    corrections = ("re-masked positions join the next level instead of staying masked",
                   "a level with nothing to reveal (only possible with a canvas) costs no forward")
    precision = "float64"
    source = "DUS 2506.19037 (ParallelBench's LLaDA port)"

    def check(self):
        for name in ("base", "skip_exponent"):
            v = self.p[name]
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"dus: {name} must be an integer >= 1, got {v!r}")
        v = self.p["tau_r"]
        if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or not 0 <= v <= 1:
            raise ConfigError(f"dus: tau_r must be in [0, 1], got {v!r}")

    def setup(self, state):
        levels = dilated_levels(state.block_len, self.p["base"], self.p["skip_exponent"])
        plan = torch.zeros(len(levels), state.block_len, dtype=torch.bool, device=state.x.device)
        for i, level in enumerate(levels):
            plan[i, level] = True
        self.plan = plan  # [n_levels, B]: which block offsets each level reveals
        state.memory["dus_level"] = torch.zeros(state.batch, dtype=torch.long, device=state.x.device)
        state.memory["dus_carry"] = torch.zeros_like(state.gen, dtype=torch.bool)

    def _level_mask(self, state, rows, level) -> torch.Tensor:
        """Bool [b, G]: generated positions that level ``level[i]`` covers in row i's block."""
        start, _ = state.block_bounds(rows)
        rel = torch.arange(state.G, device=rows.device)[None, :] - start[:, None]
        inside = (rel >= 0) & (rel < state.block_len) & (level < len(self.plan))[:, None]
        lv = level.clamp(max=len(self.plan) - 1)
        return inside & self.plan[lv[:, None], rel.clamp(0, state.block_len - 1)]

    def _skip_empty(self, state, rows, masked: torch.Tensor) -> None:
        """Advance each row's level pointer past levels that have nothing to reveal (only a
        caller's canvas can empty a level); the reference variant runs every level while the block
        has masks, as the references do."""
        level = state.memory["dus_level"]
        carry = state.memory["dus_carry"][rows]
        for _ in range(len(self.plan)):
            lv = level[rows]
            if not self.corrected:
                start, end = state.block_bounds(rows)
                pos = torch.arange(state.G, device=rows.device)
                inside = (pos >= start[:, None]) & (pos < end[:, None])
                empty = ~(masked & inside).any(1)
            else:
                empty = ~((self._level_mask(state, rows, lv) | carry) & masked).any(1)
            step = empty & (lv < len(self.plan))
            if not step.any():
                break
            level[rows] = lv + step.long()

    def on_block_start(self, state, rows):
        state.memory["dus_level"][rows] = 0
        state.memory["dus_carry"][rows] = False
        self._skip_empty(state, rows, state.gen[rows] == self.cfg.mask_id)

    def select(self, view):
        lv = view.state.memory["dus_level"][view.rows]
        want = self._level_mask(view.state, view.rows, lv) | view.state.memory["dus_carry"][view.rows]
        return want & view.candidates

    def remask(self, view, committed):
        state, rows = view.state, view.rows
        lv = state.memory["dus_level"][rows]
        last = lv >= len(self.plan) - 1
        remask = None
        if self.p["tau_r"] > 0:
            low = view.confidence.double() < self.p["tau_r"]
            remask = committed & low & ~last[:, None]
        carry = remask if remask is not None and self.corrected else None
        state.memory["dus_carry"][rows] = carry if carry is not None else False
        state.memory["dus_level"][rows] = lv + 1
        masked = (state.gen[rows] == self.cfg.mask_id) & ~committed
        if remask is not None:
            masked = masked | remask
        self._skip_empty(state, rows, masked)
        return remask

    def block_done(self, state, rows):
        done = state.memory["dus_level"][rows] >= len(self.plan)
        if not self.corrected:
            done = done | ~state.block_masks(rows).any(1)
        return done
