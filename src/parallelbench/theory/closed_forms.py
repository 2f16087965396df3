"""Closed forms of Section 4 for the ideal (unbiased) model (SPEC section 6, DECODING.md 8).

All formulas use the paper's distributions: Shuffle uniform over all n! orderings, Replace
Random uniform over the n single replacements. Fixed-count results take the per-step counts
(the LLaDA uniform schedule, e.g. ``[2, 2, 2]`` for n = 6, k = 2), which generalises the paper's
k | n statements.
"""
from __future__ import annotations

import math
from typing import Sequence


def schedule(n: int, k: int) -> list[int]:
    """Items committed per step for k items per step (LLaDA uniform schedule, one block)."""
    from ..decoding.schedules import llada_uniform

    return llada_uniform(n, math.ceil(n / k))


def double_factorial(n: int) -> int:
    return math.prod(range(n, 0, -2)) if n > 0 else 1


# -- C(Y|X) and L_T ---------------------------------------------------------------------------
def total_correlation(op: str, n: int) -> float | None:
    """C(Y|X) in bits for copy / replace_index (0), replace_random, shuffle; else ``None``."""
    if op in ("copy", "replace_index"):
        return 0.0
    if op == "replace_random":
        return (n - 1) * (math.log2(n) - math.log2(n - 1)) if n > 1 else 0.0
    if op == "shuffle":
        return n * math.log2(n) - math.log2(math.factorial(n))
    return None


def shuffle_bound(n: int, sizes: Sequence[int]) -> float:
    """L_T for Shuffle committing ``sizes[t]`` items at step t: sum |S_t| log2 k_t - log2 n!."""
    if sum(sizes) != n:
        raise ValueError("step sizes must add up to n")
    left, total = n, 0.0
    for s in sizes:
        total += s * math.log2(left)
        left -= s
    return total - math.log2(math.factorial(n))


def shuffle_half_bound(n: int) -> float:
    """L_{n/2} for Shuffle with 2 items per step: log2(n!! / (n-1)!!)."""
    return math.log2(double_factorial(n) / double_factorial(n - 1))


# -- accuracies -------------------------------------------------------------------------------
def shuffle_topk_accuracy(n: int, sizes: Sequence[int]) -> float:
    """Shuffle, random or confidence top-k (greedy or sampled): prod_t P(m_t, s_t) / m_t^s_t."""
    left, acc = n, 1.0
    for s in sizes:
        acc *= math.perm(left, s) / left ** s
        left -= s
    return acc


def shuffle_threshold_accuracy(n: int, gamma: float) -> float:
    """Shuffle, confidence threshold (c >= gamma): one item per step until the m open slots have
    confidence 1/m >= gamma, then all m at once (success m!/m^m)."""
    m = 1
    while m < n and 1.0 / (m + 1) >= gamma - 1e-12:
        m += 1
    return math.factorial(m) / m ** m


def replace_random_greedy_accuracy(n: int, sizes: Sequence[int]) -> float:
    """Replace Random, greedy top-k: decided by the last step's size (1 -> 1, 2 -> 1/2, else 0)."""
    last = list(sizes)[-1]
    return {1: 1.0, 2: 0.5}.get(last, 0.0)


def replace_random_one_step_sampled(n: int) -> float:
    """Replace Random, temperature 1, all n items in one step: ((n-1)/n)^(n-1)."""
    return ((n - 1) / n) ** (n - 1)


def replace_random_threshold_accuracy(n: int, gamma: float) -> float:
    """Replace Random, greedy threshold (c >= gamma): 1 if gamma > (n-1)/n else 0 (n >= 3)."""
    if n == 2:
        return 0.5 if gamma <= 0.5 + 1e-12 else 1.0
    return 1.0 if (n - 1) / n < gamma - 1e-12 else 0.0


def closed_form_accuracy(op: str, n: int, strategy: str, k: int | None = None,
                         threshold: float | None = None, temperature: float = 0.0) -> float | None:
    """The closed-form accuracy where Section 4 gives one, else ``None``."""
    if op in ("copy", "replace_index"):
        return 1.0
    fixed = strategy in ("random", "confidence-topk") and k is not None
    if op == "shuffle":
        if fixed:
            return shuffle_topk_accuracy(n, schedule(n, k))
        if strategy == "confidence-threshold" and threshold is not None and temperature == 0:
            return shuffle_threshold_accuracy(n, threshold)
    if op == "replace_random":
        if fixed and temperature == 0:
            return replace_random_greedy_accuracy(n, schedule(n, k))
        if fixed and temperature == 1 and k >= n:
            return replace_random_one_step_sampled(n)
        if strategy == "confidence-threshold" and threshold is not None and temperature == 0:
            return replace_random_threshold_accuracy(n, threshold)
    return None
