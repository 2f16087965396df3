"""Running lm-eval with our model and tasks: registration, in-process ``evaluate`` and the
``parallelbench lm-eval ...`` wrapper around lm-eval's own command line.

lm-eval 0.4 has no plugin entry point for models, so the ``parallelbench`` model exists in a
process that called ``register()``: the wrapper does, then hands its arguments to lm-eval's
``cli_evaluate`` unchanged. In that process the wrapper also (1) adds our task folder to every
``TaskManager`` (your own ``--include_path`` still works), and (2) after the evaluation adds each
sample's decoding statistics to lm-eval's logged samples (``attach``).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence

from ..errors import ParallelBenchError

MODEL_NAME = "parallelbench"
_MODEL_TARGET = "parallelbench.lmeval.model:ParallelBenchLM"
STAT_FIELDS = ("nfe", "tokens_per_step", "order", "output_tokens")


def register() -> None:
    """Register the ``parallelbench`` model with lm-eval (idempotent)."""
    import lm_eval.models  # noqa: F401 - the built-in models first (lm-eval loads them only into an empty registry)
    from lm_eval.api.registry import model_registry

    if MODEL_NAME not in model_registry:
        model_registry.register(MODEL_NAME, target=_MODEL_TARGET)


def attach(results: dict[str, Any] | None, logs: list[dict] | None = None) -> dict[str, Any] | None:
    """Add our decoding statistics to lm-eval's results, in place: each logged sample gets a
    ``parallelbench`` block (model, strategy, setting, decoding, seed, NFE, tokens per step,
    decoding order, ...) and top-level ``nfe``/``tokens_per_step``/``order``/``output_tokens``
    where the task did not report them; each task gets ``nfe,none`` and ``tokens_per_step,none``
    (means over its samples) where missing."""
    from .model import take_logs

    if not results:
        return results
    merged: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
    for log in (take_logs() if logs is None else logs):
        for key, entries in log.items():
            merged.setdefault(key, {}).update(entries)
    for task_name, rows in (results.get("samples") or {}).items():
        per_doc: dict[Any, dict[str, Any]] = {}
        for row in rows:
            entries = merged.get((task_name, json.dumps(row.get("doc"), sort_keys=True, default=str)))
            if not entries:
                continue
            stats = entries.get(row.get("doc_id")) or next(iter(entries.values()))
            row["parallelbench"] = stats
            for key in STAT_FIELDS:
                row.setdefault(key, stats.get(key))
            per_doc[row.get("doc_id")] = stats
        task_results = (results.get("results") or {}).get(task_name)
        if per_doc and isinstance(task_results, dict):
            for key in ("nfe", "tokens_per_step"):
                values = [float(s[key]) for s in per_doc.values() if s.get(key) is not None]
                if values and f"{key},none" not in task_results:
                    task_results[f"{key},none"] = sum(values) / len(values)
    return results


def evaluate(model_args: str | dict[str, Any], tasks: Sequence[str], *,
             include_path: str | Sequence[str] | None = None, metadata: dict[str, Any] | None = None,
             include_defaults: bool = True, **kwargs: Any) -> dict[str, Any] | None:
    """``lm_eval.simple_evaluate`` with the ``parallelbench`` model, our task folder on the
    include path and the decoding statistics attached to the logged samples (``log_samples`` is
    on by default). ``include_defaults=False`` skips indexing lm-eval's own task library (much
    faster when only our or your own tasks run). ``kwargs`` go to ``simple_evaluate``
    (``limit``, ``apply_chat_template``...)."""
    register()
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    from .model import take_logs
    from .yamls import write_task_folder

    extra = [include_path] if isinstance(include_path, str) else list(include_path or [])
    manager = TaskManager(include_path=[str(write_task_folder()), *map(str, extra)],
                          include_defaults=include_defaults, metadata=dict(metadata or {}))
    kwargs.setdefault("log_samples", True)
    kwargs.setdefault("bootstrap_iters", 0)
    take_logs()
    results = simple_evaluate(model=MODEL_NAME, model_args=model_args, tasks=list(tasks),
                              task_manager=manager, **kwargs)
    return attach(results)


def check_model_args(argv: Sequence[str]) -> None:
    """``--model parallelbench --model_args ...`` checked before lm-eval starts (unknown backend,
    strategy or setting: one line, before lm-eval's set-up and logging)."""
    from .args import parse_arg_string, parse_model_args

    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    parser.add_argument("--model")
    parser.add_argument("--model_args")
    try:
        known, _ = parser.parse_known_args(list(argv))
    except (argparse.ArgumentError, SystemExit):  # lm-eval's own parser will say what is wrong
        return
    text = (known.model_args or "").strip()
    if known.model != MODEL_NAME or not text:
        return
    if text.startswith("{"):
        try:
            args = json.loads(text)
        except json.JSONDecodeError:
            return
    elif all("=" in part for part in text.split(",") if part.strip()):
        args = parse_arg_string(text)
    else:
        return
    if isinstance(args, dict):
        parse_model_args(args)


def main(argv: Sequence[str]) -> int:
    """``parallelbench lm-eval ARGS``: lm-eval's command line with our model and tasks."""
    check_model_args(argv)
    register()
    import lm_eval.evaluator as evaluator
    import lm_eval.tasks as lm_tasks

    from .model import take_logs
    from .yamls import write_task_folder

    ours = str(write_task_folder())
    base_manager, base_evaluate = lm_tasks.TaskManager, evaluator.simple_evaluate

    class TaskManager(base_manager):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, include_path: Any = None, **kw: Any):
            paths = [include_path] if isinstance(include_path, str) else list(include_path or [])
            super().__init__(*args, include_path=[ours, *paths], **kw)

    def simple_evaluate(*args: Any, **kw: Any) -> Any:
        take_logs()
        return attach(base_evaluate(*args, **kw))

    def usage_error(parser: argparse.ArgumentParser, message: str) -> None:
        # lm-eval's parsers print their usage before the error: one line instead, exit code 2.
        raise ParallelBenchError(f"lm-eval: {message}")

    from . import model as lm_model

    lm_tasks.TaskManager, evaluator.simple_evaluate = TaskManager, simple_evaluate
    lm_model.drop_default_device = not any(a == "--device" or a.startswith("--device=") for a in argv)
    saved, base_error = sys.argv, argparse.ArgumentParser.error
    argparse.ArgumentParser.error = usage_error  # type: ignore[method-assign, assignment]
    try:
        from lm_eval.__main__ import cli_evaluate

        sys.argv = ["lm-eval", *argv]
        cli_evaluate()
    except ParallelBenchError:
        raise
    except ValueError as exc:  # lm-eval's way of naming a user error ("Tasks not found: ...")
        lines = str(exc).strip().splitlines()
        raise ParallelBenchError(f"lm-eval: {lines[0] if lines else type(exc).__name__}") from None
    finally:
        sys.argv, argparse.ArgumentParser.error = saved, base_error  # type: ignore[method-assign]
        lm_model.drop_default_device = False
        lm_tasks.TaskManager, evaluator.simple_evaluate = base_manager, base_evaluate
    return 0
