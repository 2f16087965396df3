"""List-task generator: the Waiting Line algorithm of SPEC 4.1.2, for any item pool.

One routine serves the Waiting Line tasks (name pool), the Section 4 list operations (letters) and
``parallelbench generate`` (any word file). It makes exactly the reference's ``random.Random`` calls
in the reference order, so fed with the reference name pool and stored seed it regenerates the
official files record for record (checked by a test when the official files are present).
"""
from __future__ import annotations

import hashlib
import random
import string
from functools import lru_cache
from importlib import resources
from typing import Any, Callable

from ..errors import ConfigError
from .render import LIST_OPS, MASK, format_list

LETTERS = list(string.ascii_uppercase)
# Up to this length the exact reference rejection sampling is used; beyond it the chance that a
# random line has pairwise distinct first and last names gets too small, so first and last names
# are drawn directly (same distribution: uniform over lines with distinct first and last names).
_REJECTION_MAX_N = 20


def derive_seed(key: str, base: int = 42) -> int:
    """The reference seed rule: ``(sha256(key) + base) mod 65535`` (SPEC 4.1.3)."""
    return (int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) + base) % 65535


def _read_lines(name: str) -> list[str]:
    text = resources.files("parallelbench").joinpath("data", *name.split("/")).read_text("utf-8")
    return [s.strip() for s in text.splitlines() if s.strip() and not s.startswith("#")]


@lru_cache(maxsize=None)
def builtin_name_parts() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The project's own first names and surnames (``data/names``)."""
    return tuple(_read_lines("names/first_names.txt")), tuple(_read_lines("names/last_names.txt"))


@lru_cache(maxsize=None)
def builtin_words_tuple() -> tuple[str, ...]:
    return tuple(_read_lines("words/simple_words.txt"))


def builtin_words() -> list[str]:
    """The project's own list of 100 everyday words (``data/words``; the ``words`` pool)."""
    return list(builtin_words_tuple())


def name_pool(firsts: tuple[str, ...] | list[str], lasts: tuple[str, ...] | list[str]) -> list[str]:
    """Full names, first-name-major as in the reference (order matters for regeneration)."""
    return [f"{first} {last}" for first in firsts for last in lasts]


def by_last_name(items: list[str]) -> list[str]:
    """Sort "First Last" strings by last name (then first name): what the sort prompt asks."""
    return sorted(items, key=lambda s: (s.split(" ", 1)[-1], s))


def _distinct_parts(xs: list[str]) -> bool:
    firsts = [s.split(" ", 1)[0] for s in xs]
    lasts = [s.split(" ", 1)[-1] for s in xs]
    return len(set(firsts)) == len(xs) and len(set(lasts)) == len(xs)


def _draw(rng: random.Random, pool: list[str], n: int, distinct_names: bool,
          parts: tuple[list[str], list[str]] | None = None) -> list[str]:
    if not distinct_names:
        return rng.sample(pool, n)
    if n <= _REJECTION_MAX_N:
        xs = rng.sample(pool, n)
        while not _distinct_parts(xs):  # hidden constraint of the official files (SPEC 10.3)
            xs = rng.sample(pool, n)
        return xs
    firsts, lasts = parts or name_parts(pool)
    return [f"{f} {l}" for f, l in zip(rng.sample(firsts, n), rng.sample(lasts, n))]


def name_parts(pool: list[str]) -> tuple[list[str], list[str]]:
    """Distinct first names and last names of a name pool (sorted, for a stable order)."""
    return (sorted({s.split(" ", 1)[0] for s in pool}),
            sorted({s.split(" ", 1)[-1] for s in pool}))


def pool_positions(pool: list[str]) -> dict[str, list[int]]:
    """Index of every occurrence of each pool item (pools may hold duplicates)."""
    positions: dict[str, list[int]] = {}
    for i, item in enumerate(pool):
        positions.setdefault(item, []).append(i)
    return positions


def _choice_excluding(rng: random.Random, pool: list[str], positions: dict[str, list[int]],
                      taken: list[str]) -> str:
    """``rng.choice([s for s in pool if s not in taken])`` without building that list.

    ``choice`` draws one index below the sequence length, so drawing from a ``range`` of the
    same length consumes the rng identically; the index is then mapped past excluded slots.
    """
    excluded = sorted({i for item in taken for i in positions.get(item, ())})
    index = rng.choice(range(len(pool) - len(excluded)))
    for slot in excluded:
        if slot > index:
            break
        index += 1
    return pool[index]


def make_list_record(
    rng: random.Random, op: str, pool: list[str], n: int, *, distinct_names: bool = False,
    sort_key: Callable[[list[str]], list[str]] = sorted,
    positions: dict[str, list[int]] | None = None,
    parts: tuple[list[str], list[str]] | None = None,
) -> dict[str, Any]:
    """One record of list operation ``op`` on a fresh list of ``n`` pool items (steps 1-3)."""
    xs = _draw(rng, pool, n, distinct_names, parts)
    fields: dict[str, Any] = {"context": format_list(xs)}
    meta: dict[str, Any] = {"length": n}
    answer: Any
    kind, _, mode = op.partition("_")
    if op in ("copy", "sort", "reverse"):
        target = {"copy": xs, "sort": sort_key(xs), "reverse": xs[::-1]}[op]
        answer = format_list(target)
    elif op == "shuffle":
        target = list(xs)
        rng.shuffle(target)
        while target == xs:
            rng.shuffle(target)
        answer = {"input": xs, "example": format_list(target)}
    else:
        word = None
        if kind in ("insert", "replace"):
            word = _choice_excluding(rng, pool, positions or pool_positions(pool), xs)
        i = rng.randint(0, n) if kind == "insert" else rng.randint(0, n - 1)
        target = list(xs)
        if kind == "insert":
            target.insert(i, word)
        elif kind == "remove":
            del target[i]
        else:
            target[i] = word
        if word is not None:
            fields["word"] = word
        if mode == "index":
            fields["index"] = i
            answer = format_list(target)
            meta["index"] = i
        else:
            answer = {"input": xs, "word": word, "example": format_list(target)}
            if word is None:
                del answer["word"]
            meta["index"] = None
        if word is not None:
            meta["word"] = word
    record: dict[str, Any] = {"input": fields, "answer": answer}
    if op in ("copy", "shuffle") or kind in ("insert", "replace"):
        record["output_format"] = format_list([MASK] * len(target))
    record["metadata"] = meta
    return record


def generate_list_records(
    op: str, pool: list[str], *, min_length: int, max_length: int, num_samples: int,
    samples_per_length: int, seed: int, shots: int = 1, distinct_names: bool = False,
    sort_key: Callable[[list[str]], list[str]] = sorted,
) -> list[dict[str, Any]]:
    """Records of a list task: bucketed by length (SPEC 4.1.2 step 4), then ``shots`` one-shot
    examples per record drawn from the same rng (step 5)."""
    check_list_params(op, len(pool), min_length, max_length, num_samples, samples_per_length)
    rng = random.Random(seed)
    kw = {"distinct_names": distinct_names, "sort_key": sort_key,
          "positions": pool_positions(pool),
          "parts": name_parts(pool) if distinct_names and max_length > _REJECTION_MAX_N else None}
    wanted = num_samples // samples_per_length
    buckets: dict[int, list[dict[str, Any]]] = {}
    full = 0
    while full < wanted:
        n = rng.randint(min_length, max_length)
        record = make_list_record(rng, op, pool, n, **kw)
        bucket = buckets.setdefault(n, [])
        if len(bucket) < samples_per_length:  # overflow is generated, then dropped
            bucket.append(record)
            full += len(bucket) == samples_per_length
    records = [r for n in sorted(buckets) if len(buckets[n]) == samples_per_length
               for r in buckets[n]]
    extras = [make_list_record(rng, op, pool, rng.randint(min_length, max_length), **kw)
              for _ in range(len(records) * shots)]
    if shots:
        for i, record in enumerate(records):
            record["input"]["icl_examples"] = extras[i * shots:(i + 1) * shots]
    return records


def check_list_params(op: str, pool_size: int, lo: int, hi: int, num: int, per: int) -> None:
    """Reject settings the generator cannot satisfy (instead of looping forever)."""
    if op not in LIST_OPS:
        raise ConfigError(f"unknown list operation {op!r}; known: {', '.join(LIST_OPS)}")
    if not (isinstance(lo, int) and isinstance(hi, int)) or lo > hi:
        raise ConfigError(f"invalid list lengths {lo!r}..{hi!r}")
    smallest = 2 if op in ("shuffle", "remove_index", "remove_random") else 1
    if lo < smallest:
        raise ConfigError(f"{op} needs lists of at least {smallest} items, got length {lo}")
    extra = 1 if op.startswith(("insert", "replace")) else 0
    if hi + extra > pool_size:
        raise ConfigError(f"list length {hi} is too long for a pool of {pool_size} items")
    if per < 1 or num < per or num % per:
        raise ConfigError(f"num_samples ({num}) must be a positive multiple of samples per "
                          f"length ({per})")
    if num // per > hi - lo + 1:
        raise ConfigError(f"{num // per} length buckets needed but only {hi - lo + 1} lengths "
                          f"in {lo}..{hi}")
