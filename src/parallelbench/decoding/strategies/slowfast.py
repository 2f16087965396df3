"""SlowFast sampling, LLaDA variant with full forward passes (arXiv 2506.10848; DECODING.md 4.7).

Each block is decoded in sub-cycles. A *slow* phase of ``explore_steps`` forwards estimates how far
ahead the model is already fairly sure (confidence >= tau_cyc) and fixes the span end e once the
estimates are stable; meanwhile each forward commits within [e_prev, B). A *fast* phase then fills
[e_prev, e). Both phases commit every masked position of their scope with confidence >= tau_hi
when there are at least two, otherwise the single most confident one.
"""
from __future__ import annotations

import math
import statistics
from types import SimpleNamespace

import torch

from ...errors import ConfigError
from .. import scores
from .base import Strategy, strategy


def _cycle(e_prev: int, cycles: int) -> dict:
    """Per-row state at the start of a sub-cycle (offsets relative to the block start)."""
    return {"phase": "slow", "k": 0, "window": [], "e": None, "e_prev": e_prev, "cycles": cycles + 1}


@strategy("slowfast", aliases=("slow_fast", "slow-fast", "slowfast_sampling"))
class SlowFast(Strategy):
    """Explore-then-fill sub-cycles (see the module docstring).

    Parameters: ``explore_steps`` K (6), ``tau_cyc`` (0.3), ``tau_hi`` (0.9), ``window`` w (2),
    ``sigma_max`` (1.0, population std of the last w span estimates) and ``max_cycles`` (256 per
    block; as in the reference a block then ends even with masks left, which needs B > 256;
    ``variant='corrected'`` fills the rest by one fast phase). Thresholds are compared in the
    confidence's dtype.
    """

    params = {"explore_steps": 6, "tau_cyc": 0.3, "tau_hi": 0.9, "window": 2, "sigma_max": 1.0,
              "max_cycles": 256}
    corrections = ("past max_cycles sub-cycles the rest of the block is filled by one fast phase "
                   "(the reference leaves it masked)",)
    source = "SlowFast sampling 2506.10848 (LLaDA variant, full passes as in the ParallelBench port)"

    def check(self):
        for name in ("explore_steps", "window", "max_cycles"):
            v = self.p[name]
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"slowfast: {name} must be an integer >= 1, got {v!r}")
        for name in ("tau_cyc", "tau_hi", "sigma_max"):
            v = self.p[name]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
                raise ConfigError(f"slowfast: {name} must be a finite number >= 0, got {v!r}")

    def setup(self, state):
        state.memory["slowfast"] = [None] * state.batch

    def on_block_start(self, state, rows):
        for r in rows.tolist():
            state.memory["slowfast"][r] = _cycle(0, 0)

    def select(self, view):
        mem, Bl = view.state.memory["slowfast"], view.state.block_len
        conf = view.confidence.masked_fill(~view.candidates, -math.inf)  # thresholds in its dtype
        commit = torch.zeros_like(view.candidates)
        starts = view.block_start.tolist()
        for i, r in enumerate(view.rows.tolist()):
            st, bs = mem[r], starts[i]
            c, masked = conf[i, bs : bs + Bl], view.candidates[i, bs : bs + Bl]
            if st["phase"] == "slow":
                if st["e"] is None:
                    self._estimate(st, c, masked, Bl)
                hi = Bl
            else:
                hi = st["e"]
            pick = self._rule(view, i, c, masked, st["e_prev"], hi)
            commit[i, bs : bs + Bl] = pick
            self._advance(st, masked & ~pick, Bl)
        return commit

    def _estimate(self, st: dict, c: torch.Tensor, masked: torch.Tensor, Bl: int) -> None:
        """Push one span-end estimate; fix e when the window is stable or exploration ends."""
        e_prev, w = st["e_prev"], self.p["window"]
        sure = (c >= self.p["tau_cyc"]) & masked
        sure[:e_prev] = False
        where = sure.nonzero()
        est = int(where.max()) + 1 if where.numel() else e_prev + 1  # = e_prev + increment
        est = max(1, min(est, Bl))
        st["window"] = (st["window"] + [est])[-w:]
        if len(st["window"]) >= w and statistics.pstdev(st["window"]) < self.p["sigma_max"]:
            st["e"] = est
        elif st["k"] == self.p["explore_steps"] - 1:
            st["e"] = max(1, min(math.floor(statistics.fmean(st["window"])), Bl))

    def _rule(self, view, i: int, c, masked, lo: int, hi: int) -> torch.Tensor:
        """All scope masks with conf >= tau_hi if there are at least two, else the best one."""
        scope = masked.clone()
        scope[:lo] = False
        scope[hi:] = False
        high = scope & (c >= self.p["tau_hi"])
        if int(high.sum()) > 1:
            return high
        if not scope.any():
            return scope
        sub = SimpleNamespace(candidates=scope[None], cfg=view.cfg, generators=[view.generators[i]])
        return scores.top_n(sub, c[None], torch.ones(1, dtype=torch.long, device=c.device))[0]

    def _advance(self, st: dict, still_masked: torch.Tensor, Bl: int) -> None:
        """Move the row's state machine past the step just taken."""
        if st["phase"] == "slow":
            st["k"] += 1
            if st["k"] < self.p["explore_steps"]:
                return
            st["phase"] = "fast"
        if not still_masked[st["e_prev"] : st["e"]].any():  # span filled: next sub-cycle
            new = _cycle(st["e"], st["cycles"])
            if st["cycles"] >= self.p["max_cycles"]:  # cap reached
                if self.corrected:  # one fast phase to the end of the block
                    new.update(phase="fast", e=Bl)
                else:  # the reference moves on to the next block
                    new.update(phase="stopped")
            st.clear()
            st.update(new)

    def block_done(self, state, rows):
        mem = state.memory["slowfast"]
        # A slow phase always spends its K passes: a full block ends only outside of one.
        mid_slow = torch.tensor([mem[r]["phase"] == "slow" and mem[r]["k"] > 0 for r in rows.tolist()],
                                dtype=torch.bool, device=rows.device)
        stopped = torch.tensor([mem[r]["phase"] == "stopped" for r in rows.tolist()],
                               dtype=torch.bool, device=rows.device)
        return stopped | (~mid_slow & ~state.block_masks(rows).any(1))
