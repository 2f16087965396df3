"""Monte Carlo (the real sampler driving the ideal model) against closed forms and exact enumeration."""
from __future__ import annotations

import math

import pytest

from parallelbench.errors import ConfigError
from parallelbench.ideal import list_problem
from parallelbench.theory import (
    closed_forms as cf,
    exact_accuracy,
    ideal_accuracy,
    monte_carlo_accuracy,
    wilson_interval,
)


def letters(n):
    return [chr(ord("A") + i) for i in range(n)]


def problem(op, n, convention="paper"):
    return list_problem(op, letters(n), word="*", index=n // 2, convention=convention)


def agrees(r, value):
    """``value`` lies in the 99.9% Wilson interval of the Monte Carlo result ``r`` (fixed seeds
    make the check deterministic; the wide interval keeps it robust to changes in how the
    sampler draws its random numbers). The reported 95% interval must bracket the estimate."""
    assert r.low <= r.accuracy <= r.high
    low, high = wilson_interval(round(r.accuracy * r.runs), r.runs, z=3.29)
    return low - 1e-9 <= value <= high + 1e-9


# (op, n, sampler config, closed-form value) for n up to 16.
CLOSED = [
    ("shuffle", 16, {"strategy": "random", "k": 2}, cf.shuffle_topk_accuracy(16, [2] * 8)),
    ("shuffle", 12, {"strategy": "confidence-topk", "k": 3, "temperature": 1.0},
     cf.shuffle_topk_accuracy(12, [3] * 4)),
    ("shuffle", 10, {"strategy": "confidence-topk", "k": 10}, math.factorial(10) / 10 ** 10),
    ("shuffle", 16, {"strategy": "confidence-threshold", "threshold": 0.5}, 0.5),
    ("shuffle", 12, {"strategy": "confidence-threshold", "threshold": 0.3}, 2 / 9),
    ("shuffle", 16, {"strategy": "confidence-threshold", "threshold": 0.6}, 1.0),
    ("replace_random", 16, {"strategy": "confidence-topk", "k": 2}, 0.5),
    ("replace_random", 12, {"strategy": "random", "k": 4}, 0.0),
    ("replace_random", 16, {"strategy": "random", "k": 16, "temperature": 1.0}, (15 / 16) ** 15),
    ("replace_random", 10, {"strategy": "confidence-threshold", "threshold": 0.9}, 0.0),
    ("replace_random", 10, {"strategy": "confidence-threshold", "threshold": 0.9, "strict": True}, 1.0),
    ("replace_random", 16, {"strategy": "confidence-threshold", "threshold": 0.95}, 1.0),
]


@pytest.mark.parametrize("op,n,cfg,expected", CLOSED, ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CLOSED)])
def test_monte_carlo_agrees_with_closed_forms(op, n, cfg, expected):
    r = monte_carlo_accuracy(problem(op, n), cfg, runs=600, seed=11)
    assert r.method == "monte-carlo" and r.runs == 600
    assert agrees(r, expected), (r, expected)
    if cfg["strategy"] != "confidence-threshold":
        assert r.tokens_per_step == pytest.approx(n / len(cf.schedule(n, cfg["k"])))


@pytest.mark.parametrize("op,n,convention,cfg", [
    ("insert_random", 5, "paper", {"strategy": "l2r", "k": 2}),
    ("insert_random", 4, "paper", {"strategy": "random", "k": 2, "temperature": 1.0}),
    ("remove_random", 5, "paper", {"strategy": "random", "k": 3, "temperature": 1.0}),
    ("shuffle", 5, "metric", {"strategy": "confidence-topk", "k": 2}),
    ("shuffle", 4, "metric", {"strategy": "entropy-topk", "k": 4, "temperature": 1.0}),
    ("replace_random", 5, "paper", {"strategy": "confidence-threshold", "threshold": 0.5, "temperature": 1.0}),
])
def test_monte_carlo_agrees_with_exact_enumeration(op, n, convention, cfg):
    p = problem(op, n, convention)
    exact = exact_accuracy(p, cfg)
    r = monte_carlo_accuracy(p, cfg, runs=800, seed=5)
    assert agrees(r, exact), (r, exact)


def test_auto_method_is_exact_when_small_and_monte_carlo_when_large():
    small = ideal_accuracy(problem("shuffle", 6), {"strategy": "random", "k": 2})
    assert small.method == "exact" and small.low == small.high == small.accuracy
    assert small.accuracy == pytest.approx(cf.shuffle_topk_accuracy(6, [2, 2, 2]), abs=1e-12)
    big = problem("insert_random", 9)
    cfg = {"strategy": "random", "k": 3, "temperature": 1.0}
    r = ideal_accuracy(big, cfg, runs=300, seed=1, max_work=500)
    assert r.method == "monte-carlo" and r.low <= r.accuracy <= r.high and r.runs == 300
    with pytest.raises(ConfigError, match="exact enumeration"):
        ideal_accuracy(big, cfg, method="exact", max_work=500)
    with pytest.raises(ConfigError, match="method"):
        ideal_accuracy(big, cfg, method="bogus")


def test_monte_carlo_is_deterministic_by_seed():
    p = problem("shuffle", 8)
    cfg = {"strategy": "random", "k": 4, "temperature": 1.0}
    a = monte_carlo_accuracy(p, cfg, runs=400, seed=3)
    b = monte_carlo_accuracy(p, cfg, runs=400, seed=3)
    assert a == b
    others = {monte_carlo_accuracy(p, cfg, runs=400, seed=s).accuracy for s in (4, 5, 6)}
    assert len(others | {a.accuracy}) > 1  # the seed does drive the draws


def test_wilson_interval():
    lo, hi = wilson_interval(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-3) and hi == pytest.approx(0.5962, abs=1e-3)
    lo, hi = wilson_interval(0, 200)
    assert lo == 0.0 and 0 < hi < 0.02
    lo, hi = wilson_interval(200, 200)
    assert hi == 1.0 and 0.98 < lo < 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)
