"""From a task sample to an item-level problem, and from decoded items back to answer text.

Tokens are items: one position per list item (a name, a letter) or per puzzle cell; the text
around the items (brackets, quotes, commas, line breaks) is fixed and added by ``render``.

Conventions (see docs/ideal-dllm.md): ``metric`` takes A(X) = the answers the task's metric
accepts (Shuffle excludes the input order, as ``list_shuffle_score`` does); ``paper`` uses the
paper's Section 4 distributions (Shuffle uniform over all n! orderings, the identity included).
"""
from __future__ import annotations

import functools
import itertools
from typing import Any, Sequence

import numpy as np

from ..errors import ConfigError, DataError
from .problems import FiniteSetProblem, PermutationProblem, Problem

LIST_OPS = (
    "copy", "sort", "reverse", "shuffle", "insert_index", "insert_random",
    "remove_index", "remove_random", "replace_index", "replace_random",
)
ENUMERABLE_OPS = LIST_OPS + ("latin_square", "sudoku")
CONVENTIONS = ("metric", "paper")


def op_from_task_name(name: str) -> str:
    """The operation id of a task name (``waiting_line/shuffle`` -> ``shuffle``)."""
    last = str(name).rstrip("/").split("/")[-1]
    if last.startswith("latin_square"):
        return "latin_square"
    if last.startswith("sudoku"):
        return "sudoku"
    op = last[: -len("_list")] if last.endswith("_list") else last
    if op not in ENUMERABLE_OPS:
        raise ConfigError(
            f"task {name!r} is not enumerable: the ideal model covers list operations "
            f"({', '.join(LIST_OPS)}), latin_square and sudoku, not text writing"
        )
    return op


def parse_list(text: str) -> list[str]:
    """Items of an answer written as L(xs) = ``["a", "b"]``."""
    body = text.strip()
    if not (body.startswith('["') and body.endswith('"]')):
        raise DataError(f"not a list answer: {text[:60]!r}")
    return body[2:-2].split('", "')


def _vocab(*groups: Sequence[str]) -> list[str]:
    seen: dict[str, None] = {}
    for g in groups:
        for x in g:
            seen.setdefault(x, None)
    return list(seen)


def _ids(vocab: list[str], xs: Sequence[str]) -> list[int]:
    return [vocab.index(x) for x in xs]


def list_problem(op: str, items: Sequence[str], word: str | None = None, index: int | None = None,
                 target: Sequence[str] | None = None, convention: str = "metric") -> Problem:
    """The answer set of a list operation on ``items`` (``target`` for copy/sort/reverse)."""
    items = list(items)
    n = len(items)
    if convention not in CONVENTIONS:
        raise ConfigError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    if len(set(items)) != n:
        raise ConfigError("the ideal model needs distinct list items")
    if op == "shuffle":
        return PermutationProblem(items, exclude_identity=(convention == "metric"))
    if op in ("insert_index", "insert_random", "replace_index", "replace_random"):
        if not word or word in items:
            raise ConfigError(f"{op} needs a new word that is not in the list, got {word!r}")
    vocab = _vocab(items, [word] if word else [])
    if op in ("copy", "sort", "reverse"):
        default = {"copy": items, "sort": sorted(items), "reverse": items[::-1]}[op]
        answers = [list(target) if target is not None else default]
    elif op.endswith("_random"):
        if op.startswith("insert"):
            answers = [items[:i] + [word] + items[i:] for i in range(n + 1)]
        elif op.startswith("remove"):
            answers = [items[:i] + items[i + 1:] for i in range(n)]
        else:
            answers = [items[:i] + [word] + items[i + 1:] for i in range(n)]
    elif op.endswith("_index"):
        if index is None or not (0 <= int(index) <= (n if op.startswith("insert") else n - 1)):
            raise ConfigError(f"{op} needs a valid index, got {index!r}")
        i = int(index)
        answers = [{"insert_index": items[:i] + [word] + items[i:],
                    "remove_index": items[:i] + items[i + 1:],
                    "replace_index": items[:i] + [word] + items[i + 1:]}[op]]
    else:
        raise ConfigError(f"unknown list operation {op!r}")
    vocab = _vocab(vocab, *answers)
    return FiniteSetProblem(np.array([_ids(vocab, a) for a in answers]), vocab)


def latin_square_problem(symbols: Sequence[str]) -> Problem:
    """All Latin squares over the symbols (576 for 4 symbols), cells in row-major order."""
    k = len(symbols)
    if k < 2 or len(set(symbols)) != k or k > 5:
        raise ConfigError(f"latin square needs 2..5 distinct symbols, got {list(symbols)}")
    return FiniteSetProblem(_latin_squares(k), list(symbols))


@functools.lru_cache(maxsize=None)
def _latin_squares(k: int) -> np.ndarray:
    """Every k x k Latin square over 0..k-1, row-major (cached: the runner builds one problem
    per sample, and only the symbol names differ between samples)."""
    rows = list(itertools.permutations(range(k)))
    squares: list[list[int]] = []

    def extend(prefix: list[tuple[int, ...]]) -> None:
        if len(prefix) == k:
            squares.append([v for r in prefix for v in r])
            return
        for r in rows:
            if all(r[c] != p[c] for p in prefix for c in range(k)):
                extend(prefix + [r])

    extend([])
    out = np.array(squares, dtype=np.int64)
    out.flags.writeable = False  # shared by every problem built from the cache
    return out


def parse_grid(text: str) -> list[list[int]]:
    """4 lines of 4 digits -> a 4x4 list of ints."""
    lines = [ln.strip() for ln in str(text).strip().splitlines() if ln.strip()]
    if len(lines) != 4 or any(len(ln) != 4 or not ln.isdigit() for ln in lines):
        raise DataError(f"not a 4x4 digit grid: {text!r}")
    return [[int(ch) for ch in ln] for ln in lines]


def sudoku_problem(puzzle: str, solution: str | None = None) -> Problem:
    """The 4x4 Sudoku's solution (the label when given, else the unique completion)."""
    digits = [str(d) for d in range(1, 5)]
    if solution is not None:
        grid = parse_grid(solution)
        return FiniteSetProblem(np.array([[v - 1 for r in grid for v in r]]), digits)
    given = [v for r in parse_grid(puzzle) for v in r]
    sols = []
    for sq in latin_square_problem(digits).answers():
        cells = (sq + 1).tolist()
        boxes_ok = all(
            len({cells[4 * (2 * br + r) + 2 * bc + c] for r in (0, 1) for c in (0, 1)}) == 4
            for br in (0, 1) for bc in (0, 1)
        )
        if boxes_ok and all(g == 0 or g == v for g, v in zip(given, cells)):
            sols.append(sq)
    if not sols:
        raise DataError(f"sudoku has no solution: {puzzle!r}")
    return FiniteSetProblem(np.array(sols), digits)


def render(op: str, values: Sequence[str]) -> str:
    """The answer text of decoded items, in the task's answer format."""
    vals = list(values)
    if op == "latin_square":
        k = int(round(len(vals) ** 0.5))
        return "\n".join(",".join(vals[r * k:(r + 1) * k]) for r in range(k))
    if op == "sudoku":
        return "\n".join("".join(vals[r * 4:(r + 1) * 4]) for r in range(4))
    return '["' + '", "'.join(vals) + '"]'


def problem_from_sample(sample: Any, task: str | None = None, op: str | None = None,
                        convention: str = "metric") -> tuple[Problem, str]:
    """Build the item-level problem of a benchmark ``Sample``; returns ``(problem, op)``."""
    op = op or op_from_task_name(task or "")
    meta = dict(getattr(sample, "metadata", {}) or {})
    label = getattr(sample, "label", None)
    if op == "latin_square":
        symbols = meta.get("symbols") or (label or {}).get("symbols")
        if not symbols:
            raise DataError("latin square sample has no symbols")
        return latin_square_problem(list(symbols)), op
    if op == "sudoku":
        puzzle = meta.get("puzzle")
        solution = label if isinstance(label, str) else None
        if puzzle is None and solution is None:
            raise DataError("sudoku sample has neither puzzle nor solution")
        return sudoku_problem(puzzle or "", solution), op
    items = meta.get("items")
    if items is None and isinstance(label, dict):
        items = label.get("input")
    if items is None:
        raise DataError(f"sample {getattr(sample, 'index', '?')} has no metadata['items']")
    word = meta.get("word") or (label.get("word") if isinstance(label, dict) else None)
    target = parse_list(label) if isinstance(label, str) and op in ("copy", "sort", "reverse") else None
    problem = list_problem(op, list(items), word=word, index=meta.get("index"),
                           target=target, convention=convention)
    return problem, op
