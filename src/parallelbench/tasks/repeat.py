"""Repeat list operations (the reference's ``repeat_each`` and ``repeat_list``).

``repeat_each`` writes every item ``count`` times in a row (``A A B B``); ``repeat_list`` writes
the whole list ``count`` times (``A B A B``). A sample draws ``count`` from the repeat counts,
then an input length in ``min_length .. max_length // count`` (so the answer has at most
``max_length`` items), then distinct items; samples are bucketed by count, as the reference's
``samples_per_length`` does for these two operations.
"""
from __future__ import annotations

import random
from typing import Any, Sequence

from ..errors import ConfigError
from .render import MASK, format_list

REPEAT_OPS = ("repeat_each", "repeat_list")
REPEAT_COUNTS = (2, 3, 4, 5, 6)


def repeat_items(items: Sequence[str], count: int, op: str) -> list[str]:
    """The answer list of a repeat operation."""
    if op == "repeat_each":
        return [x for x in items for _ in range(count)]
    if op == "repeat_list":
        return list(items) * count
    raise ConfigError(f"unknown repeat operation {op!r}; known: {', '.join(REPEAT_OPS)}")


def repeat_record(rng: random.Random, op: str, pool: Sequence[str], count: int,
                  min_length: int, max_length: int) -> dict[str, Any]:
    n = rng.randint(min_length, max_length // count)
    xs = rng.sample(list(pool), n)
    target = repeat_items(xs, count, op)
    return {
        "input": {"context": format_list(xs), "count": count},
        "answer": format_list(target),
        "output_format": format_list([MASK] * len(target)),
        "metadata": {"length": n, "count": count},
    }


def generate_repeat_records(op: str, pool: Sequence[str], *, min_length: int, max_length: int,
                            samples_per_count: int, seed: int,
                            counts: Sequence[int] = REPEAT_COUNTS) -> list[dict[str, Any]]:
    """``samples_per_count`` records for every repeat count, in ascending count order."""
    if op not in REPEAT_OPS:
        raise ConfigError(f"unknown repeat operation {op!r}; known: {', '.join(REPEAT_OPS)}")
    counts = sorted(set(counts))
    if not counts or any(not isinstance(c, int) or c < 1 for c in counts):
        raise ConfigError(f"repeat_counts must be positive integers, got {counts!r}")
    if min_length < 1 or max_length // counts[-1] < min_length:
        raise ConfigError(f"max_length {max_length} leaves no input length >= {min_length} for "
                          f"repeat count {counts[-1]}")
    if max_length // counts[0] > len(pool):
        raise ConfigError(f"input lists of up to {max_length // counts[0]} items need a pool that "
                          f"large; it has {len(pool)}")
    if samples_per_count < 1:
        raise ConfigError(f"samples per count must be >= 1, got {samples_per_count}")
    rng = random.Random(seed)
    buckets: dict[int, list[dict[str, Any]]] = {c: [] for c in counts}
    while any(len(b) < samples_per_count for b in buckets.values()):
        count = rng.choice(counts)
        record = repeat_record(rng, op, pool, count, min_length, max_length)
        if len(buckets[count]) < samples_per_count:  # overflow is drawn, then dropped
            buckets[count].append(record)
    return [r for c in counts for r in buckets[c]]
