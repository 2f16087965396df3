"""Chain-of-thought variants of the list tasks (paper Section 7, Figure 8(c)).

The reference's CoT task (``tasks_list_op_cot.yaml``) is the list-operation prompt with its
closing instruction " Only provide the final answer." replaced by " Use chain-of-thought to
solve it."; the model may reason before it writes the list. Here every list operation gets that
variant (``list_ops_cot/<op>``). The generation length is 256 tokens (the paper's CoT output
limit, App. F.2) and the score is the list task's metric applied to the final list extracted from
the reasoning (``cot_<metric>``, rule in ``parallelbench.metrics.cot``).
"""
from __future__ import annotations

from typing import Any

from ..errors import ConfigError

ANSWER_ONLY = " Only provide the final answer."
COT_TRIGGER = " Use chain-of-thought to solve it."
COT_MAX_TOKENS = 256


def cot_prompt(template: str) -> str:
    """The CoT form of a list-operation prompt (the answer-only instruction swapped)."""
    if not template.endswith(ANSWER_ONLY):
        raise ConfigError("a CoT variant needs a prompt ending with the answer-only instruction "
                          f"{ANSWER_ONLY.strip()!r}")
    return template[: -len(ANSWER_ONLY)] + COT_TRIGGER


def cot_metric(metric: str) -> str:
    """Metric name of the CoT variant: the final list is extracted, then ``metric`` applies."""
    return metric if metric.startswith("cot_") else f"cot_{metric}"


def cot_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same records without the answer skeleton: a reasoning answer has no fixed layout."""
    out = []
    for record in records:
        record = dict(record)
        record.pop("output_format", None)
        out.append(record)
    return out
