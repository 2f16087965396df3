"""Regenerate the ideal-model table in docs/ideal-dllm.md.

Same as ``parallelbench theory --table docs/ideal-dllm.md``: C(Y|X) and the ideal dLLM's
accuracy (exact enumeration, or Monte Carlo marked ``~``) for every enumerable task at
n = 3..6 under random / confidence / l2r top-k (k = 1, 2, all) and confidence thresholds
0.5..1.0. About 2-3 minutes on 2 cores. Usage::

    python benchmarks/ideal_table.py                 # rewrite docs/ideal-dllm.md
    python benchmarks/ideal_table.py --print         # print the table only
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from parallelbench.errors import ParallelBenchError
from parallelbench.theory.table import write_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "ideal-dllm.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", default=str(DOC), help="Markdown file with the table markers")
    parser.add_argument("--print", action="store_true", help="print the table instead of rewriting")
    parser.add_argument("--runs", type=int, default=1000, help="Monte Carlo runs where exact is too big")
    args = parser.parse_args(argv)
    try:
        write_table(None if args.print else args.doc, runs=args.runs)
    except ParallelBenchError as exc:
        print(f"ideal_table: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
