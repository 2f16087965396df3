"""The task registry: reference task names -> small lazy factories, plus ``load_task``.

Factories run only when a task is loaded. Names follow the reference (``waiting_line/copy``,
``puzzle/sudoku_n4_12``...). Besides the registered names, these patterns resolve too:
``waiting_line_n<N>/<op>`` (any list length), ``waiting_line[_n<N>]/sort_by_last_name`` (sort
labels by last name, as the prompt asks), ``words_to_sentence/<level>_n<K>`` (K = 1..7) and
``list_ops/<op>`` / ``list_ops/<op>_n<N>`` for all ten list operations.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any, Callable

from ..errors import ConfigError, ParallelBenchError
from . import prompts
from .lists import (LETTERS, builtin_name_parts, by_last_name, derive_seed,
                    generate_list_records, name_pool)
from .official import METRIC_BY_OP
from .puzzles import (DREAM_SUDOKU_ENV, dream_sudoku_records, find_dream_sudoku, generate_latin_records,
                      generate_sudoku_records)
from .render import LIST_OPS
from .task import Task
from .text import SMOKE_WARNING, W2S_LEVELS, hf_records, smoke_records, w2s_records

Builder = Callable[..., Task]


@dataclass(frozen=True)
class TaskDef:
    """A registered task: its facts and the factory ``build(n, num_samples, seed, source)``."""

    name: str
    category: str
    op: str
    metric: str
    build: Builder
    facts: Callable[[], tuple[int, list[int]]] | None = None
    """``(num_samples, lengths)`` without building the data (``list_tasks`` stays fast)."""


_REGISTRY: dict[str, TaskDef] = {}


def register(name: str, *, category: str, op: str,
             facts: Callable[[], tuple[int, list[int]]] | None = None,
             metric: str | None = None) -> Callable[[Builder], Builder]:
    """Decorator registering a factory under a reference task name (``facts``: see TaskDef;
    ``metric`` defaults to the operation's reference metric)."""

    def deco(build: Builder) -> Builder:
        _REGISTRY[name] = TaskDef(name, category, op, metric or METRIC_BY_OP[op], build, facts)
        return build

    return deco


def register_pattern(pattern: str, make: Callable[[re.Match], tuple[Builder, dict]]) -> None:
    """Resolve names matching ``pattern`` (a full match) with ``make(match) -> (factory,
    fixed keyword arguments)``; ``make`` raises ``KeyError`` for a name it does not know."""
    _PATTERNS.append((re.compile(pattern), make))


def registered_names() -> list[str]:
    """Names of the registered tasks, in registration order."""
    return list(_REGISTRY)


def registered_tasks() -> list[TaskDef]:
    """The registered task definitions (facts without building any data)."""
    return list(_REGISTRY.values())


def _seed_key(op: str) -> str:
    # The reference derived seeds from generation-time names ending in "_list" (SPEC 4.1.3).
    return f"{op}_list" if "_" in op else op


def _prefix(records: list, num_samples: int | None, name: str) -> list:
    if num_samples is None:
        return records
    if not isinstance(num_samples, int) or num_samples < 1:
        raise ConfigError(f"num_samples must be a positive integer, got {num_samples!r}")
    if num_samples > len(records):
        raise ConfigError(f"{name} has {len(records)} samples, {num_samples} requested")
    return records[:num_samples]


def _list_task(name: str, category: str, op: str, lengths: list[int], per_length: int,
               num_samples: int | None, seed: int | None, *, shots: int,
               by_last: bool = False) -> Task:
    """A list task built per length bucket (Waiting Line: one stream bucketed by length).
    Sort labels order the whole "First Last" strings, as the reference's files do; ``by_last``
    orders them by last name instead, as the prompt asks (``waiting_line/sort_by_last_name``)."""
    if category == "waiting_line":
        firsts, lasts = builtin_name_parts()
        pool, distinct = name_pool(firsts, lasts), True
        sort_key = by_last_name if by_last else sorted
        if max(lengths) > min(len(firsts), len(lasts)):
            raise ConfigError(f"{name}: at most {min(len(firsts), len(lasts))} people per line")
        template = prompts.WAITING_LINE_PROMPTS[op]
    else:
        pool, distinct, sort_key, template = LETTERS, False, sorted, prompts.LIST_OP_PROMPTS[op]
    base = 42 if seed is None else seed
    kw = dict(pool=pool, seed=derive_seed(_seed_key(op), base), shots=shots,
              distinct_names=distinct, sort_key=sort_key)
    per = max(per_length, math.ceil((num_samples or 0) / len(lengths)))
    if category == "waiting_line":  # one rng stream over a contiguous length range
        records = generate_list_records(op, min_length=min(lengths), max_length=max(lengths),
                                        num_samples=per * len(lengths), samples_per_length=per,
                                        **kw)
    else:  # one reference task file per length (lst06 ... lst16), each seeded alike
        records = [r for n in lengths for r in generate_list_records(
            op, min_length=n, max_length=n, num_samples=per, samples_per_length=per, **kw)]
    return Task(name, category=category, op=op, metric=METRIC_BY_OP[op], template=template,
                records=_prefix(records, num_samples, name), source="builtin",
                config={"prompt": template, "seed": kw["seed"], "lengths": lengths})


def _lengths_for(n: Any, default: list[int]) -> list[int]:
    if n is None:
        return default
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be a positive integer list length, got {n!r}")
    return [n]


def _register_lists() -> None:
    for op in LIST_OPS:
        def waiting(n=None, num_samples=None, seed=None, source=None, *, _op=op, _n=None,
                    _name=f"waiting_line/{op}"):
            lengths = _lengths_for(n if n is not None else _n, [3, 4, 5, 6])
            per = 25 if len(lengths) == 4 else 100
            return _list_task(_name, "waiting_line", _op, lengths, per, num_samples, seed,
                              shots=1)

        register(f"waiting_line/{op}", category="waiting_line", op=op,
                 facts=lambda: (100, [3, 4, 5, 6]))(waiting)

        def waiting15(n=None, num_samples=None, seed=None, source=None, *, _w=waiting, _op=op):
            return _w(n if n is not None else 15, num_samples, seed,
                      _name=f"waiting_line_n15/{_op}")

        register(f"waiting_line_n15/{op}", category="waiting_line", op=op,
                 facts=lambda: (100, [15]))(waiting15)

        if op == "sort":
            _DYNAMIC_LIST_OPS["sort_by_last_name"] = _sort_by_last_name

        def letters(n=None, num_samples=None, seed=None, source=None, *, _op=op,
                    _name=f"list_ops/{op}"):
            lengths = _lengths_for(n, [6, 8, 10, 12, 14, 16])
            # Zero-shot, 100 per length, seed base 42: the choices SPEC section 6 suggests.
            return _list_task(_name, "list_ops", _op, lengths, 100, num_samples, seed, shots=0)

        if op in ("copy", "replace_index", "replace_random", "shuffle"):
            register(f"list_ops/{op}", category="list_ops", op=op,
                     facts=lambda: (600, [6, 8, 10, 12, 14, 16]))(letters)
        _DYNAMIC_LIST_OPS[op] = letters


def _sort_by_last_name(n=None, num_samples=None, seed=None, source=None, *, _n=None,
                       _name="waiting_line/sort_by_last_name"):
    """Waiting Line sort with labels ordered by last name (the same lines as ``sort``). Not
    registered, so ``waiting_line/*`` keeps the reference's ten tasks."""
    lengths = _lengths_for(n if n is not None else _n, [3, 4, 5, 6])
    per = 25 if len(lengths) == 4 else 100
    return _list_task(_name, "waiting_line", "sort", lengths, per, num_samples, seed, shots=1, by_last=True)


_DYNAMIC_LIST_OPS: dict[str, Builder] = {}
_register_lists()


def _w2s(level: str, k_default: int, fixed_name: str | None = None):
    def build(n=None, num_samples=None, seed=None, source=None, *, _name=fixed_name):
        k = k_default if n is None else n
        name = _name or (f"words_to_sentence/{level}" if k_default == 4 and n is None
                         else f"words_to_sentence/{level}_n{k}")
        template = prompts.W2S_PROMPT_ONE if k == 1 else prompts.W2S_PROMPT
        return Task(name, category="text_writing", op="words_to_sentence",
                    metric=METRIC_BY_OP["words_to_sentence"], template=template,
                    records=_prefix(w2s_records(level, k), num_samples, name),
                    source="builtin", config={"prompt": template})

    return build


for _level in W2S_LEVELS:
    register(f"words_to_sentence/{_level}", category="text_writing",
             op="words_to_sentence")(_w2s(_level, 4))
    for _k in (1, 3, 4, 5, 6, 7):
        register(f"words_to_sentence/{_level}_n{_k}", category="text_writing",
                 op="words_to_sentence")(_w2s(_level, _k, f"words_to_sentence/{_level}_n{_k}"))


def _text(stem: str, op: str, template: str) -> Builder:
    def build(n=None, num_samples=None, seed=None, source=None):
        name = f"paraphrase_summarize/{stem}"
        _no_n(name, n)
        if source == "hf":
            records, src, warn = hf_records(stem, num_samples or 100, seed), "hf", None
        elif source in (None, "builtin", "builtin-smoke"):
            records, src, warn = smoke_records(stem), "builtin-smoke", SMOKE_WARNING
        else:
            raise ConfigError(f"unknown source {source!r} for {name}; use 'builtin' or 'hf'")
        return Task(name, category="text_writing", op=op, metric=METRIC_BY_OP[op],
                    template=template, records=_prefix(records, num_samples, name), source=src,
                    warning=warn, config={"prompt": template})

    return build


register("paraphrase_summarize/samsum", category="text_writing", op="summarize")(
    _text("samsum", "summarize", prompts.SAMSUM_PROMPT))
register("paraphrase_summarize/chatgpt-paraphrases", category="text_writing", op="paraphrase")(
    _text("chatgpt-paraphrases", "paraphrase", prompts.PARAPHRASE_PROMPT))


def _no_n(name: str, n: Any) -> None:
    if n is not None:
        raise ConfigError(f"{name} has no list length; n= is not supported")


@register("puzzle/latin_square_n4", category="puzzle", op="latin_square")
def _latin(n=None, num_samples=None, seed=None, source=None, *, _n=4) -> Task:
    size = _n if n is None else n
    name = f"puzzle/latin_square_n{size}"
    # Seed key = the task stem, so the default (key latin_square_n4, base 42 -> 51291) equals
    # the reference's stored seed and regenerates the official file.
    records = generate_latin_records(max(100, num_samples or 0),
                                     derive_seed(name.split("/")[1], 42 if seed is None else seed),
                                     size=size)
    return Task(name, category="puzzle", op="latin_square", metric="latin_square_score",
                template=prompts.LATIN_SQUARE_PROMPT, records=_prefix(records, num_samples, name),
                source="builtin", config={"prompt": prompts.LATIN_SQUARE_PROMPT, "size": size})


@register("puzzle/sudoku_n4_12", category="puzzle", op="sudoku")
def _sudoku(n=None, num_samples=None, seed=None, source=None) -> Task:
    """Dream's 4x4 Sudoku set (the reference's source, 108 puzzles in file order; our own seeded
    one-shot pairing) when ``source`` is ``"dream"`` or a path, or when ``$PARALLELBENCH_DREAM_SUDOKU``
    names it; otherwise (or with ``source="builtin"``) self-generated puzzles. Each sample's
    ``metadata["source"]`` says which."""
    name = "puzzle/sudoku_n4_12"
    _no_n(name, n)
    seed = derive_seed("sudoku_n4_12", 42 if seed is None else seed)
    where = os.environ.get(DREAM_SUDOKU_ENV) if source in (None, "dream") else source
    if source == "dream" and not where:
        raise ConfigError(f"source='dream' needs ${DREAM_SUDOKU_ENV} (the folder or file of Dream's "
                          f"4x4 Sudoku set, e.g. the official data's src/dream_sudoku)")
    if where and where != "builtin":
        records, origin = dream_sudoku_records(find_dream_sudoku(where), seed), "builtin-dream"
    else:
        records, origin = generate_sudoku_records(max(100, num_samples or 0), seed), "builtin"
    return Task(name, category="puzzle", op="sudoku", metric="sudoku_score",
                template=prompts.SUDOKU_PROMPT, records=_prefix(records, num_samples, name),
                source=origin, config={"prompt": prompts.SUDOKU_PROMPT})


_PATTERNS: list[tuple[re.Pattern, Callable[[re.Match], tuple[Builder, dict]]]] = [
    (re.compile(r"waiting_line(?:_n(\d+))?/sort_by_last_name"),
     lambda m: (_sort_by_last_name, {"_name": m[0], **({"_n": int(m[1])} if m[1] else {})})),
    (re.compile(r"waiting_line_n(\d+)/(\w+)"),
     lambda m: (_REGISTRY[f"waiting_line/{m[2]}"].build,
                {"_n": int(m[1]), "_name": m[0]})),
    (re.compile(r"puzzle/latin_square_n(\d+)"), lambda m: (_latin, {"_n": int(m[1])})),
    (re.compile(r"words_to_sentence/(easy|medium|hard)_n(\d+)"),
     lambda m: (_w2s(m[1], int(m[2])), {"_name": m[0]})),
    (re.compile(r"list_ops/([a-z_]+?)(?:_n(\d+))?"),
     lambda m: (_DYNAMIC_LIST_OPS[m[1]], {"_name": m[0], **({"n": int(m[2])} if m[2] else {})})),
]


def resolve(name: str) -> tuple[Builder, dict[str, Any]]:
    """The factory (and fixed keyword arguments) for a built-in task name."""
    if name in _REGISTRY:
        return _REGISTRY[name].build, {}
    for pattern, make in _PATTERNS:
        match = pattern.fullmatch(name)
        if match:
            try:
                return make(match)
            except KeyError:
                continue
    close = [n for n in _REGISTRY if n.split("/")[0] == name.split("/")[0]][:12]
    raise ParallelBenchError(f"unknown task {name!r}" + (
        f"; tasks in that group: {', '.join(close)}" if close else
        "; run 'parallelbench tasks' for the list"))
