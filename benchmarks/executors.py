"""Local vs Ray executor: same sweep, same records, and what each costs.

Runs one sweep (default: configs/quick.yaml with the ideal model) twice into fresh results
directories, once in-process and once on a local Ray instance, then compares the per-sample
records field by field, ignoring only the timing fields (wall time, latency, finish time).

    python benchmarks/executors.py                        # configs/quick.yaml, limit 8
    python benchmarks/executors.py --config configs/quick.yaml --limit 20 --json out.json
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from parallelbench.runner import TIMING_FIELDS, ResultsStore, load_spec, run_sweep


def _records(path: Path) -> dict[str, dict]:
    store = ResultsStore(path).open(write=False)
    try:
        out = {}
        for rec in store.records():
            out[rec["key"]] = {k: v for k, v in rec.items() if k not in TIMING_FIELDS}
        return out
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=str(Path(__file__).resolve().parents[1] / "configs" / "quick.yaml"))
    ap.add_argument("--limit", type=int, default=8)
    ap.add_argument("--json", help="also write the result as JSON here")
    args = ap.parse_args(argv)

    spec = load_spec(args.config)
    spec.limit = args.limit
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for executor in ("local", "ray"):
            start = time.perf_counter()
            outcome = run_sweep(spec, Path(tmp) / executor, executor=executor, progress=False)
            rows[executor] = {"seconds": round(time.perf_counter() - start, 2), "units": outcome.units,
                              "written": outcome.written, "failed": outcome.failed}
        local, ray = _records(Path(tmp) / "local"), _records(Path(tmp) / "ray")
    differing = sorted(k for k in local.keys() | ray.keys() if local.get(k) != ray.get(k))
    result = {"config": args.config, "limit": args.limit, "records_local": len(local),
              "records_ray": len(ray), "differing_records": len(differing), "executors": rows}
    for name, row in rows.items():
        print(f"{name:<6} {row['units']} units, {row['written']} records written, "
              f"{row['failed']} failed, {row['seconds']:.1f} s")
    print(f"records: local {len(local)}, ray {len(ray)}, differing (timing fields ignored): {len(differing)}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0 if not differing and len(local) == len(ray) else 1


if __name__ == "__main__":
    sys.exit(main())
