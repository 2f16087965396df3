"""Section 4 closed forms against exact enumeration of the decoding tree (n = 3..8).

The expected values are written out here from the paper's formulas (SPEC section 6, DECODING.md
section 8) and compared both with ``theory.closed_forms`` and with ``exact_accuracy``, which walks
every branch of the ideal model's decoding tree.
"""
from __future__ import annotations

import math

import pytest

from parallelbench.ideal import list_problem
from parallelbench.theory import closed_forms as cf
from parallelbench.theory import exact_accuracy

NS = range(3, 9)
TOL = 1e-9


def letters(n):
    return [chr(ord("A") + i) for i in range(n)]


def problem(op, n, convention="paper"):
    return list_problem(op, letters(n), word="*", index=n // 2, convention=convention)


def paper_shuffle(n, k):
    """Acc(k) = prod_i P(m_i, k) / m_i^k with m_i = n - (i-1)k (k divides n)."""
    assert n % k == 0
    return math.prod(math.perm(n - i * k, k) / (n - i * k) ** k for i in range(n // k))


def double_factorial(n):
    return math.prod(range(n, 0, -2)) if n > 0 else 1


def test_paper_shuffle_special_cases():
    for n in (2, 4, 6, 8):
        assert paper_shuffle(n, n) == pytest.approx(math.factorial(n) / n ** n, abs=1e-15)
        assert paper_shuffle(n, 2) == pytest.approx(double_factorial(n - 1) / double_factorial(n), abs=1e-15)
        assert paper_shuffle(n, 1) == 1.0
    # Figure 1 toy numbers: shuffle of 3 items in one step 22.2 %, replace-random 44.4 %.
    assert cf.shuffle_topk_accuracy(3, [3]) == pytest.approx(2 / 9)
    assert cf.replace_random_one_step_sampled(3) == pytest.approx(4 / 9)


@pytest.mark.parametrize("n", NS)
@pytest.mark.parametrize("strategy", ["random", "confidence-topk", "topk-margin", "entropy-topk"])
@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_shuffle_topk_closed_form_equals_enumeration(n, strategy, temperature):
    p = problem("shuffle", n)
    for k in sorted({1, 2, 3, n // 2, n}):
        exact = exact_accuracy(p, {"strategy": strategy, "k": k, "temperature": temperature})
        closed = cf.closed_form_accuracy("shuffle", n, strategy if strategy in ("random", "confidence-topk")
                                         else "random", k, None, temperature)
        assert exact == pytest.approx(closed, abs=TOL), (n, k)
        assert closed == pytest.approx(cf.shuffle_topk_accuracy(n, cf.schedule(n, k)), abs=TOL)
        if n % k == 0:
            assert exact == pytest.approx(paper_shuffle(n, k), abs=TOL), (n, k)


# Margin orders positions like confidence here, so n <= 6 is enough for it (keeps CI fast).
@pytest.mark.parametrize("strategy,n", [(s, n) for s in ("random", "confidence-topk", "l2r") for n in NS]
                         + [("topk-margin", n) for n in range(3, 7)])
def test_replace_random_greedy_topk(n, strategy):
    p = problem("replace_random", n)
    for k in range(1, n + 1):
        exact = exact_accuracy(p, {"strategy": strategy, "k": k})
        sizes = cf.schedule(n, k)
        assert exact == pytest.approx(cf.replace_random_greedy_accuracy(n, sizes), abs=TOL), (n, k)
        if n % k == 0:  # the paper's statement: 1 for k = 1, 0.5 for k = 2, 0 for k > 2
            assert exact == pytest.approx({1: 1.0, 2: 0.5}.get(k, 0.0), abs=TOL), (n, k)


@pytest.mark.parametrize("n", NS)
@pytest.mark.parametrize("strategy", ["random", "confidence-topk"])
def test_replace_random_sampled_one_step(n, strategy):
    exact = exact_accuracy(problem("replace_random", n), {"strategy": strategy, "k": n, "temperature": 1.0})
    assert exact == pytest.approx(((n - 1) / n) ** (n - 1), abs=TOL)
    assert cf.closed_form_accuracy("replace_random", n, strategy, n, None, 1.0) == pytest.approx(exact, abs=TOL)


@pytest.mark.parametrize("n", NS)
def test_shuffle_threshold_both_sides_of_one_half(n):
    p = problem("shuffle", n)
    cases = {0.3: math.factorial(3) / 27, 0.49: 0.5, 0.5: 0.5, 0.51: 1.0, 0.7: 1.0, 0.9: 1.0, 1.0: 1.0}
    for gamma, expected in cases.items():
        exact = exact_accuracy(p, {"strategy": "confidence-threshold", "threshold": gamma})
        assert exact == pytest.approx(expected, abs=TOL), (n, gamma)
        assert cf.shuffle_threshold_accuracy(n, gamma) == pytest.approx(expected, abs=TOL)
    # Both pass rules agree above 1/2 (DECODING.md 8.6).
    strict = exact_accuracy(p, {"strategy": "confidence-threshold", "threshold": 0.6, "strict": True})
    assert strict == pytest.approx(1.0, abs=TOL)


@pytest.mark.parametrize("n", NS)
def test_replace_random_threshold_around_critical_value(n):
    p = problem("replace_random", n)
    crit = (n - 1) / n
    for gamma, expected in ((crit - 0.01, 0.0), (crit, 0.0), (crit + 0.01, 1.0), (1.0, 1.0), (0.5, 0.0)):
        exact = exact_accuracy(p, {"strategy": "confidence-threshold", "threshold": gamma})
        assert exact == pytest.approx(expected, abs=TOL), (n, gamma)
        assert cf.replace_random_threshold_accuracy(n, gamma) == pytest.approx(expected, abs=TOL)
    # At the boundary the strict rule c > gamma is sequential, hence always correct.
    strict = exact_accuracy(p, {"strategy": "confidence-threshold", "threshold": crit, "strict": True})
    assert strict == pytest.approx(1.0, abs=TOL)


def test_replace_random_threshold_n2():
    p = problem("replace_random", 2)
    assert exact_accuracy(p, {"strategy": "confidence-threshold", "threshold": 0.4}) == pytest.approx(0.5)
    assert exact_accuracy(p, {"strategy": "confidence-threshold", "threshold": 0.6}) == pytest.approx(1.0)


@pytest.mark.parametrize("op", ["copy", "replace_index"])
def test_deterministic_targets_are_always_right(op):
    for n in NS:
        p = problem(op, n)
        for cfg in ({"strategy": "random", "k": n, "temperature": 1.0}, {"strategy": "l2r", "k": 2},
                    {"strategy": "confidence-threshold", "threshold": 0.3}):
            assert exact_accuracy(p, cfg) == 1.0
        assert cf.closed_form_accuracy(op, n, "random", n) == 1.0


def test_no_closed_form_where_the_paper_has_none():
    assert cf.closed_form_accuracy("insert_random", 5, "random", 2) is None
    assert cf.closed_form_accuracy("shuffle", 5, "l2r", 2) is None
    assert cf.total_correlation("sort", 5) is None
