"""Puzzle generators: Latin squares (SPEC 4.3 procedure) and 4x4 Sudoku with a unique solution,
and a reader for Dream's 4x4 Sudoku set (the reference's source of ``sudoku_n4_12``).

All return records in the official layout (``input``/``answer``/``metadata``), with one-shot
examples drawn from a seeded rng after the test items, as the reference does.
"""
from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError

#: Latin-square symbol alphabet: ``A``..``Z`` then ``0``..``9`` (36 symbols).
SYMBOLS = list(string.ascii_uppercase + string.digits)


def latin_square_record(rng: random.Random, size: int) -> dict[str, Any]:
    """One Latin square: cyclic shifts of random symbols, rows shuffled, columns shuffled."""
    sym = rng.sample(SYMBOLS, size)
    rows = [sym[i:] + sym[:i] for i in range(size)]
    rng.shuffle(rows)
    cols = [list(c) for c in zip(*rows)]
    rng.shuffle(cols)
    rows = [list(r) for r in zip(*cols)]
    return {
        "input": {"size": size, "symbols": "[" + ", ".join(sym) + "]"},
        "answer": {"symbols": sym, "example": "\n".join(",".join(r) for r in rows)},
        "metadata": {"length": size},
    }


def generate_latin_records(num_samples: int, seed: int, size: int = 4,
                           shots: int = 1) -> list[dict[str, Any]]:
    """``num_samples`` Latin squares, then ``shots`` examples each from the same rng."""
    if not 2 <= size <= len(SYMBOLS):
        raise ConfigError(f"Latin square size must be in 2..{len(SYMBOLS)}, got {size}")
    rng = random.Random(seed)
    # No length draw here: the reference draws none for Latin squares (checked on the file).
    records = [latin_square_record(rng, size) for _ in range(num_samples)]
    extras = [latin_square_record(rng, size) for _ in range(num_samples * shots)]
    for i, record in enumerate(records):
        if shots:
            record["input"]["icl_examples"] = extras[i * shots:(i + 1) * shots]
    return records


def is_latin_square(rows: list[list[str]], symbols: list[str]) -> bool:
    """True iff every row and every column holds each symbol exactly once."""
    want = sorted(symbols)
    size = len(symbols)
    return (len(rows) == size and all(sorted(r) == want for r in rows)
            and all(sorted(c) == want for c in zip(*rows)))


# ---- Sudoku (4x4, digits 1-4, 2x2 boxes) -------------------------------------------------------

def _candidates(grid: list[int], pos: int) -> list[int]:
    r, c = divmod(pos, 4)
    box = [(r // 2 * 2 + i) * 4 + c // 2 * 2 + j for i in range(2) for j in range(2)]
    used = {grid[r * 4 + k] for k in range(4)} | {grid[k * 4 + c] for k in range(4)}
    used |= {grid[p] for p in box}
    return [d for d in range(1, 5) if d not in used]


def solve_sudoku(grid: list[int], limit: int = 2) -> list[list[int]]:
    """Up to ``limit`` solutions of a 4x4 grid (16 ints, 0 = blank), by backtracking."""
    solutions: list[list[int]] = []
    work = list(grid)

    def search() -> None:
        if len(solutions) >= limit:
            return
        if 0 not in work:
            solutions.append(list(work))
            return
        pos = work.index(0)
        for d in _candidates(work, pos):
            work[pos] = d
            search()
            work[pos] = 0

    search()
    return solutions


def grid_to_text(grid: list[int]) -> str:
    """4 lines of 4 digits (the official ``sudoku`` / answer format)."""
    return "\n".join("".join(str(d) for d in grid[r * 4:r * 4 + 4]) for r in range(4))


def text_to_grid(text: str) -> list[int]:
    return [int(ch) for ch in text if ch.isdigit()]


def _random_solution(rng: random.Random) -> list[int]:
    grid = [0] * 16

    def fill(pos: int) -> bool:
        if pos == 16:
            return True
        digits = _candidates(grid, pos)
        rng.shuffle(digits)
        for d in digits:
            grid[pos] = d
            if fill(pos + 1):
                return True
        grid[pos] = 0
        return False

    fill(0)
    return grid


def sudoku_record(rng: random.Random, givens: int = 12) -> dict[str, Any]:
    """A 4x4 puzzle with ``givens`` digits whose solution is unique (checked by the solver)."""
    if not 4 <= givens <= 16:
        raise ConfigError(f"a 4x4 Sudoku with a unique solution needs 4..16 givens, got {givens}")
    solution = _random_solution(rng)
    while True:
        blanks = set(rng.sample(range(16), 16 - givens))
        puzzle = [0 if i in blanks else d for i, d in enumerate(solution)]
        if len(solve_sudoku(puzzle)) == 1:
            break
    return {"input": {"sudoku": grid_to_text(puzzle)}, "answer": grid_to_text(solution),
            "metadata": {"length": givens, "source": "generated"}}


def generate_sudoku_records(num_samples: int, seed: int, givens: int = 12,
                            shots: int = 1) -> list[dict[str, Any]]:
    """Distinct puzzles; each one-shot example is another puzzle (never the query itself)."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    while len(records) < num_samples:
        record = sudoku_record(rng, givens)
        if record["input"]["sudoku"] not in seen:
            seen.add(record["input"]["sudoku"])
            records.append(record)
    for record in records:
        examples = []
        while len(examples) < shots:
            example = sudoku_record(rng, givens)
            if example["input"]["sudoku"] != record["input"]["sudoku"]:
                examples.append({"input": example["input"], "answer": example["answer"]})
        if shots:
            record["input"]["icl_examples"] = examples
    return records


# ---- Dream's 4x4 Sudoku set (the reference's source of sudoku_n4_12) -----------------------------

#: Environment variable naming Dream's Sudoku set: a ``sudoku_4x4_12.jsonl`` file or a folder
#: holding it (also as ``dream_sudoku/`` or ``src/dream_sudoku/``, the official layout).
DREAM_SUDOKU_ENV = "PARALLELBENCH_DREAM_SUDOKU"


def find_dream_sudoku(path: str | Path, givens: int = 12) -> Path:
    """The ``sudoku_4x4_<givens>.jsonl`` file at or under ``path`` (DataError if absent)."""
    root = Path(path).expanduser()
    name = f"sudoku_4x4_{givens}.jsonl"
    for candidate in (root, root / name, root / "dream_sudoku" / name, root / "src" / "dream_sudoku" / name):
        if candidate.is_file():
            return candidate
    raise DataError(f"Dream Sudoku set not found: no {name} at {root} (nor under dream_sudoku/ or "
                    f"src/dream_sudoku/)")


def _grid(text: Any, where: str, blanks: bool) -> list[int]:
    lines = text.split("\n") if isinstance(text, str) else []
    ok = len(lines) == 4 and all(len(line) == 4 and set(line) <= set("01234"[not blanks:]) for line in lines)
    if not ok:
        raise DataError(f"{where}: expected 4 lines of 4 digits{' (0 = blank)' if blanks else ''}, "
                        f"got {text!r}")
    return text_to_grid(text)


def dream_sudoku_records(path: str | Path, seed: int, shots: int = 1) -> list[dict[str, Any]]:
    """Every puzzle of Dream's Sudoku file, in file order, in the official record layout. Each
    one-shot example is another puzzle of the file drawn with ``seed`` (the reference's pairing
    is not reproducible, SPEC 4.3). Checks every line (DataError naming file and line)."""
    from ..userfiles import read_lines

    file = Path(path)
    puzzles: list[tuple[str, str]] = []
    for number, line in enumerate(read_lines(file, "Dream Sudoku file"), 1):
        if not line.strip():
            continue
        where = f"{file}:{number}"
        try:
            row = json.loads(line)
        except ValueError:
            raise DataError(f"{where}: not a JSON line") from None
        if not isinstance(row, dict):
            raise DataError(f"{where}: expected an object with 'input' and 'output'")
        puzzle, solution = _grid(row.get("input"), where, True), _grid(row.get("output"), where, False)
        if any(p and p != s for p, s in zip(puzzle, solution)) or solution not in solve_sudoku(solution):
            raise DataError(f"{where}: 'output' is not a solution of 'input'")
        puzzles.append((row["input"], row["output"]))
    if len(puzzles) < 2:
        raise DataError(f"{file}: needs at least 2 puzzles, found {len(puzzles)}")
    rng = random.Random(seed)
    records = []
    for i, (puzzle, solution) in enumerate(puzzles):
        record: dict[str, Any] = {"input": {"sudoku": puzzle}, "answer": solution,
                                  "metadata": {"length": 16 - puzzle.count("0"),
                                               "source": f"dream_sudoku/{file.name}"}}
        examples = []
        for _ in range(shots):
            j = rng.randrange(len(puzzles) - 1)
            j += j >= i  # never the query itself
            examples.append({"input": {"sudoku": puzzles[j][0]}, "answer": puzzles[j][1]})
        if shots:
            record["input"]["icl_examples"] = examples
        records.append(record)
    return records
