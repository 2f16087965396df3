"""Start-up time of the light commands: median wall time of ``parallelbench <verb>`` over N runs.

Each command runs in a fresh interpreter (``python -m parallelbench.cli ...``), so the time is
what a user waits: interpreter start, imports, the work, exit. The script also reports which
heavy libraries (torch, transformers, pandas, matplotlib) each command imported.

    python benchmarks/startup.py                 # median of 5 runs per command
    python benchmarks/startup.py --runs 9 --json startup.json
    python benchmarks/startup.py --demo          # also time `parallelbench demo` once (wall, CPU)

Numbers are only comparable on the same machine; on a shared machine run it twice.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("torch", "transformers", "pandas", "matplotlib", "httpx", "numpy")

_PROBE = """
import sys
from parallelbench.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print("HEAVY=" + ",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


def commands(tmp: Path) -> dict[str, list[str]]:
    predictions = tmp / "predictions.jsonl"
    predictions.write_text('{"index": 0, "prediction": "[]"}\n', encoding="utf-8")
    return {
        "--help": ["--help"],
        "tasks": ["tasks"],
        "show": ["show", "waiting_line/copy", "--index", "3"],
        "score": ["score", "--task", "waiting_line/copy", "--predictions", str(predictions)],
    }


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def time_command(argv: list[str], runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "parallelbench.cli", *argv], env=_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        times.append(time.perf_counter() - t0)
        if res.returncode not in (0,):
            raise SystemExit(f"parallelbench {' '.join(argv)} exited {res.returncode}: "
                             f"{res.stderr.decode(errors='replace')[-300:]}")
    return statistics.median(times), times


def heavy_imports(argv: list[str]) -> list[str]:
    res = subprocess.run([sys.executable, "-c", _PROBE.format(heavy=HEAVY), *argv], env=_env(),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, text=True)
    line = [x for x in res.stderr.splitlines() if x.startswith("HEAVY=")]
    return [m for m in line[-1][len("HEAVY="):].split(",") if m] if line else ["?"]


def time_demo() -> dict[str, float]:
    """Wall and CPU seconds of one ``parallelbench demo`` into a fresh folder (the figure the
    README quotes; CPU time is the steadier number on a shared machine)."""
    with tempfile.TemporaryDirectory() as tmp:
        before = os.times()
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "parallelbench.cli", "demo", "--out", str(Path(tmp) / "d"),
                              "--no-progress"], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             check=False, text=True)
        wall = time.perf_counter() - t0
        after = os.times()
    if res.returncode != 0:
        raise SystemExit(f"parallelbench demo exited {res.returncode}: {res.stderr[-300:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    summary = res.stdout.strip().splitlines()[-1]
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "summary": summary}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--demo", action="store_true", help="also time one `parallelbench demo`")
    args = ap.parse_args(argv)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, cmd in commands(Path(tmp)).items():
            median, times = time_command(cmd, args.runs)
            heavy = heavy_imports(cmd)
            results[name] = {"median_s": round(median, 3), "runs_s": [round(t, 3) for t in times],
                             "heavy_imports": heavy}
            print(f"parallelbench {name:8} median {median:6.3f} s over {args.runs} runs  "
                  f"(min {min(times):.3f}, max {max(times):.3f}); imports: {', '.join(heavy) or '-'}")
    if args.demo:
        results["demo"] = time_demo()
        print(f"parallelbench demo: {results['demo']['wall_s']:.1f} s wall, {results['demo']['cpu_s']:.1f} s CPU "
              f"({results['demo']['summary']})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
