"""A self-contained demo of the ideal dLLM: every enumerable task, the main strategies, k in
{1, 2, 4, all} and three confidence thresholds, scored by each task's own metric.

``run_demo()`` needs no results store (the runner's ``parallelbench demo`` wraps the same backend
in a full sweep with a report); it returns one row per (task, configuration) and prints a table.
"""
from __future__ import annotations

import time
from typing import Any, Sequence

from ..errors import ConfigError

STRATEGIES = ("random", "l2r", "confidence-topk")
KS: tuple[int | str, ...] = (1, 2, 4, "all")
THRESHOLDS = (0.5, 0.7, 0.9)
_LENGTHS = {"waiting_line/": (3, 4, 5, 6), "list_ops/": (6, 8, 10, 12, 14, 16)}


def demo_tasks() -> list[str]:
    """Every registered task the ideal model can answer (Waiting Line n=3..6, list_ops, puzzles)."""
    from ..tasks import list_tasks
    from .builders import op_from_task_name

    out = []
    for info in list_tasks():
        name = getattr(info, "name", info)
        if name.startswith("waiting_line_n15/"):
            continue  # the n = 15 variants repeat the same operations at one length
        try:
            op_from_task_name(name)
        except ConfigError:
            continue
        out.append(name)
    return out


def demo_samples(task: str, per_length: int, seed: int) -> list:
    """``per_length`` samples for each list length of ``task`` (puzzles: 4 * per_length)."""
    from ..tasks import load_task

    for prefix, lengths in _LENGTHS.items():
        if task.startswith(prefix):
            return [s for n in lengths for s in load_task(task, n=n, num_samples=per_length, seed=seed)]
    return list(load_task(task, num_samples=4 * per_length, seed=seed))


def demo_configs() -> list[tuple[str, Any, dict[str, Any]]]:
    """``(strategy, k or threshold label, decoding dict)`` for every demo configuration."""
    out = [(s, k, {"strategy": s, "k": k}) for s in STRATEGIES for k in KS]
    out += [("confidence-threshold", f"thr {g}", {"strategy": "confidence-threshold", "threshold": g})
            for g in THRESHOLDS]
    return out


def run_demo(tasks: Sequence[str] | None = None, per_length: int = 3, seed: int = 0,
             temperature: float = 0.0, show: bool = True) -> list[dict[str, Any]]:
    """Run the ideal model and return rows ``{task, strategy, k, accuracy, tokens_per_step}``
    (accuracy in %, the tasks' loose ``score``; ``k`` is the threshold label for
    confidence-threshold). Prints the table unless ``show`` is false."""
    from ..models import GenerationRequest, get_model
    from ..tasks import load_task

    model = get_model("ideal")
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    for task in tasks or demo_tasks():
        info = load_task(task, num_samples=1)
        samples = demo_samples(task, per_length, seed)
        for strategy, k, decoding in demo_configs():
            reqs = [GenerationRequest(messages=s.messages, max_tokens=info.max_tokens,
                                      decoding=dict(decoding), temperature=temperature,
                                      seed=seed * 100_003 + i, sample=s, task=task)
                    for i, s in enumerate(samples)]
            gens = model.generate(reqs)
            scores = [info.score(g.text, s)["score"] for g, s in zip(gens, samples)]
            rows.append({
                "task": task, "strategy": strategy, "k": k,
                "accuracy": 100.0 * sum(scores) / len(scores),
                "tokens_per_step": sum(g.tokens_per_step for g in gens) / len(gens),
                "samples": len(samples),
            })
    if show:
        print(format_demo(rows))
        print(f"({len(rows)} configurations in {time.perf_counter() - t0:.1f} s)")
    return rows


def format_demo(rows: list[dict[str, Any]]) -> str:
    """Accuracy (%) per task and configuration, then the mean accuracy and tokens per step."""
    configs = list(dict.fromkeys((r["strategy"], r["k"]) for r in rows))
    short = {"random": "rand", "l2r": "l2r", "confidence-topk": "conf", "confidence-threshold": ""}
    heads = [f"{short[s]} {k}".strip() for s, k in configs]
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    width = max(len(t) for t in tasks + ["mean tokens/step"])
    cell = {(r["task"], r["strategy"], r["k"]): r for r in rows}
    lines = [" " * width + " " + " ".join(f"{h:>8}" for h in heads)]
    for t in tasks:
        lines.append(f"{t:<{width}} " + " ".join(f"{cell[(t, s, k)]['accuracy']:8.0f}" for s, k in configs))
    mean = [[r for r in rows if (r["strategy"], r["k"]) == c] for c in configs]
    lines.append(f"{'mean accuracy %':<{width}} " + " ".join(
        f"{sum(r['accuracy'] for r in m) / len(m):8.1f}" for m in mean))
    lines.append(f"{'mean tokens/step':<{width}} " + " ".join(
        f"{sum(r['tokens_per_step'] for r in m) / len(m):8.2f}" for m in mean))
    return "\n".join(lines)
