"""C(Y|X), L_T and L*_T against closed forms and an independent brute force over listed answers.

The brute force here uses the chain-rule form L_T = sum_t sum_{i in S_t} H(Y_i | Y_<t) - H(Y)
(entropies from answer counts), a different route from the module's per-step KL computation.
"""
from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from parallelbench.ideal import FiniteSetProblem, latin_square_problem, list_problem
from parallelbench.theory import closed_forms as cf
from parallelbench.theory import optimal_bound, step_bound, total_correlation

LOG2E = math.log2(math.e)


def letters(n):
    return [chr(ord("A") + i) for i in range(n)]


def H(rows) -> float:
    """Entropy (bits) of the uniform distribution over ``rows`` projected (with multiplicity)."""
    counts = Counter(map(tuple, rows))
    N = sum(counts.values())
    return -sum(c / N * math.log2(c / N) for c in counts.values())


def brute_bound(answers: np.ndarray, partition) -> float:
    total, past = 0.0, []
    for s in partition:
        for i in s:
            total += H(answers[:, past + [i]]) - H(answers[:, past]) if past else H(answers[:, [i]])
        past = past + list(s)
    return total - H(answers)


def ordered_partitions(n, t):
    """Every ordered partition of range(n) into t non-empty sets."""
    for labels in itertools.product(range(t), repeat=n):
        if len(set(labels)) == t:
            yield [[i for i in range(n) if labels[i] == j] for j in range(t)]


def test_total_correlation_closed_forms():
    for n in range(2, 11):
        for op in ("copy", "replace_index", "replace_random", "shuffle"):
            p = list_problem(op, letters(n), word="*", index=0, convention="paper")
            assert total_correlation(p) == pytest.approx(cf.total_correlation(op, n), abs=1e-9), (op, n)


def test_replace_random_tends_to_log2_e():
    values = [total_correlation(list_problem("replace_random", [f"x{i}" for i in range(n)], word="*"))
              for n in (2, 4, 8, 16, 32, 64)]
    assert all(a < b for a, b in zip(values, values[1:]))  # increasing towards the limit
    assert all(v < LOG2E for v in values)
    assert values[-1] == pytest.approx(LOG2E, abs=0.02)
    assert cf.total_correlation("replace_random", 10 ** 6) == pytest.approx(LOG2E, abs=1e-5)


def test_shuffle_grows_without_bound():
    values = [total_correlation(list_problem("shuffle", [f"x{i}" for i in range(n)], convention="paper"))
              for n in (4, 8, 16, 24)]
    assert all(b - a > 3 for a, b in zip(values, values[1:]))
    for n in (50, 100, 400):  # Stirling: n log2 e - log2(2 pi n) / 2
        c = cf.total_correlation("shuffle", n)
        assert c == pytest.approx(n * LOG2E - 0.5 * math.log2(2 * math.pi * n), abs=0.01)
    assert cf.total_correlation("shuffle", 400) > 500


@pytest.mark.parametrize("op", ["replace_random", "insert_random", "remove_random", "shuffle", "sort"])
@pytest.mark.parametrize("convention", ["paper", "metric"])
def test_step_bound_matches_brute_force(op, convention):
    n = 4
    p = list_problem(op, letters(n), word="*", convention=convention)
    answers = p.answers()
    G = p.length
    for t in (1, 2, 3):
        for part in itertools.islice(ordered_partitions(G, t), 40):
            assert step_bound(p, part) == pytest.approx(brute_bound(answers, part), abs=1e-9), part
    assert step_bound(p, [list(range(G))]) == pytest.approx(total_correlation(p), abs=1e-12)
    assert step_bound(p, [[i] for i in range(G)]) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [3, 4, 5])
def test_shuffle_counting_equals_listing(n):
    """The counting Shuffle (with the metric's "not the input order") equals its listed set."""
    for exclude in (False, True):
        perm = list_problem("shuffle", letters(n), convention="metric" if exclude else "paper")
        listed = FiniteSetProblem(perm.answers(), letters(n))
        assert total_correlation(perm) == pytest.approx(total_correlation(listed), abs=1e-9)
        for part in itertools.islice(ordered_partitions(n, 2), 20):
            assert step_bound(perm, part) == pytest.approx(step_bound(listed, part), abs=1e-9)
        for t in (2, 3):
            assert optimal_bound(perm, t)[0] == pytest.approx(optimal_bound(listed, t)[0], abs=1e-9)


@pytest.mark.parametrize("n", range(3, 9))
def test_shuffle_bound_closed_forms(n):
    p = list_problem("shuffle", letters(n), convention="paper")
    for k in (1, 2, 3, n):
        sizes = cf.schedule(n, k)
        parts, start = [], 0
        for s in sizes:
            parts.append(list(range(start, start + s)))
            start += s
        # L_T = sum |S_t| log2 k_t - log2 n!, k_t = items still unplaced before step t.
        left, expected = n, -math.log2(math.factorial(n))
        for s in sizes:
            expected += s * math.log2(left)
            left -= s
        assert step_bound(p, parts) == pytest.approx(expected, abs=1e-9)
        assert cf.shuffle_bound(n, sizes) == pytest.approx(expected, abs=1e-9)
    if n % 2 == 0:
        half = math.log2(cf.double_factorial(n) / cf.double_factorial(n - 1))
        assert cf.shuffle_half_bound(n) == pytest.approx(half, abs=1e-12)
        assert cf.shuffle_bound(n, [2] * (n // 2)) == pytest.approx(half, abs=1e-9)


@pytest.mark.parametrize("op", ["replace_random", "insert_random", "shuffle"])
def test_optimal_bound_is_the_minimum_over_partitions(op):
    p = list_problem(op, letters(4), word="*", convention="paper")
    answers, G = p.answers(), p.length
    for t in (2, 3):
        value, parts = optimal_bound(p, t)
        brute = min(brute_bound(answers, q) for q in ordered_partitions(G, t))
        assert value == pytest.approx(brute, abs=1e-9)
        assert step_bound(p, parts) == pytest.approx(value, abs=1e-9)
        assert len(parts) == t and sorted(i for s in parts for i in s) == list(range(G))
    # More steps never hurt: L*_T is non-increasing in T and reaches 0 at T = G.
    vals = [optimal_bound(p, t)[0] for t in range(1, G + 1)]
    assert all(a >= b - 1e-12 for a, b in zip(vals, vals[1:]))
    assert vals[0] == pytest.approx(total_correlation(p)) and vals[-1] == pytest.approx(0.0, abs=1e-12)


def test_latin_square_total_correlation():
    p = latin_square_problem(list("ABCD"))
    assert p.num_answers() == 576
    # Every cell is uniform over 4 symbols: C = 16 * 2 - log2(576).
    assert total_correlation(p) == pytest.approx(32 - math.log2(576), abs=1e-9)


def test_bad_partitions_and_sizes_are_rejected():
    p = list_problem("replace_random", letters(4), word="*")
    with pytest.raises(ValueError):
        step_bound(p, [[0, 1], [1, 2, 3]])
    with pytest.raises(ValueError):
        step_bound(p, [[0, 1], [], [2, 3]])
    with pytest.raises(ValueError):
        optimal_bound(p, 0)
    with pytest.raises(ValueError):
        optimal_bound(list_problem("replace_random", letters(12), word="*"), 3, max_positions=10)
    with pytest.raises(ValueError):
        cf.shuffle_bound(4, [2, 1])
