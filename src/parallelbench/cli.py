"""The ``parallelbench`` command line.

Each area of the library contributes its own sub-commands through a small ``add_commands(sub)``
function in its ``cli`` module; this file only wires them together and turns user errors into a
one-line message with exit code 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import ParallelBenchError

# Modules that contribute sub-commands, in help order.
_COMMAND_MODULES = (
    "parallelbench.tasks.cli",      # tasks, show, score, generate
    "parallelbench.theory.cli",     # theory
    "parallelbench.runner.cli",     # run, results, report, demo
    "parallelbench.train.cli",      # train
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parallelbench",
        description="Measure the speed-quality trade-off of parallel decoding in diffusion LLMs.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # an area not built yet must not break the others
            if exc.name == name:
                continue
            raise
        module.add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ParallelBenchError as exc:
        print(f"parallelbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("parallelbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
