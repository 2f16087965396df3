"""The light commands start without the heavy libraries (issue 13 item 14). Timing itself is a
benchmark (``benchmarks/startup.py``); this checks what makes it fast: no torch, transformers
or pandas import for ``--help``, ``tasks``, ``show`` and ``score`` on a list task."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[1] / "src")
PROBE = """
import sys
from parallelbench.cli import main
code = main(sys.argv[1:])
heavy = [m for m in ("torch", "transformers", "pandas", "matplotlib") if m in sys.modules]
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.parametrize("argv", [["--help"], ["tasks"], ["show", "waiting_line/copy"],
                                  ["score", "--task", "waiting_line/copy", "--predictions", "{p}"]],
                         ids=["help", "tasks", "show", "score"])
def test_light_commands_import_no_heavy_library(argv, tmp_path):
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"index": 0, "prediction": "[]"}\n')
    argv = [a.replace("{p}", str(preds)) for a in argv]
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                         env=env, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    assert res.stderr.strip().splitlines()[-1] == "HEAVY=", res.stderr
