"""The paper's Figure 2 for the ideal model: accuracy against n for k in {1, 2, n}, and against
the confidence threshold."""
from __future__ import annotations

from typing import Sequence

from .accuracy import ideal_accuracy
from .analysis import decode_config, task_problem

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def sweep(task: str, ns: Sequence[int], strategy: str = "random", temperature: float = 0.0,
          convention: str | None = None, runs: int = 2000, seed: int = 0) -> dict:
    """``{"k": {label: [(n, accuracy, low, high)]}, "threshold": [(gamma, accuracy, low, high)]}``."""
    curves: dict[str, list] = {"k=1": [], "k=2": [], "k=n": []}
    for n in ns:
        problem, _op, _conv = task_problem(task, n, convention)
        for label, k in (("k=1", 1), ("k=2", 2), ("k=n", "all")):
            cfg = decode_config(strategy, k, None, temperature, problem.length)
            r = ideal_accuracy(problem, cfg, runs=runs, seed=seed)
            curves[label].append((n, r.accuracy, r.low, r.high))
    problem, _op, _conv = task_problem(task, max(ns), convention)
    thr = []
    for g in THRESHOLDS:
        r = ideal_accuracy(problem, decode_config("confidence-threshold", None, g, temperature,
                                                  problem.length), runs=runs, seed=seed)
        thr.append((g, r.accuracy, r.low, r.high))
    return {"k": curves, "threshold": thr, "threshold_n": max(ns)}


def plot_sweep(task: str, ns: Sequence[int], path: str, **kwargs) -> dict:
    """Compute ``sweep`` and draw it to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = sweep(task, ns, **kwargs)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    for label, pts in data["k"].items():
        xs = [p[0] for p in pts]
        a1.plot(xs, [p[1] for p in pts], marker="o", label=label)
        a1.fill_between(xs, [p[2] for p in pts], [p[3] for p in pts], alpha=0.2)
    a1.set(xlabel="n (items)", ylabel="ideal accuracy", title=f"{task}: top-k", ylim=(-0.02, 1.02))
    a1.legend()
    g = data["threshold"]
    a2.plot([p[0] for p in g], [p[1] for p in g], marker="o")
    a2.fill_between([p[0] for p in g], [p[2] for p in g], [p[3] for p in g], alpha=0.2)
    a2.set(xlabel="confidence threshold", ylabel="ideal accuracy",
           title=f"{task}: threshold (n={data['threshold_n']})", ylim=(-0.02, 1.02))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return data
