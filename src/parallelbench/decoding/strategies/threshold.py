"""Adaptive confidence rules of Fast-dLLM (2505.22618): threshold and factor (DECODING.md 4.3-4.4)."""
from __future__ import annotations

import torch

from ...errors import ConfigError
from .. import scores
from .base import Strategy, strategy


@strategy("confidence-threshold", aliases=("threshold", "confidence_threshold", "low_confidence_threshold"))
class ConfidenceThreshold(Strategy):
    """Commit every candidate with confidence >= gamma, and always at least the best one.

    The pass rule is non-strict (c >= gamma), as in Fast-dLLM; ``strict=True`` uses c > gamma.
    """

    params = {"strict": False}
    candidates_only = True
    source = "Fast-dLLM 2505.22618, confidence-aware parallel decoding"

    def check(self):
        if self.cfg.threshold is None:
            self.cfg.threshold = 0.9  # Fast-dLLM's default

    def select(self, view):
        c = view.confidence.to(torch.float64)
        gamma = self.cfg.threshold
        passed = c > gamma if self.p["strict"] else c >= gamma
        return scores.at_least_best(view, view.confidence, passed)


@strategy("confidence-factor", aliases=("factor", "confidence_factor", "low_confidence_factor"))
class ConfidenceFactor(Strategy):
    """Commit the top b-1 candidates, where b is the first rank n >= 2 with c_(n) < 1 - f/(n+1).

    ``faithful_factor_last_rank`` reproduces the reference quirk of committing all candidates
    when the first failure is at the last rank.
    """

    params = {"faithful_factor_last_rank": False}
    candidates_only = True
    source = "Fast-dLLM 2505.22618, factor rule (n+1)(1-c_(n)) <= f"

    def check(self):
        if self.cfg.factor is None:
            raise ConfigError("confidence-factor needs factor (e.g. 1.0)")

    def select(self, view):
        ranks = scores.rank(view, view.confidence)
        c = view.confidence.to(torch.float64).masked_fill(~view.candidates, float("-inf"))
        sorted_c = torch.zeros_like(c).scatter_(1, ranks, c)  # sorted_c[:, r] = score at rank r
        n = torch.arange(1, c.shape[1] + 1, device=c.device, dtype=torch.float64)
        theta = 1 - self.cfg.factor / (n + 1)
        theta[0] = -1.0  # the best candidate always passes
        m = view.candidates.sum(1)
        fails = (sorted_c < theta) & (n[None, :] <= m[:, None])
        first_fail = torch.where(fails.any(1), fails.float().argmax(1), m)  # 0-based rank b-1
        count = first_fail
        if self.p["faithful_factor_last_rank"]:
            count = torch.where(first_fail == m - 1, m, count)
        return (ranks < count[:, None]) & view.candidates
