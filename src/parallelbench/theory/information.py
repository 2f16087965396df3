"""Information-theoretic quantities of Section 4 (SPEC section 6), in bits.

* ``total_correlation``: C(Y|X) = sum_i H(Y_i|X) - H(Y|X), the KL divergence between the answer
  distribution and the product of its marginals (what one fully parallel step samples).
* ``step_bound``: L_T({S_t}) = sum_t C(Y_{S_t} | X, Y_{S_<t}), the same divergence for a decoding
  that commits the sets S_1..S_T in order, each from the exact conditional marginals.
* ``optimal_bound``: L*_T, the smallest L_T over ordered partitions into T non-empty sets.

The answer distribution is uniform over the problem's valid answers. Shuffle is handled by
counting (its cost depends only on how many items are already placed), everything else by
grouping the listed answers.
"""
from __future__ import annotations

import functools
import math
from typing import Sequence

import numpy as np

from ..ideal.problems import FREE, PermutationProblem, Problem


def _entropy_of_counts(counts) -> float:
    """Entropy (bits) of the distribution proportional to non-negative integer counts."""
    cs = [int(c) for c in counts if c > 0]
    total = sum(cs)
    return math.log2(total) - sum(c * math.log2(c) for c in cs) / total


def total_correlation(problem: Problem) -> float:
    """C(Y|X) in bits."""
    c, total = problem.counts(np.full(problem.length, FREE))
    return sum(_entropy_of_counts(row) for row in c) - math.log2(total)


def _perm_step_cost(p: PermutationProblem, placed: int, k: int) -> float:
    n = p.length
    m = n - placed
    if k == 0:
        return 0.0
    plain = k * math.log2(m) - math.log2(math.perm(m, k))  # any past that allows every completion
    if not p.exclude_identity:
        return plain
    # Only the past that kept every placed item in its own slot excludes one completion.
    total = math.factorial(m) - 1
    if total == 0:
        return 0.0
    w_id = total / (math.factorial(n) - 1)
    f1 = math.factorial(m - 1)
    h_marg = _entropy_of_counts([f1 - 1] + [f1] * (m - 1))
    f0 = math.factorial(m - k)
    c0_count = math.perm(m, k) - 1
    h_joint = math.log2(total) - (
        ((f0 - 1) * math.log2(f0 - 1) if f0 > 1 else 0.0) + c0_count * f0 * math.log2(f0)
    ) / total
    return w_id * (k * h_marg - h_joint) + (1 - w_id) * plain


def _finite_step_cost(answers: np.ndarray, past: Sequence[int], step: Sequence[int]) -> float:
    N = answers.shape[0]
    if past:
        _, inv = np.unique(answers[:, list(past)], axis=0, return_inverse=True)
        inv = inv.reshape(-1)
    else:
        inv = np.zeros(N, dtype=np.int64)
    cost = 0.0
    for g in np.unique(inv):
        rows = answers[inv == g][:, list(step)]
        marg = sum(_entropy_of_counts(np.unique(rows[:, j], return_counts=True)[1]) for j in range(len(step)))
        joint = _entropy_of_counts(np.unique(rows, axis=0, return_counts=True)[1])
        cost += rows.shape[0] / N * (marg - joint)
    return cost


def step_cost(problem: Problem, past: Sequence[int], step: Sequence[int]) -> float:
    """C(Y_S | X, Y_past) averaged over the past's values (bits)."""
    if isinstance(problem, PermutationProblem):
        return _perm_step_cost(problem, len(past), len(step))
    return _finite_step_cost(problem.answers(), sorted(past), sorted(step))


def step_bound(problem: Problem, partition: Sequence[Sequence[int]]) -> float:
    """L_T for the ordered partition ``partition`` of the positions (bits)."""
    flat = sorted(i for s in partition for i in s)
    if flat != list(range(problem.length)) or any(len(s) == 0 for s in partition):
        raise ValueError("partition must split the positions into non-empty disjoint sets")
    past: list[int] = []
    total = 0.0
    for s in partition:
        total += step_cost(problem, past, list(s))
        past += list(s)
    return total


def optimal_bound(problem: Problem, steps: int, max_positions: int = 10) -> tuple[float, list[list[int]]]:
    """L*_T and one ordered partition achieving it (search over position subsets)."""
    n = problem.length
    if not 1 <= steps <= n:
        raise ValueError(f"steps must be in 1..{n}")
    if isinstance(problem, PermutationProblem):  # the cost depends on set sizes only

        @functools.lru_cache(maxsize=None)
        def by_size(placed: int, t: int) -> tuple[float, tuple[int, ...]]:
            left = n - placed
            if t == 1:
                return _perm_step_cost(problem, placed, left), (left,)
            best = (math.inf, ())
            for k in range(1, left - t + 2):
                rest, sizes = by_size(placed + k, t - 1)
                cand = _perm_step_cost(problem, placed, k) + rest
                if cand < best[0] - 1e-15:
                    best = (cand, (k,) + sizes)
            return best

        value, sizes = by_size(0, steps)
        parts, start = [], 0
        for k in sizes:
            parts.append(list(range(start, start + k)))
            start += k
        return value, parts
    if n > max_positions:
        raise ValueError(f"optimal search over {n} positions is too large (limit {max_positions})")
    answers = problem.answers()
    full = (1 << n) - 1
    bits = lambda mask: [i for i in range(n) if mask >> i & 1]  # noqa: E731

    @functools.lru_cache(maxsize=None)
    def cost(past: int, s: int) -> float:
        return _finite_step_cost(answers, bits(past), bits(s))

    @functools.lru_cache(maxsize=None)
    def best(past: int, t: int) -> tuple[float, tuple[int, ...]]:
        left = full & ~past
        if t == 1:
            return cost(past, left), (left,)
        out = (math.inf, ())
        sub = left
        while sub:
            if bin(left & ~sub).count("1") >= t - 1:
                rest, plan = best(past | sub, t - 1)
                cand = cost(past, sub) + rest
                if cand < out[0] - 1e-15:
                    out = (cand, (sub,) + plan)
            sub = (sub - 1) & left
        return out

    value, plan = best(0, steps)
    return value, [bits(m) for m in plan]


__all__ = ["total_correlation", "step_cost", "step_bound", "optimal_bound"]
