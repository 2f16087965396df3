"""Fixed-count top-k family (DECODING.md 4.1): commit the n_j best candidates by a score."""
from __future__ import annotations

from .. import scores
from .base import Strategy, strategy


class _TopK(Strategy):
    fixed_count = True
    candidates_only = True
    source = "LLaDA (2502.09992) uniform schedule; Dream (2508.15487) scores"

    def score(self, view):
        raise NotImplementedError

    def select(self, view):
        return scores.top_n(view, self.score(view), view.n_commit)


@strategy("confidence-topk", aliases=("topk_confidence", "confidence_topk", "low_confidence", "maskgit_plus"))
class ConfidenceTopK(_TopK):
    """Score = probability of the proposed token."""

    def score(self, view):
        return view.confidence


@strategy("topk-margin", aliases=("topk_margin",))
class MarginTopK(_TopK):
    """Score = p1 - p2 (independent of the proposed token)."""

    def score(self, view):
        return scores.margin(view)


@strategy("entropy-topk", aliases=("topk_entropy", "entropy_topk", "entropy"))
class EntropyTopK(_TopK):
    """Score = negative entropy of the position's distribution."""

    def score(self, view):
        return scores.neg_entropy(view)


@strategy("random", aliases=("topk_random", "random-topk"))
class RandomTopK(_TopK):
    """Uniformly random positions; tokens are still argmax (or sampled)."""

    def score(self, view):
        return scores.random_scores(view)


@strategy("l2r", aliases=("left_to_right", "left-to-right"))
class LeftToRight(_TopK):
    """The leftmost masks first; with k = 1 this is autoregressive decoding in the dLLM."""

    source = "ParallelBench baseline"

    def score(self, view):
        return scores.left_to_right(view)
