"""The ``parallelbench`` command line.

Each area of the library contributes its own sub-commands through a small ``add_commands(sub)``
function in its ``cli`` module; this file only wires them together and handles, for every verb
alike, how a command ends:

* a user error (``ParallelBenchError``, a bad flag, an OS error on a path the user gave): one
  line ``parallelbench: error: ...`` on stderr and exit code 2, never a traceback;
* the reader of a pipe going away (``parallelbench results DIR | head``): a quiet exit (141,
  as if killed by SIGPIPE), no ``BrokenPipeError`` traceback;
* Ctrl-C: one line and exit code 130.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .errors import ParallelBenchError

EXIT_USAGE = 2
EXIT_PIPE = 141
EXIT_INTERRUPTED = 130

# Modules that contribute sub-commands, in help order.
_COMMAND_MODULES = (
    "parallelbench.tasks.cli",      # tasks, show, score, generate
    "parallelbench.theory.cli",     # theory
    "parallelbench.runner.cli",     # run, results, report, demo
    "parallelbench.lmeval.cli",     # lm-eval-path, lm-eval, import, export
    "parallelbench.train.cli",      # train
)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the usage stays available through ``--help``)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help (0) or a usage error (2, already printed)
            return int(exc.code or 0)
        if not getattr(args, "func", None):
            parser.print_help()
            return EXIT_USAGE
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handlers below
        return code
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE
    except ParallelBenchError as exc:
        return _fail(str(exc))
    except OSError as exc:  # a path the user gave: full disk, permissions, a vanished folder
        where = f" {exc.filename!r}" if getattr(exc, "filename", None) else ""
        return _fail(f"{exc.strerror or type(exc).__name__}:{where}".rstrip(":"))
    except KeyboardInterrupt:
        print("parallelbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _fail(message: str) -> int:
    line = " ".join(str(message).split()) or "unknown error"
    try:
        print(f"parallelbench: error: {line}", file=sys.stderr)
    except BrokenPipeError:  # stderr is a closed pipe too: nothing left to tell
        pass
    return EXIT_USAGE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a replaced stdout (tests, notebooks)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
