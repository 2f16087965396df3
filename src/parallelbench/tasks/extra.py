"""Registry entries for the task families beyond the paper's 17 (from the reference's configs).

* ``list_ops/repeat_each``, ``list_ops/repeat_list`` (``_n<N>``: answers of at most N items);
* ``list_ops_cot/<op>`` (``_n<N>``): chain-of-thought variants of the ten list operations;
* ``math_op/l2_plus``, ``l2_minus``, ``l2_multiply``, ``l3``, ``l4``; any ``math_op/l<K>`` or
  ``math_op/l<K>_<plus|minus|multiply>`` (K numbers; ``l<K>_plus`` is a sum of K numbers);
* ``rec/cumsum`` (cumulative sums) and ``list_gen/domino`` (domino sequences).

Imported by ``parallelbench.tasks`` so the names resolve wherever tasks are loaded.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

from ..errors import ConfigError
from .cot import COT_MAX_TOKENS, cot_metric, cot_prompt, cot_records
from .lists import LETTERS, derive_seed
from .numbers import MATH_OPS, OP_NAMES, cumsum_records, domino_records, math_op_records
from .official import METRIC_BY_OP
from .registry import _DYNAMIC_LIST_OPS, _lengths_for, _prefix, register, register_pattern
from .render import LIST_OPS
from .repeat import REPEAT_OPS, generate_repeat_records
from .task import Task

_ONLY = " Only provide the final answer."
#: Prompts of the extra families, as the reference's task configs word them.
EXTRA_PROMPTS = {
    "repeat_each": "Repeat each item {count} times interleaved, preserving order: {context}."
    + _ONLY,
    "repeat_list": "Repeat the entire list {count} times by concatenation: {context}." + _ONLY,
    "math_op": "{equation}." + _ONLY,
    "cumsum": "Given the input list {list}, compute the cumulative sum list. Only output the "
    "final result as a list.",
    "domino": "Create a domino-style sequence of {length} 2-digit numbers, where each number "
    "begins with the last digit of the previous one. Start with {start}." + _ONLY,
}
_LIST_LENGTHS = [6, 8, 10, 12, 14, 16]
MATH_DIGITS = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]


def _base(seed: int | None) -> int:
    return 42 if seed is None else seed


def _per(default: int, num_samples: int | None, buckets: int) -> int:
    return max(default, math.ceil((num_samples or 0) / buckets))


# ---- repeat list operations --------------------------------------------------------------------

def _repeat(op: str):
    def build(n=None, num_samples=None, seed=None, source=None, *, _name=f"list_ops/{op}"):
        lengths = _lengths_for(n, _LIST_LENGTHS)
        # 5 counts x 20 = 100 samples per answer length, like the other list_ops files.
        per = _per(20, num_samples, 5 * len(lengths))
        records = [r for m in lengths for r in generate_repeat_records(
            op, LETTERS, min_length=1, max_length=m, samples_per_count=per,
            seed=derive_seed(op, _base(seed)))]
        template = EXTRA_PROMPTS[op]
        return Task(_name, category="list_ops", op=op, metric=METRIC_BY_OP[op], template=template,
                    records=_prefix(records, num_samples, _name), source="builtin",
                    config={"prompt": template, "lengths": lengths})

    return build


for _op in REPEAT_OPS:
    register(f"list_ops/{_op}", category="list_ops", op=_op)(_repeat(_op))
    _DYNAMIC_LIST_OPS[_op] = _repeat(_op)  # list_ops/<op>_n<N> through the list_ops pattern


# ---- chain-of-thought variants -----------------------------------------------------------------

def _cot(op: str):
    def build(n=None, num_samples=None, seed=None, source=None, *, _name=f"list_ops_cot/{op}"):
        base = _DYNAMIC_LIST_OPS[op](n=n, num_samples=num_samples, seed=seed)
        template = cot_prompt(base.template)
        task = Task(_name, category="list_ops", op=op, metric=cot_metric(base.metric),
                    template=template, records=cot_records([s.record for s in base]),
                    source="builtin", max_tokens=COT_MAX_TOKENS,
                    config={**base.config, "prompt": template, "cot": True})
        # A reasoning answer has no fixed layout, so there is no infilling skeleton.
        task.samples = [dataclasses.replace(s, infill=None) for s in task.samples]
        return task

    return build


for _op in ("copy", "replace_index", "replace_random", "shuffle"):
    register(f"list_ops_cot/{_op}", category="list_ops", op=_op,
             metric=cot_metric(METRIC_BY_OP[_op]))(_cot(_op))


def _cot_pattern(m):
    if m[1] not in LIST_OPS:
        raise KeyError(m[1])
    return _cot(m[1]), {"_name": m[0], **({"n": int(m[2])} if m[2] else {})}


register_pattern(r"list_ops_cot/([a-z_]+?)(?:_n(\d+))?", _cot_pattern)


# ---- math_op -----------------------------------------------------------------------------------

def _math(terms: int, ops: tuple[str, ...], stem: str):
    def build(n=None, num_samples=None, seed=None, source=None, *, _name=f"math_op/{stem}"):
        lengths = _lengths_for(n, MATH_DIGITS)
        records = math_op_records(lengths=lengths, per_length=_per(10, num_samples, len(lengths)),
                                  terms=terms, ops=ops,
                                  seed=derive_seed(f"math_op_{stem}", _base(seed)))
        template = EXTRA_PROMPTS["math_op"]
        return Task(_name, category="math", op="math_op", metric="math_op_score",
                    template=template, records=_prefix(records, num_samples, _name),
                    source="builtin", config={"prompt": template, "terms": terms,
                                              "ops": list(ops), "lengths": lengths})

    return build


def _math_stem(terms: int, op_name: str | None) -> tuple[int, tuple[str, ...], str]:
    if terms < 2:
        raise ConfigError(f"math_op/l{terms}: a chain needs at least 2 numbers")
    ops = (OP_NAMES[op_name],) if op_name else MATH_OPS
    return terms, ops, f"l{terms}_{op_name}" if op_name else f"l{terms}"


for _terms, _name in ((2, "plus"), (2, "minus"), (2, "multiply"), (3, None), (4, None)):
    register(f"math_op/{_math_stem(_terms, _name)[2]}", category="math",
             op="math_op")(_math(*_math_stem(_terms, _name)))
register_pattern(r"math_op/l(\d+)(?:_(plus|minus|multiply))?",
                 lambda m: (_math(*_math_stem(int(m[1]), m[2])), {"_name": m[0]}))


# ---- rec/cumsum and list_gen/domino ------------------------------------------------------------

def _numbers(name: str, op: str, category: str, make: Any, lengths: list[int]):
    def build(n=None, num_samples=None, seed=None, source=None):
        chosen = _lengths_for(n, lengths)
        records = make(lengths=chosen, per_length=_per(10, num_samples, len(chosen)),
                       seed=derive_seed(name.split("/")[1], _base(seed)))
        template = EXTRA_PROMPTS[op]
        return Task(name, category=category, op=op, metric=METRIC_BY_OP[op], template=template,
                    records=_prefix(records, num_samples, name), source="builtin",
                    config={"prompt": template, "lengths": chosen})

    return build


register("rec/cumsum", category="rec", op="cumsum")(
    _numbers("rec/cumsum", "cumsum", "rec", cumsum_records, list(range(3, 13))))
register("list_gen/domino", category="list_gen", op="domino")(
    _numbers("list_gen/domino", "domino", "list_gen", domino_records, list(range(3, 13))))

__all__ = ["EXTRA_PROMPTS", "MATH_DIGITS"]
