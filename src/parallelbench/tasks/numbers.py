"""Number task generators: arithmetic chains (``math_op``), cumulative sums (``rec``) and domino
sequences (``list_gen``), the reference's extra task families (its ``tasks_math_op.yaml``,
``tasks_rec.yaml`` and ``tasks_list_gen.yaml``).

Every generator returns records in the official layout (``input``/``answer``/``metadata``) from
one seeded ``random.Random``; the answer keeps an ``example`` string that scores 1.
"""
from __future__ import annotations

import random
from typing import Any, Sequence

from ..errors import ConfigError

MATH_OPS = ("+", "-", "*")
OP_NAMES = {"plus": "+", "minus": "-", "multiply": "*"}


def _number(rng: random.Random, digits: int) -> int:
    """A uniformly drawn positive integer with exactly ``digits`` decimal digits."""
    digits = max(1, digits)
    return rng.randint(10 ** (digits - 1), 10 ** digits - 1)


def _apply(op: str, a: int, b: int) -> int:
    return a + b if op == "+" else a - b if op == "-" else a * b


def math_chain(rng: random.Random, digits: int, terms: int,
               ops: Sequence[str] = MATH_OPS) -> tuple[str, int]:
    """A left-nested chain of ``terms`` numbers whose result has about ``digits`` digits.

    The outermost operation is drawn first, then the inner chain, then the new right operand:
    ``+``/``-`` take a ``digits - 1``-digit operand (so the result keeps ~``digits`` digits);
    ``*`` takes a ``digits // 2``-digit left operand in a two-term chain and a right operand with
    the digits the left side lacks. Returns the expression (inner parts parenthesised, the outer
    level bare, e.g. ``(12 + 34) * 5``) and its value.
    """
    if terms < 2:
        raise ConfigError(f"a math chain needs at least 2 terms, got {terms}")
    op = rng.choice(list(ops))
    if terms == 2:
        left = _number(rng, digits // 2 if op == "*" else digits - 1)
        left_text = str(left)
    else:
        inner, left = math_chain(rng, digits, terms - 1, ops)
        left_text = f"({inner})"
    right_digits = max(digits - len(str(abs(left))), 1) if op == "*" else digits - 1
    right = _number(rng, right_digits)
    return f"{left_text} {op} {right}", _apply(op, left, right)


def math_op_records(*, lengths: Sequence[int], per_length: int, terms: int, seed: int,
                    ops: Sequence[str] = MATH_OPS) -> list[dict[str, Any]]:
    """``per_length`` equations per target digit count in ``lengths`` (ascending)."""
    bad = [o for o in ops if o not in MATH_OPS]
    if bad or not ops:
        raise ConfigError(f"math ops must be some of {' '.join(MATH_OPS)}, got {list(ops)!r}")
    if any(not isinstance(n, int) or n < 2 for n in lengths):
        raise ConfigError(f"math_op lengths (result digits) must be integers >= 2, got {lengths!r}")
    rng = random.Random(seed)
    records = []
    for digits in sorted(set(lengths)):
        for _ in range(per_length):
            expression, value = math_chain(rng, digits, terms, ops)
            records.append({
                "input": {"equation": f"{expression} = ?"},
                "answer": {"result": str(value), "example": str(value)},
                "metadata": {"length": digits, "true_length": len(str(value)), "terms": terms},
            })
    return records


def number_list(values: Sequence[int]) -> str:
    """``[1, 3, 6]``: the reference's number-list format (no quotes)."""
    return "[" + ", ".join(str(v) for v in values) + "]"


def cumsum_records(*, lengths: Sequence[int], per_length: int, seed: int) -> list[dict[str, Any]]:
    """Lists of digits 1..9 (drawn with replacement) and their running sums."""
    rng = random.Random(seed)
    records = []
    for n in sorted(set(lengths)):
        if not isinstance(n, int) or n < 1:
            raise ConfigError(f"cumsum list lengths must be positive integers, got {n!r}")
        for _ in range(per_length):
            xs = [rng.randint(1, 9) for _ in range(n)]
            sums = [sum(xs[:i + 1]) for i in range(n)]
            records.append({"input": {"list": number_list(xs)}, "answer": number_list(sums),
                            "metadata": {"length": n}})
    return records


def domino_records(*, lengths: Sequence[int], per_length: int, seed: int) -> list[dict[str, Any]]:
    """Domino tasks: a start number of two non-zero digits and a length; the example answer
    chains numbers whose first digit is the previous number's last digit (second digit 1..9)."""
    from .render import format_list

    rng = random.Random(seed)
    records = []
    for n in sorted(set(lengths)):
        if not isinstance(n, int) or n < 1:
            raise ConfigError(f"domino lengths must be positive integers, got {n!r}")
        for _ in range(per_length):
            start = 10 * rng.randint(1, 9) + rng.randint(1, 9)
            chain = [start]
            while len(chain) < n:
                chain.append(10 * (chain[-1] % 10) + rng.randint(1, 9))
            records.append({
                "input": {"length": n, "start": start},
                "answer": {"length": n, "start": start, "example": format_list(map(str, chain))},
                "metadata": {"length": n},
            })
    return records
