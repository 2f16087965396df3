"""lm-eval task YAMLs generated from our task registry (``parallelbench lm-eval-path``).

One YAML per task names our task; the task class (``task.py``) loads it with ``load_task`` and
scores with its own metric, so nothing about a task is written twice. Groups: ``parallelbench``
(the 17 benchmark tasks, each task weighing the same) and one per category. The folder is
written on demand into a cache directory and rewritten only when its content changes.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Iterable

from ..errors import ConfigError
from .names import CATEGORY_GROUPS, GROUP, lm_task_name

TASK_CLASS = "parallelbench.lmeval.task.ParallelBenchTask"
AGGREGATE = ("score", "score_strict", "nfe", "tokens_per_step")
VERSION = 1
_LIST_OPS = ("copy", "sort", "reverse", "shuffle", "insert_index", "insert_random",
             "remove_index", "remove_random", "replace_index", "replace_random")


def benchmark_tasks() -> list[str]:
    """Our names of the 17 benchmark tasks (leaderboard order)."""
    from ..report.leaderboard import LEADERBOARD_TASKS, leaderboard_task_id
    from ..tasks import registered_names

    ids = {leaderboard_task_id(n): n for n in registered_names()}
    return [ids[t] for t in LEADERBOARD_TASKS]


def builtin_tasks() -> list[str]:
    """Every built-in task that gets an lm-eval task: the registry (the 17, Waiting Line n=15,
    the W2S word-count variants) plus the ten list operations."""
    from ..tasks import registered_names

    names = list(registered_names())
    return names + [f"list_ops/{op}" for op in _LIST_OPS if f"list_ops/{op}" not in names]


def _task_yaml(task: str, data_dir: str | None) -> str:
    meta = {"version": VERSION, "parallelbench_task": task}
    if data_dir:
        meta["parallelbench_data_dir"] = data_dir
    lines = [f"task: {lm_task_name(task)}", f"class: !function {TASK_CLASS}",
             "output_type: generate_until", "test_split: test", "metadata:"]
    lines += [f"  {k}: {json.dumps(v)}" for k, v in meta.items()]
    return "\n".join(lines) + "\n"


def _group_yaml(name: str, tasks: Iterable[str], alias: str) -> str:
    lines = [f"group: {name}", f"group_alias: {json.dumps(alias)}", "task:"]
    lines += [f"  - {lm_task_name(t)}" for t in tasks]
    lines.append("aggregate_metric_list:")
    for metric in AGGREGATE:  # the leaderboard's avg: every task weighs the same
        lines += [f"  - metric: {metric}", "    aggregation: mean", "    weight_by_size: false"]
    lines += ["metadata:", f"  version: {VERSION}"]
    return "\n".join(lines) + "\n"


def task_files(tasks: list[str] | None = None, data_dir: str | None = None) -> dict[str, str]:
    """``{file name: YAML text}`` of the task folder: the built-in tasks, or exactly ``tasks``
    (read from ``data_dir``); plus each group whose tasks are all there."""
    tasks = builtin_tasks() if tasks is None else list(tasks)
    files = {f"{lm_task_name(t)}.yaml": _task_yaml(t, data_dir) for t in tasks}
    bench = benchmark_tasks()
    groups = [(GROUP, bench, "ParallelBench")] + [
        (group, [t for t in bench if _category(t) == category], f"ParallelBench - {category}")
        for category, group in CATEGORY_GROUPS.items()]
    for group, members, alias in groups:
        if set(members) <= set(tasks):
            files[f"_{group}.yaml"] = _group_yaml(group, members, alias)
    return files


def _category(task: str) -> str:
    group = task.split("/")[0]
    return {"paraphrase_summarize": "text_writing", "words_to_sentence": "text_writing"}.get(group, group)


def default_cache_dir() -> Path:
    root = os.environ.get("PARALLELBENCH_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "parallelbench")
    return Path(root) / "lm-eval-tasks"


def write_task_folder(data_dir: str | os.PathLike | None = None,
                      out: str | os.PathLike | None = None) -> Path:
    """Write the lm-eval task folder and return its path (for ``--include_path``).

    Without ``data_dir``: our built-in tasks and groups (official data can still be used through
    the ``PARALLELBENCH_DATA_DIR`` variable or ``--metadata '{"data_dir": ...}'``). With
    ``data_dir``: one task per ``<group>/<task>.jsonl`` file there (official files or a
    ``parallelbench generate`` output), reading that folder."""
    tasks = None
    if data_dir is not None:
        from ..tasks import list_tasks

        data_dir = str(Path(data_dir).expanduser().resolve())
        tasks = [info.name for info in list_tasks(data_dir)]
    files = task_files(tasks, data_dir)
    digest = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]
    if out is not None:
        from ..userfiles import output_dir

        output_dir(out, "lm-eval task folder")
    folder = Path(out) if out is not None else default_cache_dir() / digest
    stamp = folder / ".parallelbench-tasks"
    if stamp.is_file() and stamp.read_text() == digest:
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.yaml"):  # ours only: --out may hold other task files
            if old.name not in files and old.name.lstrip("_").startswith(GROUP):
                old.unlink()
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        stamp.write_text(digest)
    except OSError as exc:
        raise ConfigError(f"cannot write the lm-eval task folder {str(folder)!r}: {exc}") from None
    return folder
