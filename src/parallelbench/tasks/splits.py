"""Training splits: task data for fine-tuning, disjoint from the test sets by construction.

Two guarantees (docs/training.md):

* **different seeds**: a training split is generated with its own base seed (``train_seed``,
  default 123, the reference's training configs' base) through the same generators as the test
  split (base 42); equal seeds are refused;
* **no test prompt**: every training record whose query prompt (the rendered last user turn)
  equals a prompt of the test split, or of the test files under ``exclude_data_dir``, is
  removed, and the count is recorded (``removed_test_prompts`` in ``task_config.yaml``).

Files go to ``<out>/train/<group>/<task>.jsonl`` (official layout), never over an existing file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from ..errors import ConfigError, DataError
from .generate import TRAIN_SEED, build_task, load_generate_config
from .official import discover, write_task_files
from .render import user_text

#: Operations without a generator (fixed word sets or external text): no training split.
FIXED_DATA_OPS = ("words_to_sentence", "summarize", "paraphrase")
#: More training samples per task than this is a typo (it would run for hours and fill memory).
MAX_TRAIN_SAMPLES = 1_000_000


def check_split_args(num_samples: Any, seed: Any) -> None:
    """The size and base seed of a training split (``ConfigError``)."""
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) \
            or not 1 <= num_samples <= MAX_TRAIN_SAMPLES:
        raise ConfigError(f"--num-samples must be an integer in 1..{MAX_TRAIN_SAMPLES:,} (per task), "
                          f"got {num_samples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"the training split's seed must be an integer >= 0, got {seed!r}")
    if seed == 42:
        raise ConfigError("the training split needs a base seed other than 42 (the test sets')")


def query_prompt(template: str, record: dict[str, Any]) -> str:
    """The rendered query of a record (the last user turn, without one-shot examples)."""
    return user_text(template, record["input"])


def drop_test_prompts(records: list[dict[str, Any]], template: str,
                      test_prompts: set[str]) -> tuple[list[dict[str, Any]], int]:
    """``(records whose query is not a test prompt, number removed)``."""
    kept = [r for r in records if query_prompt(template, r) not in test_prompts]
    return kept, len(records) - len(kept)


def _official_prompts(name: str, data_dir: str | Path | None) -> set[str]:
    if data_dir is None:
        return set()
    from .loader import load_task

    if name not in discover(data_dir):
        return set()
    return {s.prompt for s in load_task(name, data_dir=data_dir)}


def generator_tasks(patterns: Iterable[str]) -> list[str]:
    """Registered built-in task names matching ``patterns`` (names or globs) that have a
    generator; an exact name that is no generator task is an error."""
    from .loader import load_task, match_tasks
    from .registry import registered_tasks

    names = match_tasks(patterns, lambda: [t.name for t in registered_tasks()
                                           if t.op not in FIXED_DATA_OPS], what="generator task")
    for name in (p for p in patterns if not any(c in p for c in "*?[")):  # any resolvable name
        if load_task(name, num_samples=1).op in FIXED_DATA_OPS:
            raise ConfigError(f"{name} has fixed data (no generator), so no training split")
    return names


def train_task(name: str, num_samples: int, seed: int = TRAIN_SEED,
               exclude_data_dir: str | Path | None = None) -> tuple[Any, int]:
    """``(Task, removed)``: ``num_samples`` training samples of a built-in generator task drawn
    with base ``seed``, minus those whose prompt is in its built-in test set (base 42) or in
    the test files of ``exclude_data_dir``."""
    from .loader import load_task
    from .task import Task

    check_split_args(num_samples, seed)
    test = load_task(name)
    if test.op in FIXED_DATA_OPS:
        raise ConfigError(f"{name} has fixed data (no generator), so no training split")
    train = load_task(name, num_samples=num_samples, seed=seed)
    prompts = {s.prompt for s in test} | _official_prompts(name, exclude_data_dir)
    records, removed = drop_test_prompts([s.record for s in train], train.template, prompts)
    if not records:
        raise DataError(f"{name}: every training sample equals a test prompt")
    task = Task(name, category=train.category, op=train.op, metric=train.metric,
                template=train.template, records=records, source="builtin-train",
                max_tokens=train.max_tokens,
                config={**train.config, "split": "train", "base_seed": seed})
    return task, removed


def _target(out_dir: str | Path, name: str) -> Path:
    path = Path(out_dir) / "train" / f"{name}.jsonl"
    if path.exists():
        raise ConfigError(f"{path} already exists; choose another --out or remove it")
    return path


def write_train_tasks(names: list[str], out_dir: str | Path, num_samples: int,
                      seed: int = TRAIN_SEED,
                      exclude_data_dir: str | Path | None = None) -> list[tuple[Path, int]]:
    """Write the training split of built-in tasks; returns ``(path, removed)`` per task."""
    from ..userfiles import output_dir

    check_split_args(num_samples, seed)
    output_dir(out_dir, "--out folder")
    for name in names:
        _target(out_dir, name)
    written = []
    for name in names:
        task, removed = train_task(name, num_samples, seed, exclude_data_dir)
        config = {**task.config, "name": name, "op": task.op, "category": task.category,
                  "metric": task.metric, "prompt": task.template, "max_tokens": task.max_tokens,
                  "num_samples": len(task), "removed_test_prompts": removed}
        path = write_task_files(Path(out_dir) / "train", name, [s.record for s in task], config)
        written.append((path, removed))
    return written


def default_test_tasks(op: str, items: Any) -> list[str]:
    """Built-in test sets a training split of ``op`` on ``items`` must stay clear of."""
    extra = {"repeat_each": "list_ops/repeat_each", "repeat_list": "list_ops/repeat_list",
             "domino": "list_gen/domino", "cumsum": "rec/cumsum"}
    if op in extra:
        return [extra[op]]
    if items == "letters" and op != "math_op":
        return [f"list_ops/{op}"]
    if items == "names":
        return [f"waiting_line/{op}", f"waiting_line_n15/{op}"]
    return []


def _builtin_prompts(names: list[str]) -> set[str]:
    from .loader import load_task

    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"exclude_tasks must be a list of task names, got {names!r}")
    return {s.prompt for name in names for s in load_task(name)}


def write_train_from_config(config_path: str | Path, out_dir: str | Path,
                            exclude_data_dir: str | Path | None = None
                            ) -> list[tuple[Path, int]]:
    """The training split of a generate config (base ``train_seed``, default 123), checked
    against the config's own test split (base ``seed``; unless ``test_split: false``, for
    configs that only make training data), the built-in test sets of the same
    task (``exclude_tasks``, by default e.g. ``list_ops/<op>`` for letters) and the test files
    under ``exclude_data_dir``."""
    from ..userfiles import output_dir

    path, group, defaults, tasks = load_generate_config(config_path)
    output_dir(out_dir, "--out folder")
    built = []
    for i, entry in enumerate(tasks):
        merged = {**defaults, **entry}
        try:
            name, records, config = build_task(merged, group, path.parent, split="train")
            test_records = build_task(merged, group, path.parent)[1] \
                if merged.get("test_split", True) else []
        except ConfigError as exc:
            raise ConfigError(f"{path}: tasks[{i}]: {exc}") from None
        _target(out_dir, name)
        template = config["prompt"]
        exclude = merged.get("exclude_tasks")
        if exclude is None:
            exclude = default_test_tasks(merged.get("op"), merged.get("items", "letters"))
        prompts = {query_prompt(template, r) for r in test_records} | _builtin_prompts(exclude)
        prompts |= _official_prompts(name, exclude_data_dir)
        kept, removed = drop_test_prompts(records, template, prompts)
        if not kept:
            raise DataError(f"{path}: tasks[{i}]: every training sample equals a test prompt")
        built.append((name, kept, {**config, "num_samples": len(kept),
                                   "removed_test_prompts": removed}))
    return [(write_task_files(Path(out_dir) / "train", name, records, config),
             config["removed_test_prompts"]) for name, records, config in built]
