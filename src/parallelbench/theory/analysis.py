"""One theory report for a task at size n: C(Y|X), L_T, closed forms and ideal accuracy."""
from __future__ import annotations

import math
import re
from typing import Any

from ..errors import ConfigError
from ..ideal.builders import latin_square_problem, list_problem, op_from_task_name, sudoku_problem
from ..ideal.problems import PermutationProblem, Problem
from . import closed_forms as cf
from .accuracy import ideal_accuracy
from .enumerate import MAX_WORK, STRATEGIES, canonical_strategy
from .information import optimal_bound, step_bound, total_correlation

_SOLVED_SUDOKU = "1234\n3412\n2143\n4321"
FIXED = ("random", "l2r", "confidence-topk", "topk-margin", "entropy-topk")


def default_convention(task: str) -> str:
    """``paper`` for the Section 4 synthetic tasks (``list_ops/*``), ``metric`` otherwise."""
    return "paper" if str(task).startswith("list_ops") else "metric"


_SIZE_IN_NAME = re.compile(r"_n(\d+)")


def resolve_n(task: str, n: int | None) -> int:
    """The size the analysis uses: ``n`` input items for list tasks (default 6); the side of
    the square for Latin squares, read from the name (``latin_square_n5`` = 5x5) or ``n``
    (default 4); 4 for the 4x4 Sudoku. A given ``n`` that contradicts the name is an error."""
    op = op_from_task_name(task)
    if op == "sudoku":
        if n not in (None, 4):
            raise ConfigError(f"{task} is a 4x4 Sudoku; --n {n} does not apply")
        return 4
    if op == "latin_square":
        named = _SIZE_IN_NAME.search(str(task).rsplit("/", 1)[-1])
        size = int(named[1]) if named else (4 if n is None else n)
        if named and n is not None and n != size:
            raise ConfigError(f"{task} is a {size}x{size} Latin square; --n {n} contradicts it")
        if not 2 <= size <= 5:
            raise ConfigError(f"Latin squares of side 2..5 can be analysed, not {size}")
        return size
    return 6 if n is None else n


def task_problem(task: str, n: int | None, convention: str | None = None) -> tuple[Problem, str, str]:
    """A representative problem of ``task`` with ``n`` input items (the answer structure does
    not depend on the item strings); for puzzles ``n`` is the side (see ``resolve_n``)."""
    op = op_from_task_name(task)
    convention = convention or default_convention(task)
    n = resolve_n(task, n)
    if op == "latin_square":
        return latin_square_problem([chr(ord("A") + i) for i in range(n)]), op, convention
    if op == "sudoku":
        return sudoku_problem("", _SOLVED_SUDOKU), op, convention
    if n < 2 or n > 26:
        raise ConfigError(f"n must be in 2..26 for list tasks, got {n}")
    items = [chr(ord("A") + i) for i in range(n)]
    problem = list_problem(op, items, word="*", index=n // 2, convention=convention)
    return problem, op, convention


def decode_config(strategy: str, k: int | str | None, threshold: float | None,
                  temperature: float, length: int) -> dict[str, Any]:
    """Item-level sampler settings (``k='all'`` = every item in one step)."""
    strategy = canonical_strategy(strategy)
    if strategy not in STRATEGIES:
        raise ConfigError(f"the ideal-model analysis supports {', '.join(STRATEGIES)}, not {strategy!r}")
    if not temperature >= 0:
        raise ConfigError(f"temperature must be >= 0, got {temperature}")
    cfg: dict[str, Any] = {"strategy": strategy, "temperature": float(temperature)}
    if strategy == "confidence-threshold":
        cfg["threshold"] = 0.9 if threshold is None else float(threshold)
        if not 0.0 < cfg["threshold"] <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1], got {threshold}")
    else:
        if k is None:
            raise ConfigError(f"strategy {strategy!r} needs --k")
        kk = length if k in ("all", "n") else int(k)
        if kk < 1:
            raise ConfigError(f"k must be >= 1, got {k}")
        cfg["k"] = min(kk, length)
    return cfg


def analyse(task: str, n: int | None, strategy: str = "confidence-topk", k: int | str | None = 1,
            threshold: float | None = None, temperature: float = 0.0,
            convention: str | None = None, method: str = "auto", runs: int = 2000,
            seed: int = 0, optimal_limit: int = 8, max_work: int | None = None) -> dict[str, Any]:
    """Everything ``parallelbench theory`` prints, as a JSON-ready dict (bits for entropies).
    ``max_work``: exact-enumeration budget (``None`` = ``enumerate.MAX_WORK``)."""
    n = resolve_n(task, n)
    problem, op, convention = task_problem(task, n, convention)
    G = problem.length
    cfg = decode_config(strategy, k, threshold, temperature, G)
    out: dict[str, Any] = {"task": task, "op": op, "n": n, "length": G, "convention": convention,
                           "decoding": cfg, "num_answers": problem.num_answers()}
    out["C"] = total_correlation(problem)
    paper = convention == "paper" or op not in ("shuffle",)
    out["C_closed_form"] = cf.total_correlation(op, n) if paper else None
    sizes = None
    if cfg["strategy"] in FIXED:
        sizes = cf.schedule(G, cfg["k"])
        steps = len(sizes)
        # A fixed partition exists for l2r; for position-symmetric strategies on Shuffle every
        # partition with these sizes has the same L_T.
        if cfg["strategy"] == "l2r" or isinstance(problem, PermutationProblem):
            parts, start = [], 0
            for s in sizes:
                parts.append(list(range(start, start + s)))
                start += s
            out["bound"] = step_bound(problem, parts)
        else:
            out["bound"] = None
        out["bound_closed_form"] = cf.shuffle_bound(n, sizes) if op == "shuffle" and paper else None
        try:
            value, parts = optimal_bound(problem, steps, max_positions=optimal_limit)
            out["optimal_bound"], out["optimal_partition"] = value, parts
        except ValueError:
            out["optimal_bound"], out["optimal_partition"] = None, None
    acc = ideal_accuracy(problem, cfg, method=method, runs=runs, seed=seed,
                         max_work=MAX_WORK if max_work is None else int(max_work))
    out["accuracy"] = acc.to_dict()
    closed = None
    if paper:
        closed = cf.closed_form_accuracy(op, n, cfg["strategy"], cfg.get("k"), cfg.get("threshold"),
                                         float(temperature))
    out["accuracy_closed_form"] = closed
    out["steps"] = len(sizes) if sizes else None
    return out


def format_report(r: dict[str, Any]) -> str:
    """Human-readable lines for one ``analyse`` result."""
    def num(x):
        return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.6g}"

    acc = r["accuracy"]
    lines = [
        f"task {r['task']} (op {r['op']}, n={r['n']}, {r['length']} positions, "
        f"{r['num_answers']} valid answers, {r['convention']} convention)",
        f"  decoding: {r['decoding']}",
        f"  C(Y|X) = {num(r['C'])} bits (closed form {num(r['C_closed_form'])})",
    ]
    if "bound" in r:
        lines.append(f"  L_T for this strategy's partition ({r['steps']} steps) = {num(r['bound'])} bits "
                     f"(closed form {num(r.get('bound_closed_form'))}); optimal L*_T = "
                     f"{num(r.get('optimal_bound'))}")
    if acc["method"] == "exact":
        lines.append(f"  ideal accuracy = {acc['accuracy']:.6f} (exact enumeration)")
    else:
        lines.append(f"  ideal accuracy = {acc['accuracy']:.4f} (Monte Carlo, {acc['runs']} runs, "
                     f"95% CI [{acc['low']:.4f}, {acc['high']:.4f}])")
    lines.append(f"  closed-form accuracy = {num(r['accuracy_closed_form'])}")
    return "\n".join(lines)
