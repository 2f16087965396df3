"""Pretrained vs fine-tuned (paper Figure 8(b)): one sweep run on both models, one table.

The training config's ``evaluate`` mapping is a sweep (the keys of ``parallelbench run``'s YAML,
without ``model``). It is run on the base model into ``<out>/eval/pretrained`` and on the
fine-tuned model into ``<out>/eval/fine-tuned`` (results stores: ``parallelbench report`` works
on each), and ``<out>/eval/comparison.md`` tabulates accuracy (%) and tokens per step per task,
strategy and setting for both.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError


def comparison_table(frames: dict[str, Any]) -> Any:
    """Accuracy and tokens per step of each model, side by side, from runner summaries."""
    import pandas as pd

    parts = []
    for label, summary in frames.items():
        part = summary[["task", "strategy", "label", "score", "tokens_per_step"]].copy()
        part.columns = ["task", "strategy", "setting", f"{label} %", f"{label} tok/step"]
        parts.append(part.set_index(["task", "strategy", "setting"]))
    return pd.concat(parts, axis=1).reset_index()


def _sweep_spec(sweep: dict[str, Any], model: str, model_options: dict[str, Any], label: str) -> Any:
    from ..runner.spec import spec_from_dict

    if "model" in sweep:
        raise ConfigError("evaluate: leave 'model' out (the base and the fine-tuned model run)")
    if not isinstance(sweep.get("model_options") or {}, dict):
        raise ConfigError("evaluate: model_options must be a mapping")
    return spec_from_dict({**sweep, "model": model,
                           "model_options": {**model_options, **(sweep.get("model_options") or {})},
                           "name": f"{sweep.get('name', 'finetune')}-{label}"}, where="evaluate")


def check_sweep(sweep: dict[str, Any], model: str) -> None:
    """The ``evaluate`` sweep's keys, tasks, strategies and grids (``ConfigError``), checked
    before training so that a typo does not surface after it."""
    from ..runner.expand import TaskSource, expand_units

    spec = _sweep_spec(sweep, model, {}, "check")
    expand_units(spec, TaskSource(spec))


def evaluate_models(models: dict[str, str], sweep: dict[str, Any], model_options: dict[str, Any],
                    out: str | Path, progress: bool = True) -> Any:
    """Run ``sweep`` on every ``{label: model spec}`` into ``out/<label>``; returns the table
    and writes ``out/comparison.md``."""
    from ..report.render import markdown_table
    from ..runner.execute import run_sweep

    out = Path(out)
    summaries = {}
    for label, model in models.items():
        spec = _sweep_spec(sweep, model, model_options, label)
        summaries[label] = run_sweep(spec, out / label, progress=progress).summary
    table = comparison_table(summaries)
    (out / "comparison.md").write_text(
        "# Pretrained vs fine-tuned (paper Figure 8(b))\n\n" + markdown_table(table), "utf-8")
    return table
