"""``parallelbench generate`` for the extra task families (repeat ops, domino, cumsum, math_op).

Entry keys beyond the list-op ones: ``repeat_counts`` (repeat ops; samples are bucketed by count,
``samples_per_length`` per count), ``num_ops`` (math_op: numbers in the chain, as the reference
calls it) and ``ops`` (math_op: a subset of ``+ - *``). For math_op the lengths are the result's
digit counts. These families are zero-shot (the reference's configs for them are).
"""
from __future__ import annotations

from typing import Any, Callable

from ..errors import ConfigError
from .extra import EXTRA_PROMPTS
from .numbers import MATH_OPS, cumsum_records, domino_records, math_op_records
from .official import METRIC_BY_OP
from .repeat import REPEAT_COUNTS, REPEAT_OPS, generate_repeat_records

EXTRA_OPS = (*REPEAT_OPS, "domino", "cumsum", "math_op")
EXTRA_KEYS = {"repeat_counts", "num_ops", "ops"}
_CATEGORY = {"domino": "list_gen", "cumsum": "rec", "math_op": "math"}


def build_extra_records(entry: dict[str, Any], op: str, pool: list[str], lengths: list[int],
                        per: int, seed: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Records of one extra-family task and the op-specific ``task_config`` fields."""
    if entry.get("shots", 0):
        raise ConfigError(f"{op} tasks are zero-shot here; set shots: 0")
    if op in REPEAT_OPS:
        counts = entry.get("repeat_counts") or list(REPEAT_COUNTS)
        if not isinstance(counts, list):
            raise ConfigError(f"repeat_counts must be a list of integers, got {counts!r}")
        records = generate_repeat_records(op, pool, min_length=lengths[0], max_length=lengths[-1],
                                          samples_per_count=per, seed=seed, counts=counts)
        return records, {"repeat_counts": sorted(set(counts)), "repeat_type": op.split("_")[1]}
    makers: dict[str, Callable[..., list[dict[str, Any]]]] = {
        "domino": domino_records, "cumsum": cumsum_records}
    if op in makers:
        return makers[op](lengths=lengths, per_length=per, seed=seed), {}
    terms = entry.get("num_ops", 2)
    ops = entry.get("ops") or list(MATH_OPS)
    if not isinstance(terms, int) or isinstance(terms, bool) or terms < 2:
        raise ConfigError(f"num_ops must be an integer >= 2, got {terms!r}")
    if not isinstance(ops, list):
        raise ConfigError(f"ops must be a list such as ['+', '-'], got {ops!r}")
    records = math_op_records(lengths=lengths, per_length=per, terms=terms, ops=ops, seed=seed)
    return records, {"num_ops": terms, "ops": ops}


def extra_task_config(op: str, template: str | None) -> tuple[str, str, str]:
    """(category, metric, prompt) of an extra-family task."""
    category = _CATEGORY.get(op, "list_ops")
    return category, METRIC_BY_OP[op], template or EXTRA_PROMPTS[op]
