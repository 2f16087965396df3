"""``load_task`` and ``list_tasks``: one entry point for built-in and official data."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import ConfigError, DataError
from .official import METRIC_BY_OP, discover, infer_kind, load_official
from .registry import registered_tasks, resolve
from .task import Task, TaskInfo

_FIXED_N = re.compile(r"_n(\d+)(?:/|$)")


def load_task(name: str, data_dir: str | Path | None = None, n: int | None = None,
              num_samples: int | None = None, seed: int | None = None,
              source: str | None = None) -> Task:
    """Load a task by its reference name.

    Args:
        name: e.g. ``waiting_line/copy``, ``waiting_line_n15/sort``, ``puzzle/sudoku_n4_12``,
            ``words_to_sentence/easy_n5``, ``list_ops/shuffle``.
        data_dir: read ``<data_dir>/<group>/<task>.jsonl`` (official layout, or its parent with
            ``test/``) instead of generating; samples then match the reference one for one.
        n: list length (every list task; Latin-square size; number of W2S words). With
            ``data_dir``, keeps only the samples of that length.
        num_samples: evaluate the first N samples (as the reference's ``num_samples``).
        seed: base seed of the built-in generators (default 42, SPEC 4.1.3); same seed, same
            data. Ignored for files read from ``data_dir``.
        source: text tasks: ``"builtin"`` (offline smoke set, default) or ``"hf"`` (Hugging Face
            datasets; needs network access). Sudoku: ``"dream"`` or a path (Dream's 4x4 set,
            the reference's source; default when ``$PARALLELBENCH_DREAM_SUDOKU`` names it) or
            ``"builtin"`` (self-generated puzzles, the default otherwise).
    """
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("a task name is required")
    fixed = _FIXED_N.search(name)
    if fixed and n is not None and int(fixed[1]) != n:
        raise ConfigError(f"task {name} fixes n={fixed[1]}; got n={n}")
    if source not in (None, "builtin", "builtin-smoke") and (
            data_dir is not None or not name.startswith(("paraphrase_summarize/", "puzzle/sudoku"))):
        raise ConfigError(f"source={source!r} applies only to the built-in Summarization, "
                          f"Paraphrasing and Sudoku tasks, not to {name}")
    if data_dir is not None:
        return _load_from_files(name, data_dir, n, num_samples)
    build, fixed_kwargs = resolve(name)
    kwargs: dict[str, Any] = {"num_samples": num_samples, "seed": seed, "source": source}
    kwargs.update(fixed_kwargs)
    if n is not None:
        kwargs["n"] = n
    return build(**kwargs)


def _load_from_files(name: str, data_dir: str | Path, n: int | None,
                     num_samples: int | None) -> Task:
    records, config, path = load_official(name, data_dir)
    category, op = infer_kind(name, config)
    metric = config.get("metric") or METRIC_BY_OP.get(op)
    if not metric:
        raise DataError(f"{path.parent / 'task_config.yaml'}: no 'metric' for task {name!r}")
    kw: dict[str, Any] = dict(category=category, op=op, metric=metric, template=config["prompt"],
                              source="official", config=config, origin=str(path))
    task = Task(name, records=records, **kw)  # renders (and validates) every line
    if n is None and num_samples is None:
        return task
    keep = [s.record for s in task if n is None or s.metadata.get("length") == n]
    if not keep:
        raise DataError(f"{path}: no sample of length n={n}")
    if num_samples is not None:
        if not isinstance(num_samples, int) or num_samples < 1:
            raise ConfigError(f"num_samples must be a positive integer, got {num_samples!r}")
        keep = keep[:num_samples]
    return Task(name, records=keep, max_tokens=task.max_tokens, **kw)


@lru_cache(maxsize=1)
def _builtin_infos() -> tuple[TaskInfo, ...]:
    # Built-in data are fixed by code and seed, so their facts are computed once per process;
    # tasks that declare their facts are not even generated (tests check the two agree).
    return tuple(TaskInfo(d.name, d.category, d.op, d.metric, *d.facts(), "builtin") if d.facts
                 else load_task(d.name).info() for d in registered_tasks())


def list_tasks(data_dir: str | Path | None = None) -> list[TaskInfo]:
    """Every task (registered built-ins, or the task files under ``data_dir``) with its
    category, metric, number of samples and list lengths."""
    if data_dir is None:
        return list(_builtin_infos())
    names = discover(data_dir)
    if not names:
        raise DataError(f"no <group>/<task>.jsonl task files under {data_dir}")
    return [load_task(name, data_dir=data_dir).info() for name in names]


def match_tasks(patterns: Iterable[str], known: Callable[[], Iterable[str]] | Iterable[str], *,
                literal_ok: bool = True, what: str = "task", where: str = "") -> list[str]:
    """Names matching ``patterns`` (names or shell globs), in pattern order, without duplicates.
    A glob is matched against ``known`` (a list, or a function giving it, called only when a glob
    needs it) and must match something; a literal name is kept as given when ``literal_ok`` (its
    loader says if it is unknown), else it must be in ``known``. ``ConfigError`` otherwise."""
    import fnmatch

    names: list[str] | None = None
    out: list[str] = []
    for pattern in patterns:
        glob = any(c in pattern for c in "*?[")
        if not glob and literal_ok:
            matched = [pattern]
        else:
            if names is None:
                names = list(known() if callable(known) else known)
            matched = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
            if not matched:
                raise ConfigError(f"{what} pattern {pattern!r} matches no {what}{where}")
        out.extend(m for m in matched if m not in out)
    return out

