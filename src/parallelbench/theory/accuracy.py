"""The ideal model's accuracy under a strategy: exact where the decoding tree is small enough,
Monte Carlo through the real sampler otherwise (the result says which)."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..ideal.problems import Problem
from .enumerate import MAX_WORK, DecodeSpec, Intractable, exact_accuracy

METHODS = ("auto", "exact", "monte-carlo")


@dataclass
class AccuracyResult:
    """Accuracy with how it was obtained; ``low``/``high`` bound the 95% interval (equal to
    ``accuracy`` for exact results)."""

    accuracy: float
    method: str
    low: float
    high: float
    runs: int | None = None
    tokens_per_step: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def contains(self, value: float, tol: float = 1e-9) -> bool:
        return self.low - tol <= value <= self.high + tol


def wilson_interval(successes: int, runs: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval of a binomial proportion."""
    if runs == 0:
        return 0.0, 1.0
    p = successes / runs
    den = 1 + z * z / runs
    mid = (p + z * z / (2 * runs)) / den
    half = z * math.sqrt(p * (1 - p) / runs + z * z / (4 * runs * runs)) / den
    # The bounds are exactly 0 / 1 at the extremes; rounding must not exclude an exact 0 or 1.
    low = 0.0 if successes == 0 else max(0.0, mid - half)
    high = 1.0 if successes == runs else min(1.0, mid + half)
    return low, high


def run_seeds(seed: int, runs: int) -> list[int]:
    """Well-mixed per-run seeds derived from one seed (consecutive integers correlate)."""
    return [int(s) for s in np.random.SeedSequence(int(seed)).generate_state(runs)]


def monte_carlo_accuracy(problem: Problem, config: dict[str, Any], runs: int = 2000,
                         seed: int = 0, batch: int = 1000) -> AccuracyResult:
    """Decode ``runs`` copies of the problem with the real sampler and count valid answers."""
    from ..ideal.decode import decode_problems

    seeds = run_seeds(seed, runs)
    valid, tps = 0, 0.0
    for start in range(0, runs, batch):
        chunk = seeds[start:start + batch]
        outs = decode_problems([problem] * len(chunk), config, chunk)
        valid += sum(o.valid for o in outs)
        tps += sum(o.tokens_per_step for o in outs)
    low, high = wilson_interval(valid, runs)
    return AccuracyResult(valid / runs, "monte-carlo", low, high, runs, tps / runs)


def ideal_accuracy(problem: Problem, config: dict[str, Any], method: str = "auto",
                   runs: int = 2000, seed: int = 0, max_work: int = MAX_WORK) -> AccuracyResult:
    """Accuracy of the ideal model on ``problem`` under item-level decoding ``config``."""
    if method not in METHODS:
        raise ConfigError(f"method must be one of {METHODS}, got {method!r}")
    if method in ("auto", "exact"):
        try:
            acc = exact_accuracy(problem, DecodeSpec.from_config(config), max_work=max_work)
            return AccuracyResult(acc, "exact", acc, acc)
        except (Intractable, ConfigError) as exc:
            if method == "exact":
                raise ConfigError(f"exact enumeration is not possible here: {exc}") from None
    return monte_carlo_accuracy(problem, config, runs=runs, seed=seed)
