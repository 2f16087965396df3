"""``parallelbench theory``: C(Y|X), L_T, closed forms and the ideal model's accuracy."""
from __future__ import annotations

import argparse
import json

from ..errors import ConfigError


def _parse_n(text: str) -> list[int]:
    try:
        if ".." in text:
            lo, hi = (int(x) for x in text.split("..", 1))
            if lo > hi:
                raise ValueError
            return list(range(lo, hi + 1))
        return [int(text)]
    except ValueError:
        raise ConfigError(f"--n must be an integer or a range like 3..16, got {text!r}") from None


def _parse_k(text: str | None):
    if text is None or text in ("all", "n"):
        return text
    try:
        return int(text)
    except ValueError:
        raise ConfigError(f"--k must be an integer or 'all', got {text!r}") from None


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register the ``theory`` command."""
    p = sub.add_parser(
        "theory",
        help="information-theoretic analysis and the ideal dLLM's accuracy",
        description="C(Y|X), the T-step bound L_T, Section 4 closed forms and the exact (or Monte "
                    "Carlo) accuracy of the ideal dLLM on an enumerable task.",
    )
    p.add_argument("--task", help="enumerable task, e.g. list_ops/shuffle, waiting_line/replace_random")
    p.add_argument("--n", default=None, help="number of input items, or a range 3..16 (default 6); "
                   "for puzzle/latin_square the side of the square (default: from the name)")
    p.add_argument("--strategy", default=None, help="decoding strategy (default confidence-topk, "
                   "or confidence-threshold when --threshold is given)")
    p.add_argument("--k", default=None, help="items per step (an integer or 'all'; default 1)")
    p.add_argument("--threshold", type=float, default=None, help="confidence threshold gamma")
    p.add_argument("--temperature", type=float, default=0.0, help="0 = greedy, 1 = sample the marginals")
    p.add_argument("--convention", choices=("metric", "paper"), default=None,
                   help="answer set: what the metric accepts, or the paper's (default: paper for "
                        "list_ops/*, metric otherwise)")
    p.add_argument("--method", choices=("auto", "exact", "monte-carlo"), default="auto")
    p.add_argument("--runs", type=int, default=2000, help="Monte Carlo runs (default 2000)")
    p.add_argument("--max-work", type=int, default=None, metavar="N",
                   help="exact enumeration budget: decoding-tree outcomes walked before falling "
                        "back to Monte Carlo (default 60000, about 10 s)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print JSON lines instead of text")
    p.add_argument("--plot", metavar="FILE.png", help="plot accuracy against n for k in {1, 2, n} "
                   "and against the threshold")
    p.add_argument("--table", metavar="FILE.md", nargs="?", const="-",
                   help="print the ideal-model table of docs/ideal-dllm.md (or rewrite it in FILE.md)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .analysis import analyse, format_report

    if args.table is not None:
        from .table import write_table

        write_table(None if args.table == "-" else args.table)
        return 0
    if not args.task:
        raise ConfigError("--task is required (e.g. --task list_ops/shuffle)")
    if args.runs < 1:
        raise ConfigError(f"--runs must be >= 1, got {args.runs}")
    if args.max_work is not None and args.max_work < 1:
        raise ConfigError(f"--max-work must be >= 1, got {args.max_work}")
    ns = [None] if args.n is None else _parse_n(args.n)
    k = _parse_k(args.k)
    strategy = args.strategy or ("confidence-threshold" if args.threshold is not None else "confidence-topk")
    if strategy != "confidence-threshold" and k is None:
        k = 1
    if args.plot:
        from ..userfiles import output_file
        from .plot import plot_sweep

        output_file(args.plot, "--plot file")  # before minutes of computation, not after
        if ns == [None]:
            ns = [6]
        plot_sweep(args.task, ns, args.plot, strategy=strategy, temperature=args.temperature,
                   convention=args.convention, runs=args.runs, seed=args.seed)
        print(f"wrote {args.plot}")
        return 0
    for n in ns:
        r = analyse(args.task, n, strategy=strategy, k=k, threshold=args.threshold,
                    temperature=args.temperature, convention=args.convention, method=args.method,
                    runs=args.runs, seed=args.seed, max_work=args.max_work)
        print(json.dumps(r) if args.json else format_report(r))
    return 0
