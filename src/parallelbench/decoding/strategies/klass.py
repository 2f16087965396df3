"""KLASS: KL-adaptive stability sampling (arXiv 2511.05664; DECODING.md 4.6).

A masked position is *ready* when its predictive distribution has been stable over the last
``history`` steps (every KL(p_t || p_{t-1}) < tau_kl) and its confidence passes tau_conf. All
ready positions are committed at once; when none is ready the step falls back to confidence
top-n along the LLaDA-uniform schedule (one token per step when neither steps nor k is given).
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import torch

from ...errors import ConfigError
from .. import scores
from .base import Strategy, strategy

_EPS = 1e-12  # smoothing inside the logs of the KL, as in the reference
_UNMASK = ("all", "max_conf", "min_kl", "random")


@strategy("klass", aliases=("klass_sampler", "kl-adaptive"))
class KLASS(Strategy):
    """Commit KL-stable and confident positions; fall back to confidence top-n.

    Parameters: ``tau_conf`` (0.9), ``tau_kl`` (0.01), ``history`` H (2), ``strict`` (True:
    c > tau_conf as in KLASS-LLaDA; False: c >= tau_conf as in KLASS-Dream), ``reset_per_block``
    (True: PB clears the KL buffers at each block; False: the original LLaDA code keeps them over
    the whole generation; the stability gate counts steps within the block either way) and
    ``unmask_strategy`` (``all`` commits every ready position; ``max_conf``/``min_kl``/``random``
    commit only one of them). With ``steps``/``k`` a block stops after its s scheduled steps even
    if masks remain, as the references loop; ``variant='corrected'`` keeps going until it is full.
    """

    params = {"tau_conf": 0.9, "tau_kl": 0.01, "history": 2, "strict": True,
              "reset_per_block": True, "unmask_strategy": "all"}
    corrections = ("a block whose ready commits fell behind the schedule keeps decoding until it is "
                   "full (the references stop after s steps and leave masks)",)
    precision = "float64"
    source = "KLASS 2511.05664 (LLaDA variant as ported by ParallelBench)"

    def check(self):
        p = self.p
        for name in ("tau_conf", "tau_kl"):
            v = p[name]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
                raise ConfigError(f"klass: {name} must be a finite number >= 0, got {v!r}")
        if not isinstance(p["history"], int) or isinstance(p["history"], bool) or p["history"] < 1:
            raise ConfigError(f"klass: history must be an integer >= 1, got {p['history']!r}")
        if p["unmask_strategy"] not in _UNMASK:
            raise ConfigError(f"klass: unmask_strategy must be one of {_UNMASK}, got {p['unmask_strategy']!r}")

    # -- buffers -----------------------------------------------------------------------------
    def setup(self, state):
        # The KL window is the current block (buffers reset per block) or the whole generation.
        self.window = state.block_len if self.p["reset_per_block"] else state.G
        state.memory["klass_kl"] = torch.zeros(state.batch, self.window, self.p["history"],
                                               dtype=torch.float64, device=state.x.device)
        state.memory["klass_prev"] = None  # [batch, window, V] float64, allocated on first step

    def on_block_start(self, state, rows):
        if self.cfg.steps is not None or self.cfg.k is not None:
            state.plan_block(rows, self.cfg.steps_per_block(state.G))
        if self.p["reset_per_block"] and rows.numel():
            state.memory["klass_kl"][rows] = 0.0
            if state.memory["klass_prev"] is not None:
                state.memory["klass_prev"][rows] = 0.0

    # -- one step ----------------------------------------------------------------------------
    def select(self, view):
        state, rows, H = view.state, view.rows, self.p["history"]
        b, G = view.candidates.shape
        offset = view.block_start if self.p["reset_per_block"] else torch.zeros_like(view.block_start)
        idx = offset[:, None] + torch.arange(self.window, device=rows.device)  # [b, W]
        logits = view.logits.gather(1, idx[..., None].expand(-1, -1, view.logits.shape[-1]))
        p = torch.softmax(logits.double(), dim=-1)  # float64 as in the reference, for the KL
        if state.memory["klass_prev"] is None:
            state.memory["klass_prev"] = torch.zeros(state.batch, self.window, p.shape[-1],
                                                     dtype=torch.float64, device=p.device)
        prev = state.memory["klass_prev"][rows]
        kl = (p * (torch.log(p + _EPS) - torch.log(prev + _EPS))).sum(-1)  # [b, W]
        buf = state.memory["klass_kl"][rows].roll(-1, dims=-1)
        buf[..., -1] = kl
        state.memory["klass_kl"][rows] = buf
        state.memory["klass_prev"][rows] = p

        # The gate counts steps within the block, also when the buffers persist across blocks
        # (PB and the original KLASS-LLaDA code alike).
        step = view.step_in_block
        stable_w = (step >= H - 1)[:, None] & (buf < self.p["tau_kl"]).all(-1)
        conf_w = p.gather(-1, view.x_hat.gather(1, idx)[..., None]).squeeze(-1)
        stable = torch.zeros(b, G, dtype=torch.bool, device=rows.device).scatter(1, idx, stable_w)
        conf = view.confidence.double().scatter(1, idx, conf_w)
        kl_full = torch.full((b, G), math.inf, dtype=torch.float64, device=rows.device).scatter(1, idx, kl)
        tau = self.p["tau_conf"]
        passed = conf > tau if self.p["strict"] else conf >= tau
        ready = stable & passed & view.candidates

        if self.p["unmask_strategy"] != "all":
            ready = self._only_one(view, ready, conf, kl_full)
        fallback = scores.top_n(view, conf, self._fallback_counts(view))
        has_ready = ready.any(1, keepdim=True)
        return torch.where(has_ready, ready, fallback)

    def _only_one(self, view, ready, conf, kl):
        how = self.p["unmask_strategy"]
        score = {"max_conf": conf, "min_kl": -kl}.get(how)
        if score is None:  # random among the ready positions
            score = scores.random_scores(view)
        sub = SimpleNamespace(candidates=ready, cfg=view.cfg, generators=view.generators)
        return scores.top_n(sub, score, torch.ones_like(view.n_commit))

    def _fallback_counts(self, view) -> torch.Tensor:
        """Tokens the fallback commits: the schedule's n_j (its last entry once the schedule is
        used up, so the block keeps its rate until it is full), or 1 without steps/k."""
        if self.cfg.steps is None and self.cfg.k is None:
            return torch.ones_like(view.n_commit)
        counts = []
        for r, j in zip(view.rows.tolist(), view.step_in_block.tolist()):
            sched = view.state.schedule[r] or [1]
            counts.append(sched[min(j, len(sched) - 1)])
        return torch.tensor(counts, dtype=torch.long, device=view.n_commit.device)

    def block_done(self, state, rows):
        done = ~state.block_masks(rows).any(1)
        if not self.corrected and (self.cfg.steps is not None or self.cfg.k is not None):
            s = self.cfg.steps_per_block(state.G)
            done = done | (state.step_in_block[rows] >= s)
        return done
