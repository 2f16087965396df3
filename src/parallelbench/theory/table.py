"""The ideal-model table of docs/ideal-dllm.md (generated, never edited by hand).

Regenerate with ``parallelbench theory --table docs/ideal-dllm.md`` (or
``python benchmarks/ideal_table.py``): the block between the two marker lines is rewritten.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from ..errors import ConfigError
from .accuracy import ideal_accuracy
from .analysis import decode_config, task_problem
from .information import total_correlation

START = "<!-- ideal-table:start -->"
END = "<!-- ideal-table:end -->"
LIST_TASKS = tuple(f"waiting_line/{op}" for op in (
    "copy", "sort", "reverse", "shuffle", "insert_index", "insert_random", "remove_index",
    "remove_random", "replace_index", "replace_random",
)) + tuple(f"list_ops/{op}" for op in ("copy", "shuffle", "replace_index", "replace_random"))
PUZZLES = ("puzzle/latin_square_n4", "puzzle/sudoku_n4_12")
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
KS = (1, 2, "all")


def _cell(r) -> str:
    # Round away float noise first so equal exact values (e.g. 0.3125) print alike.
    pct = round(100 * r.accuracy, 6)
    return f"{pct:.1f}" if r.method == "exact" else f"~{pct:.0f}"


def table_rows(ns: Sequence[int] = (3, 4, 5, 6), runs: int = 1000, seed: int = 0,
               tasks: Sequence[str] | None = None) -> list[list[str]]:
    """One row per (task, n): C(Y|X), then accuracies (%) for random / confidence / l2r top-k
    at k = 1, 2, all, then the confidence threshold grid. ``~`` marks Monte Carlo values."""
    rows = []
    for task in tasks or LIST_TASKS + PUZZLES:
        sizes = (4,) if task in PUZZLES else ns
        for n in sizes:
            problem, _op, conv = task_problem(task, n)
            row = [task, str(n) if task not in PUZZLES else "4x4", conv, f"{total_correlation(problem):.3f}"]
            for strategy in ("random", "confidence-topk", "l2r"):
                for k in KS:
                    cfg = decode_config(strategy, k, None, 0.0, problem.length)
                    row.append(_cell(ideal_accuracy(problem, cfg, runs=runs, seed=seed)))
            for g in THRESHOLDS:
                cfg = decode_config("confidence-threshold", None, g, 0.0, problem.length)
                row.append(_cell(ideal_accuracy(problem, cfg, runs=runs, seed=seed)))
            rows.append(row)
    return rows


def build_table(**kwargs) -> str:
    """The Markdown table (header + rows)."""
    head = ["task", "n", "A(X)", "C(Y|X) bits"]
    head += [f"{s} k={k}" for s in ("rand", "conf", "l2r") for k in ("1", "2", "all")]
    head += [f"thr {g}" for g in THRESHOLDS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in table_rows(**kwargs)]
    return "\n".join(lines)


def write_table(path: str | None = None, **kwargs) -> str:
    """Print the table, or rewrite the marked block of ``path`` with it."""
    if path is None:
        table = build_table(**kwargs)
        sys.stdout.write(table + "\n")
        return table
    from ..userfiles import output_file, read_text

    p = output_file(path, "table file")
    text = read_text(p, "table file") if p.exists() else ""
    # Check the target before the (minutes-long) computation, not after it.
    if START not in text or END not in text:
        raise ConfigError(f"{path} has no '{START}' ... '{END}' block to rewrite")
    table = build_table(**kwargs)
    before, rest = text.split(START, 1)
    _old, after = rest.split(END, 1)
    p.write_text(f"{before}{START}\n{table}\n{END}{after}", encoding="utf-8")
    print(f"rewrote the table in {path}")
    return table
