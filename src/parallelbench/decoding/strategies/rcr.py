"""RCR: running-confidence remasking (MDPO, autonomousvision/mdpo; DECODING.md 4.13).

A persistent table R holds, for every generated slot, the confidence it had when it was last
filled. Step j of a block fills *every* masked slot up to the block end, then re-masks the
slots with the lowest R so that exactly N_j (the MaskGIT gamma-schedule's cumulative count)
survive. Low-confidence tokens are thus predicted again with more context. Greedy only.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import torch

from ...errors import ConfigError
from .. import scores
from .base import Strategy, strategy

_MODES = ("linear", "cosine", "log", "exp")


def _mask_ratio(r: float, mode: str, total: int) -> float:
    if mode == "linear":
        g = 1 - r
    elif mode == "cosine":
        g = math.cos(r * math.pi / 2)
    elif mode.startswith("pow"):
        g = 1 - r ** float(mode[3:])
    elif mode == "log":  # log2(M) is 0 for a single mask: use 2 so the ratio stays finite
        g = -math.log2(r) / math.log2(max(total, 2))
    else:  # exp
        g = 1 - 2 ** (-math.log2(max(total, 2)) * (1 - r))
    return min(max(g, 1e-6), 1.0)


def maskgit_schedule(masks: int, steps: int, mode: str = "linear") -> list[int]:
    """MaskGIT gamma-schedule (DECODING.md 3): n_j = N_j - N_{j-1} with
    N_j = M - floor(M * gamma((j+1)/s)). Modes: ``linear`` (1-r), ``cosine`` (cos(pi r/2)),
    ``pow<e>`` (1-r^e, e.g. ``pow2``), ``log``, ``exp``; gamma is clipped to [1e-6, 1].
    Counts can be 0 in early steps; they always sum to M."""
    if masks <= 0:
        return [0] * steps
    cum = [masks - math.floor(masks * _mask_ratio((j + 1) / steps, mode, masks)) for j in range(steps)]
    return [c - p for c, p in zip(cum, [0] + cum[:-1])]


def _check_mode(mode) -> None:
    ok = isinstance(mode, str) and (mode in _MODES or mode.startswith("pow"))
    if ok and mode.startswith("pow"):
        try:
            ok = float(mode[3:]) > 0
        except ValueError:
            ok = False
    if not ok:
        raise ConfigError(f"rcr: gamma_schedule must be one of {_MODES} or pow<e> (e.g. pow2), got {mode!r}")


@strategy("rcr", aliases=("low_confidence_rcr", "mdpo_rcr", "running-confidence"))
class RunningConfidenceRemasking(Strategy):
    """Fill all, keep the N_j most confident (see the module docstring).

    Parameters: ``gamma_schedule`` (``linear``; ``cosine``, ``pow<e>``, ``log``, ``exp``) and
    ``running`` (True; False is the reference's plain gamma-schedule top-k without re-masking).
    Temperature must be 0. Only committed generated slots up to the block end can be re-masked
    (the reference ranks the whole row, where prompt and future slots tie at 1.0 and its order
    among ties is unspecified); an R of exactly 0 counts as 1.0, as in the reference.
    """

    fixed_count = True
    revises = True
    params = {"gamma_schedule": "linear", "running": True}
    precision = "float32"  # the reference takes the softmax under CUDA autocast (float32)
    kv_cache = "it re-masks tokens of earlier blocks, whose cached keys and values would go stale"
    source = "MDPO running-confidence remasking (as ported by ParallelBench, overtime_conf=True)"

    def check(self):
        _check_mode(self.p["gamma_schedule"])
        if self.cfg.temperature != 0:
            raise ConfigError(f"rcr is greedy only: temperature must be 0, got {self.cfg.temperature}")

    def setup(self, state):
        dev = state.x.device
        state.memory["rcr_R"] = torch.zeros(state.gen.shape, dtype=torch.float64, device=dev)
        state.memory["rcr_sched"] = [[] for _ in range(state.batch)]
        state.memory["rcr_generated"] = state.gen == self.cfg.mask_id

    def on_block_start(self, state, rows):
        s = self.cfg.steps_per_block(state.G)
        for r, m in zip(rows.tolist(), state.block_masks(rows).sum(1).tolist()):
            state.memory["rcr_sched"][r] = maskgit_schedule(int(m), s, self.p["gamma_schedule"])

    def _upto_end(self, view) -> torch.Tensor:
        pos = torch.arange(view.candidates.shape[1], device=view.rows.device)
        return (pos[None, :] < view.block_end[:, None]) & view.state.memory["rcr_generated"][view.rows]

    def _later(self, view, offset: int) -> torch.Tensor:
        """Per row: sum of the schedule from step j + offset on."""
        out = [sum(view.state.memory["rcr_sched"][r][j + offset:])
               for r, j in zip(view.rows.tolist(), view.step_in_block.tolist())]
        return torch.tensor(out, dtype=torch.long, device=view.rows.device)

    def select(self, view):
        masked = view.state.gen[view.rows] == self.cfg.mask_id
        if self.p["running"]:
            # All masked slots up to the block end (earlier blocks' re-masked slots included).
            return masked & self._upto_end(view)
        n = []
        for r, j in zip(view.rows.tolist(), view.step_in_block.tolist()):
            sched = view.state.memory["rcr_sched"][r]
            n.append(sched[j] if j < len(sched) else int(1e9))  # past the plan: finish the block
        return scores.top_n(view, view.confidence, torch.tensor(n, device=view.rows.device))

    def remask(self, view, committed):
        if not self.p["running"]:
            return None
        R = view.state.memory["rcr_R"]
        rows = view.rows
        R[rows] = torch.where(committed, view.confidence.double(), R[rows])
        keep_masked = self._later(view, 1)  # sum_{j' > j} n_j': 0 at the block's last step
        if not bool((keep_masked > 0).any()):
            return None
        filled = (view.state.gen[rows] != self.cfg.mask_id) | committed
        allowed = filled & self._upto_end(view)
        Rv = R[rows].masked_fill(R[rows] == 0, 1.0)
        sub = SimpleNamespace(candidates=allowed, cfg=view.cfg, generators=view.generators)
        return scores.top_n(sub, -Rv, keep_masked)

    def block_done(self, state, rows):
        steps = torch.tensor([len(state.memory["rcr_sched"][r]) for r in rows.tolist()],
                             dtype=torch.long, device=rows.device)
        end = state.block_bounds(rows)[1]
        pos = torch.arange(state.G, device=rows.device)
        masked = (state.gen[rows] == self.cfg.mask_id) & (pos[None, :] < end[:, None])
        return (state.step_in_block[rows] >= steps) & ~masked.any(1)
