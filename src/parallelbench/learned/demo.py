"""``parallelbench demo --model learned``: train (or reuse) the small learned dLLM, sweep
strategies x k on the list tasks it learned, and set its accuracy next to the ideal model's.

The sweep runs through the normal pipeline (results store, report) with the paper's Section 4
protocol: the answer skeleton is given (infilling) and ``k`` counts items per step, so the
learned model and the ideal model (``parallelbench.theory``: exact enumeration, Monte Carlo with
a 95% interval where the tree is too large; the ``metric`` convention, i.e. the distribution of
the answers the metric accepts, which is what the training data hold) are compared on the same
footing. The report gets a "Learned vs ideal" section.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .recipe import DEMO_RECIPE, Recipe, ensure_model

EVAL_LENGTHS = (4, 6, 8)
STRATEGIES = ("random", "confidence-topk")
KS: tuple[Any, ...] = (1, 2, 4, "all")


def demo_config(model_dir: str | Path, recipe: Recipe, limit: int) -> dict[str, Any]:
    """The sweep: every learned op at the evaluation lengths, infilling, k in {1, 2, 4, all}."""
    lengths = [n for n in EVAL_LENGTHS if n in recipe.lengths] or list(recipe.lengths)
    return {
        "name": "demo-learned", "model": f"learned:{model_dir}",
        "model_options": {"infill": True, "threads": recipe.threads},
        "tasks": [f"list_ops/{op}_n{n}" for op in recipe.ops for n in lengths],
        "limit": limit, "seed": 42, "batch_size": 64, "max_tokens": recipe.gen_length,
        "strategies": [{"strategy": list(STRATEGIES), "k": list(KS)}],
    }


def ideal_accuracy_for(task: str, strategy: str, k: Any) -> tuple[float, str]:
    """(accuracy in %, method) of the ideal model on ``list_ops/<op>_n<n>`` at ``k`` items/step."""
    from ..theory import decode_config, ideal_accuracy, task_problem

    group, _, stem = task.partition("/")
    op, _, n = stem.rpartition("_n")
    problem, _, _ = task_problem(f"{group}/{op}", int(n), convention="metric")
    cfg = decode_config(strategy, k, None, 0.0, problem.length)
    result = ideal_accuracy(problem, cfg, method="auto", runs=2000, seed=0)
    return 100.0 * result.accuracy, result.method


def comparison(summary: Any) -> Any:
    """Learned vs ideal accuracy per task, strategy and k, from the runner's summary."""
    import pandas as pd

    rows = []
    for rec in summary.itertuples(index=False):
        k = str(rec.label).split("=")[-1]
        ideal, method = ideal_accuracy_for(rec.task, rec.strategy, "all" if k == "all" else
                                           int(k) if k.isdigit() else k)
        rows.append({"task": rec.task, "strategy": rec.strategy, "k": k,
                     "learned %": rec.score, "ideal %": ideal, "gap": ideal - rec.score,
                     "items/step": rec.tokens_per_step, "ideal method": method})
    return pd.DataFrame(rows)


def pattern_lines(table: Any) -> list[str]:
    """Does the learned model show the paper's pattern? Mean accuracy per op at k=1 and k=all."""
    lines = []
    for op in ("copy", "replace_index", "reverse", "replace_random", "shuffle"):
        part = table[table["task"].str.startswith(f"list_ops/{op}_n")
                     & (table["strategy"] == "confidence-topk")]
        if part.empty:
            continue
        one, full = part[part["k"] == "1"], part[part["k"] == str(KS[-1])]
        lines.append(f"{op:15} k=1: learned {one['learned %'].mean():5.1f} ideal "
                     f"{one['ideal %'].mean():5.1f} | k=all: learned {full['learned %'].mean():5.1f}"
                     f" ideal {full['ideal %'].mean():5.1f}")
    return lines


def run_learned_demo(out: str | Path = "demo-out-learned", limit: int | None = None,
                     progress: bool = True, recipe: Recipe | None = None) -> dict[str, Any]:
    """Train or reuse the model (``recipe``, default ``DEMO_RECIPE``), run the sweep into
    ``out/results``, report into ``out/report``; print the comparison. Returns ``{"table",
    "manifest", "report"}``."""
    import pandas as pd

    from ..report import build_report
    from ..runner.execute import run_sweep
    from ..runner.spec import spec_from_dict
    from ..train.manifest import read_manifest

    recipe = recipe or DEMO_RECIPE
    model_dir = ensure_model(recipe, progress=progress)
    manifest = read_manifest(model_dir.parent)
    spec = spec_from_dict(demo_config(model_dir, recipe, limit or 32), where="learned demo")
    out = Path(out)
    outcome = run_sweep(spec, out / "results", progress=progress)
    table = comparison(outcome.summary)
    loss = manifest["held_out_loss"]
    intro = (f"Learned model: {manifest['model']['parameters']:,} parameters, "
             f"{manifest['steps']} steps in {manifest['seconds']:.0f} s on "
             f"{manifest['versions']['threads']} threads; held-out loss {loss['before']:.3f} -> "
             f"{loss['after']:.3f}; cached at {model_dir}")
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(intro)
        print(table.drop(columns=["ideal method"]).to_string(
            index=False, float_format=lambda x: f"{x:.1f}"))
        print("\nThe paper's pattern (confidence-topk, mean over lengths):")
        print("\n".join(pattern_lines(table)))
    paths = build_report(out / "results", out / "report", extra_sections=[
        ("Learned vs ideal model (items per step, infilling; ideal: exact or Monte Carlo)",
         table)], note=intro)
    print(f"\nreport: {paths[1]}")
    return {"table": table, "manifest": manifest, "report": paths[1]}
