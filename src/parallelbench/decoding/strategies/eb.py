"""Entropy-bounded (EB) sampler, DECODING.md 4.5 (EB-Sampler, arXiv 2505.24857)."""
from __future__ import annotations

import torch

from ...errors import ConfigError
from .. import scores
from .base import Strategy, strategy

_ORDERS = ("entropy", "confidence", "margin")


def entropy(view) -> torch.Tensor:
    """Shannon entropy (nats) of each candidate position's distribution q (exact: 0 log 0 = 0;
    float64). Non-candidates get 0 when the view scores candidates only."""
    return scores.per_position(view, lambda p: torch.special.entr(p.to(torch.float64)).sum(-1))


@strategy("eb", aliases=("eb_sampler", "entropy-bounded", "entropy_bounded"))
class EntropyBounded(Strategy):
    """Commit the longest prefix of the ordered candidates whose entropy budget
    ``sum(H) - max(H) <= gamma`` holds (at least one token, at most all candidates).

    Candidates are ordered by ascending entropy (``order='entropy'``, the paper's default) or,
    as the paper allows, by descending confidence or margin; the budget always uses the
    entropies. The budget is non-decreasing along any order, so the accepted set is a prefix.
    Runs per semi-AR block, until the block is full.
    """

    params = {"gamma": 0.01, "order": "entropy"}
    candidates_only = True
    source = (
        "EB-Sampler 2505.24857; budget in nats on the clean (untempered) q, per block, "
        "loop until the block is full (the DUS implementation's iteration cap is not reproduced)"
    )

    def check(self):
        gamma = self.p["gamma"]
        if not isinstance(gamma, (int, float)) or isinstance(gamma, bool) or gamma < 0:
            raise ConfigError(f"eb: gamma must be a number >= 0 (nats), got {gamma!r}")
        if self.p["order"] not in _ORDERS:
            raise ConfigError(f"eb: order must be one of {', '.join(_ORDERS)}, got {self.p['order']!r}")

    def select(self, view):
        h = entropy(view)
        order = self.p["order"]
        key = -h if order == "entropy" else view.confidence if order == "confidence" else scores.margin(view)
        ranks = scores.rank(view, key)
        # Entropies laid out in commit order; non-candidates (ranked last) contribute nothing.
        h_sorted = torch.zeros_like(h).scatter_(1, ranks, h.masked_fill(~view.candidates, 0.0))
        spent = h_sorted.cumsum(1) - h_sorted.cummax(1).values
        m = view.candidates.sum(1)
        n = torch.arange(1, h.shape[1] + 1, device=h.device)
        ok = (spent <= float(self.p["gamma"])) & (n[None, :] <= m[:, None])
        count = ok.sum(1).clamp(min=1)
        return (ranks < count[:, None]) & view.candidates
