"""Sub-commands ``tasks``, ``show``, ``score`` and ``generate`` (wired in ``parallelbench.cli``)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError
from .generate import generate_from_config
from .loader import list_tasks, load_task
from .task import aggregate

SORT_NOTE = ("note: the official sort labels are ordered by the whole 'First Last' string "
             "(effectively by first name), not by last name as the prompt asks; official files "
             "are scored against their own labels (see docs/tasks.md)")


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the task commands on the top-level sub-parser."""
    p = sub.add_parser("tasks", help="list the benchmark tasks")
    p.add_argument("--json", action="store_true", help="one JSON object per task")
    p.add_argument("--data-dir", help="list the task files under this folder instead")
    p.set_defaults(func=_cmd_tasks)

    p = sub.add_parser("show", help="print a sample's messages and reference answer")
    p.add_argument("task")
    p.add_argument("--index", type=int, default=0)
    p.add_argument("--data-dir")
    p.add_argument("--n", type=int, help="list length (built-in generators)")
    p.add_argument("--seed", type=int, help="base seed of the built-in generators")
    p.add_argument("--source", choices=["builtin", "hf", "dream"],
                   help="text tasks: built-in smoke set (default) or Hugging Face (online); "
                        "Sudoku: Dream's set ($PARALLELBENCH_DREAM_SUDOKU) or self-generated")
    p.set_defaults(func=_cmd_show)

    p = sub.add_parser("score", help="score a predictions file against a task")
    p.add_argument("--task", required=True)
    p.add_argument("--data-dir")
    p.add_argument("--n", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--source", choices=["builtin", "hf"])
    p.add_argument("--predictions", required=True,
                   help='JSONL, one {"index": I, "prediction": "..."} per line')
    p.add_argument("--output", help="write per-sample scores here (JSONL)")
    from ..metrics.backends import add_backend_flags

    add_backend_flags(p)
    p.set_defaults(func=_cmd_score)

    p = sub.add_parser("generate", help="write custom list tasks (or training splits) in the "
                                        "official layout")
    p.add_argument("config", nargs="?", help="generate config (YAML), see configs/tasks/ and "
                                             "configs/train/")
    p.add_argument("--out", required=True, help="output folder (use it as --data-dir; a "
                                                "training split goes to OUT/train)")
    p.add_argument("--split", choices=["test", "train"], default="test",
                   help="train: the training split (base seed train_seed, default 123), "
                        "written to OUT/train without any prompt of the test split")
    p.add_argument("--tasks", help="--split train of built-in generator tasks instead of a "
                                   "config: names or globs, comma-separated")
    p.add_argument("--num-samples", type=int, default=1000,
                   help="with --tasks: training samples per task (default 1000)")
    p.add_argument("--seed", type=int, help="with --tasks: base seed of the training split "
                                            "(default 123)")
    p.add_argument("--exclude-data-dir", help="also keep out every prompt of the test files "
                                              "under this folder (e.g. the official files)")
    p.add_argument("--force", action="store_true",
                   help="overwrite existing task files and merge into an existing task_config.yaml")
    p.set_defaults(func=_cmd_generate)


def _cmd_tasks(args: argparse.Namespace) -> int:
    infos = list_tasks(args.data_dir)
    if args.json:
        for info in infos:
            print(json.dumps(info.to_dict()))
        return 0
    # Columns as wide as their longest entry (custom task names and metrics can be long).
    w_task = max([45, *(len(i.name) for i in infos)])
    w_metric = max([27, *(len(i.metric) for i in infos)])
    print(f"{'task':{w_task}} {'category':13} {'metric':{w_metric}} {'samples':>7}  lengths")
    for info in infos:
        lengths = ",".join(map(str, info.lengths)) if info.lengths else "-"
        print(f"{info.name:{w_task}} {info.category:13} {info.metric:{w_metric}} "
              f"{info.num_samples:>7}  {lengths}")
    return 0


def _load(args: argparse.Namespace, name: str):
    return load_task(name, data_dir=args.data_dir, n=args.n, seed=args.seed,
                     source=args.source)


def _cmd_show(args: argparse.Namespace) -> int:
    task = _load(args, args.task)
    if args.index < 0:
        raise DataError(f"--index must be in 0..{len(task) - 1}, got {args.index}")
    sample = task[args.index]
    print(f"# {task.name} [{args.index}/{len(task)}]  source={task.source}  metric={task.metric}"
          f"  max_tokens={task.max_tokens}")
    if task.warning:
        print(f"# warning: {task.warning}")
    for message in sample.messages:
        print(f"--- {message['role']}")
        print(message["content"])
    print("--- reference answer")
    try:
        print(sample.reference)
    except KeyError:
        print("(no single reference answer)")
    if not isinstance(sample.label, str):
        print("--- label")
        print(json.dumps(sample.label, ensure_ascii=False))
    if task.op == "sort" and task.source == "official" and "sort" not in task.config:
        print(f"# {SORT_NOTE}")
    return 0


def read_predictions(path: str | Path, size: int) -> dict[int, str]:
    """``{index: prediction}`` from a JSONL file, with file:line errors."""
    from ..userfiles import read_jsonl

    file = Path(path)
    found: dict[int, str] = {}
    row: Any
    for lineno, row in read_jsonl(file, "predictions file"):
        if not isinstance(row, dict) or "index" not in row or "prediction" not in row:
            raise DataError(f'{file}:{lineno}: expected {{"index": I, "prediction": "..."}}')
        index, prediction = row["index"], row["prediction"]
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
            raise DataError(f"{file}:{lineno}: index {index!r} out of range 0..{size - 1}")
        if prediction is not None and not isinstance(prediction, str):
            raise DataError(f"{file}:{lineno}: prediction must be a string")
        if index in found:
            raise DataError(f"{file}:{lineno}: duplicate index {index}")
        found[index] = prediction or ""
    if not found:
        raise DataError(f"{file}: no predictions")
    return found


def _cmd_score(args: argparse.Namespace) -> int:
    from ..metrics import MetricBackends
    from ..userfiles import output_file

    output = output_file(args.output, "--output file") if args.output else None
    task = _load(args, args.task)
    predictions = read_predictions(args.predictions, len(task))
    task.backends = MetricBackends.from_spec(args)
    task.backends.check({task.metric})
    rows = task.score_all(dict(sorted(predictions.items())))
    if output is not None:
        text = "".join(json.dumps({"index": index, **scores}, ensure_ascii=False) + "\n"
                       for index, scores in rows)
        output.write_text(text, encoding="utf-8")
    result = {"task": task.name, "source": task.source, "num_scored": len(rows),
              **aggregate([d for _, d in rows])}
    print(json.dumps(result))
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    if args.split == "test":
        if args.tasks or not args.config:
            raise ConfigError("give a generate config (--tasks writes training splits: add "
                              "--split train)")
        for path in generate_from_config(args.config, args.out, force=args.force):
            print(path)
        return 0
    from .splits import TRAIN_SEED, generator_tasks, write_train_from_config, write_train_tasks

    if bool(args.tasks) == bool(args.config):
        raise ConfigError("--split train needs either a generate config or --tasks (not both)")
    if args.config:
        written = write_train_from_config(args.config, args.out, args.exclude_data_dir)
    else:
        names = generator_tasks([t.strip() for t in args.tasks.split(",") if t.strip()])
        written = write_train_tasks(names, args.out, args.num_samples,
                                    TRAIN_SEED if args.seed is None else args.seed,
                                    args.exclude_data_dir)
    for path, removed in written:
        print(f"{path}" + (f"  ({removed} samples equal to a test prompt removed)"
                           if removed else ""))
    return 0
