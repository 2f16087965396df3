"""``parallelbench generate``: custom list tasks written in the reference layout.

A YAML file names the operations, the item source, the lengths, samples per length, shots and
seed; the result is ``<out>/<group>/<task>.jsonl`` plus ``task_config.yaml``, which
``--data-dir <out>`` then loads like the official files. Example (``configs/tasks/``)::

    group: custom              # output folder
    seed: 42                   # base seed; each task's seed = sha256(stem) + base (SPEC 4.1.3)
    items: letters             # letters | names | path to a word file (one item per line)
    min_length: 3
    max_length: 20
    samples_per_length: 10
    shots: 1
    tasks:
      - {name: copy, op: copy}
      - {name: reverse, op: reverse}

Every top-level key is a default that a task entry may override; a task may also give
``lengths: [4, 8, 16]`` (non-contiguous lengths are generated one length at a time), a custom
``prompt`` and ``sort: plain | last_name`` (plain, the reference's order, by default).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..userfiles import make_dir, output_dir, read_lines, read_yaml
from . import prompts
from .lists import (LETTERS, builtin_name_parts, builtin_words, by_last_name, derive_seed,
                    generate_list_records, name_pool)
from .generate_extra import EXTRA_KEYS, EXTRA_OPS, build_extra_records, extra_task_config
from .official import CONFIG_FILE, METRIC_BY_OP, write_task_files
from .render import LIST_OPS

_TASK_KEYS = {"name", "op", "items", "min_length", "max_length", "lengths", "samples_per_length",
              "shots", "seed", "train_seed", "test_split", "exclude_tasks", "prompt", "sort",
              *EXTRA_KEYS}
SPLITS = ("test", "train")
#: Base seed of the training split unless a config gives ``train_seed`` (the reference's
#: training configs use 123; its test sets 42).
TRAIN_SEED = 123
_BAD_CHARS = set('"\\,[]{}\n\r')


def read_items(path: Path) -> list[str]:
    """A user word file: one item per line, ``#`` comments; items must survive L(xs) parsing."""
    items: list[str] = []
    for lineno, line in enumerate(read_lines(path, "word file"), 1):
        item = line.strip()
        if not item or item.startswith("#"):
            continue
        if _BAD_CHARS & set(item):
            raise ConfigError(f"{path}:{lineno}: item {item!r} contains one of \" \\ , [ ] {{ }}")
        if item in items:
            raise ConfigError(f"{path}:{lineno}: duplicate item {item!r}")
        items.append(item)
    if len(items) < 2:
        raise ConfigError(f"{path}: needs at least 2 items")
    return items


def _pool(spec: Any, base_dir: Path) -> tuple[list[str], str]:
    if spec == "letters":
        return list(LETTERS), "list_ops"
    if spec == "names":
        return name_pool(*builtin_name_parts()), "waiting_line"
    if spec == "words":
        return builtin_words(), "list_ops"
    if isinstance(spec, str) and spec:
        path = Path(spec).expanduser()
        return read_items(path if path.is_absolute() else base_dir / path), "list_ops"
    raise ConfigError(f"items must be 'letters', 'names', 'words' or a word file path, got "
                      f"{spec!r}")


def _lengths(entry: dict[str, Any]) -> list[int]:
    if entry.get("lengths") is not None:
        lengths = entry["lengths"]
        if not isinstance(lengths, list) or not lengths or \
                not all(isinstance(n, int) and not isinstance(n, bool) for n in lengths):
            raise ConfigError(f"lengths must be a list of integers, got {lengths!r}")
        return sorted(set(lengths))
    lo, hi = entry.get("min_length"), entry.get("max_length")
    if not isinstance(lo, int) or not isinstance(hi, int) or lo > hi:
        raise ConfigError(f"give min_length <= max_length (integers) or lengths, got {lo!r}, "
                          f"{hi!r}")
    return list(range(lo, hi + 1))


def _check_prompt(template: str, op: str) -> None:
    fields = {"context": '["a", "b"]', "word": "w", "index": 0}
    try:
        template.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"prompt for {op} does not format with context/word/index: {exc}") \
            from None
    if "{context}" not in template:
        raise ConfigError(f"prompt for {op} must contain {{context}}")


def split_seed(entry: dict[str, Any], split: str) -> int:
    """Base seed of a split: ``seed`` (default 42) for test, ``train_seed`` (default 123) for
    train; the two must differ so the splits come from different random streams."""
    if split not in SPLITS:
        raise ConfigError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    test, train = entry.get("seed", 42), entry.get("train_seed", TRAIN_SEED)
    for key, value in (("seed", test), ("train_seed", train)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{key} must be an integer, got {value!r}")
    if split == "train" and train == test:
        raise ConfigError(f"train_seed equals seed ({test}): the training split needs its own "
                          f"seed")
    return train if split == "train" else test


def build_task(entry: dict[str, Any], group: str, base_dir: Path,
               split: str = "test") -> tuple[str, list, dict]:
    """Records and task_config entry of one task of a generate config (``split``: which seed)."""
    unknown = set(entry) - _TASK_KEYS - {"group", "tasks"}
    if unknown:
        raise ConfigError(f"unknown key(s) in generate config: {', '.join(sorted(unknown))}")
    op = entry.get("op")
    if op not in LIST_OPS and op not in EXTRA_OPS:
        raise ConfigError(f"op must be one of {', '.join(LIST_OPS + EXTRA_OPS)}, got {op!r}")
    stem = str(entry.get("name") or op)
    pool, category = _pool(entry.get("items", "letters"), base_dir)
    lengths = _lengths(entry)
    per = entry.get("samples_per_length", 10)
    shots = entry.get("shots", 1)
    if not isinstance(per, int) or per < 1 or not isinstance(shots, int) or shots < 0:
        raise ConfigError("samples_per_length must be >= 1 and shots >= 0 (integers)")
    seed = derive_seed(stem, split_seed(entry, split))
    common = {"name": f"{group}/{stem}", "op": op, "seed": seed, "split": split,
              "min_length": lengths[0], "max_length": lengths[-1], "lengths": lengths,
              "samples_per_length": per, "icl_example_count": shots}
    if op in EXTRA_OPS:
        category, metric, template = extra_task_config(op, entry.get("prompt"))
        records, extra = build_extra_records(entry, op, pool, lengths, per, seed)
        return f"{group}/{stem}", records, {
            **common, "type": op.split("_")[0], "category": category, "metric": metric,
            "prompt": template, "num_samples": len(records),
            "words": str(entry.get("items", "letters")), **extra}
    table = prompts.WAITING_LINE_PROMPTS if category == "waiting_line" else prompts.LIST_OP_PROMPTS
    template = entry.get("prompt") or table[op]
    _check_prompt(template, op)
    sort = entry.get("sort", "plain")  # the reference's order: the whole "First Last" string
    if sort not in ("plain", "last_name"):
        raise ConfigError(f"sort must be 'plain' or 'last_name', got {sort!r}")
    kw = dict(seed=seed, shots=shots, distinct_names=category == "waiting_line",
              sort_key=by_last_name if sort == "last_name" else sorted)
    if lengths == list(range(lengths[0], lengths[-1] + 1)):
        records = generate_list_records(op, pool, min_length=lengths[0], max_length=lengths[-1],
                                        num_samples=per * len(lengths),
                                        samples_per_length=per, **kw)
    else:
        records = [r for n in lengths for r in generate_list_records(
            op, pool, min_length=n, max_length=n, num_samples=per, samples_per_length=per, **kw)]
    kind = op.split("_")[0]
    config = {**common, "type": kind, "category": category, "metric": METRIC_BY_OP[op],
              "prompt": template, "num_samples": len(records),
              "words": str(entry.get("items", "letters")), "sort": sort}
    if kind in ("insert", "remove", "replace"):
        config["random_index"] = op.endswith("_random")
    return f"{group}/{stem}", records, config


def load_generate_config(config_path: str | Path) -> tuple[Path, str, dict, list[dict]]:
    """``(path, group, defaults, task entries)`` of a generate config, validated."""
    path = Path(config_path)
    config = read_yaml(path, "generate config")
    if not isinstance(config, dict) or not isinstance(config.get("tasks"), list) \
            or not config["tasks"]:
        raise ConfigError(f"{path}: expected a mapping with a non-empty 'tasks' list")
    group = str(config.get("group") or "custom")
    if "/" in group or group.startswith((".", "_")):
        raise ConfigError(f"{path}: group must be a plain folder name, got {group!r}")
    defaults = {k: v for k, v in config.items() if k not in ("tasks", "group")}
    for i, task in enumerate(config["tasks"]):
        if not isinstance(task, dict):
            raise ConfigError(f"{path}: tasks[{i}] must be a mapping")
    return path, group, defaults, config["tasks"]


def generate_from_config(config_path: str | Path, out_dir: str | Path,
                         force: bool = False) -> list[Path]:
    """Write every task of a generate config (test split); returns the written ``.jsonl`` paths.
    ``parallelbench.tasks.splits.write_train_from_config`` writes the training split.

    Every task is built and checked before anything is written. Existing task files, or an
    existing ``task_config.yaml`` in the group folder, are never overwritten unless ``force``
    (then task files are replaced and the config entries merged)."""
    path, group, defaults, tasks = load_generate_config(config_path)
    built: dict[str, tuple[list, dict]] = {}
    for i, task in enumerate(tasks):
        try:
            name, records, entry = build_task({**defaults, **task}, group, path.parent)
        except ConfigError as exc:
            raise ConfigError(f"{path}: tasks[{i}]: {exc}") from None
        if name in built:
            raise ConfigError(f"{path}: tasks[{i}]: task {name!r} is listed twice (give a 'name')")
        built[name] = (records, entry)
    out = output_dir(out_dir, "--out folder")
    if not force:
        targets = [out / f"{name}.jsonl" for name in built] + [out / group / CONFIG_FILE]
        existing = [str(t) for t in targets if t.exists()]
        if existing:
            raise ConfigError(f"{existing[0]} already exists"
                              f"{f' (and {len(existing) - 1} more)' if len(existing) > 1 else ''}"
                              f"; generate never overwrites task files: choose another --out "
                              f"or pass --force")
    make_dir(out / group, "--out folder")
    return [write_task_files(out, name, records, entry) for name, (records, entry) in built.items()]
