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
        passed = scores.passes(view.confidence, self.cfg.threshold, strict=self.p["strict"])
        return scores.at_least_best(view, view.confidence, passed)


@strategy("confidence-factor", aliases=("factor", "confidence_factor", "low_confidence_factor"))
class ConfidenceFactor(Strategy):
    """Fast-dLLM's factor rule: with b the first rank n >= 2 whose confidence c_(n) is below
    1 - f/(n+1), commit the top b-1 candidates (all of them when no rank fails).

    As in every reference implementation, a first failure at the *last* rank commits all
    candidates too (so two remaining candidates always go together). ``variant='corrected'``
    commits b-1 there as well. Thresholds are compared in the confidence's dtype.
    """

    params = {}
    corrections = ("a first failure at the last rank commits b-1 candidates, not all of them",)
    candidates_only = True
    source = "Fast-dLLM 2505.22618, factor rule (n+1)(1-c_(n)) <= f"

    def check(self):
        if self.cfg.factor is None:
            raise ConfigError("confidence-factor needs factor (e.g. 1.0)")

    def select(self, view):
        ranks = scores.rank(view, view.confidence)
        c = view.confidence.masked_fill(~view.candidates, float("-inf"))
        sorted_c = torch.zeros_like(c).scatter_(1, ranks, c)  # sorted_c[:, r] = score at rank r
        n = torch.arange(1, c.shape[1] + 1, device=c.device, dtype=torch.float64)
        theta = 1 - self.cfg.factor / (n + 1)
        theta[0] = -1.0  # the best candidate always passes
        m = view.candidates.sum(1)
        fails = ~scores.passes(sorted_c, theta) & (n[None, :] <= m[:, None])
        first_fail = torch.where(fails.any(1), fails.float().argmax(1), m)  # 0-based rank b-1
        count = first_fail
        if not self.corrected:  # the references: a failure at the last rank still commits all
            count = torch.where(first_fail == m - 1, m, count)
        return (ranks < count[:, None]) & view.candidates
