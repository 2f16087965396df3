"""``parallelbench run`` vs lm-eval: the same sweep both ways, compared sample by sample.

Runs a sweep (default: the ideal model on the 12 enumerable benchmark tasks, confidence-topk
k = 1, 2, 4 and confidence-threshold 0.5 / 0.7 / 0.9) with ``run_sweep``, then each of its
configurations through lm-eval (``parallelbench.lmeval.evaluate``: the ``parallelbench`` model
and our task YAMLs, in-process ``simple_evaluate``), and compares per sample the output, every
numeric score, NFE, tokens per step, decoding order and seed, and per task the aggregates.

    python benchmarks/lmeval_vs_run.py                     # 12 tasks x 6 configurations, limit 10
    python benchmarks/lmeval_vs_run.py --limit 20 --json out.json
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from parallelbench.lmeval import evaluate, lm_task_name
from parallelbench.lmeval.args import model_args_string
from parallelbench.runner import ResultsStore, StrategyGrid, SweepSpec, run_sweep
from parallelbench.tasks.task import aggregate

TASKS = [f"waiting_line/{op}" for op in ("copy", "sort", "reverse", "shuffle", "insert_index", "insert_random",
                                         "remove_index", "remove_random", "replace_index", "replace_random")]
TASKS += ["puzzle/sudoku_n4_12", "puzzle/latin_square_n4"]


def _compare(records, results, tasks) -> tuple[int, list[str]]:
    compared, diffs = 0, []
    for task in tasks:
        name = lm_task_name(task)
        ours = {r["index"]: r for r in records if r["task"] == task}
        for row in results["samples"][name]:
            rec, block = ours.get(row["parallelbench"]["index"]), row["parallelbench"]
            got = {"output": row["resps"][0][0], "nfe": block["nfe"], "tps": block["tokens_per_step"],
                   "order": block["order"], "seed": block["seed"],
                   **{k: row[k] for k, v in (rec or {}).get("metrics", {}).items() if isinstance(v, float)}}
            want = None if rec is None else {
                "output": rec["output"], "nfe": rec["nfe"], "tps": rec["tokens_per_step"], "order": rec["order"],
                "seed": rec["seed"], **{k: v for k, v in rec["metrics"].items() if isinstance(v, float)}}
            compared += 1
            if got != want:
                diffs.append(f"{task} #{block['index']}: {got} != {want}")
        agg = aggregate([r["metrics"] for r in ours.values()])
        for key in ("score", "score_strict"):
            if results["results"][name][f"{key},none"] != agg[key]:
                diffs.append(f"{task}: aggregate {key} {results['results'][name][f'{key},none']} != {agg[key]}")
    return compared, diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--json", help="also write the result as JSON here")
    args = ap.parse_args(argv)
    grids = [StrategyGrid(["confidence-topk"], {"k": [1, 2, 4]}),
             StrategyGrid(["confidence-threshold"], {"threshold": [0.5, 0.7, 0.9]})]
    spec = SweepSpec(model="ideal", tasks=TASKS, strategies=grids, limit=args.limit, seed=42, batch_size=32)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run_sweep(spec, tmp, progress=False)
        run_s = time.perf_counter() - start
        records = ResultsStore(tmp).open(write=False).records()
    configs: dict[str, list] = {}
    for rec in records:
        configs.setdefault(json.dumps([rec["strategy"], rec["setting"]], sort_keys=True), []).append(rec)
    compared, diffs, lm_s = 0, [], 0.0
    for key, recs in sorted(configs.items()):
        decoding = {k: v for k, v in recs[0]["decoding"].items() if k != "temperature"}
        start = time.perf_counter()
        results = evaluate(model_args_string("ideal", decoding, seed=42, batch_size=32),
                           [lm_task_name(t) for t in TASKS], limit=args.limit, include_defaults=False)
        lm_s += time.perf_counter() - start
        n, d = _compare(recs, results, TASKS)
        compared, diffs = compared + n, diffs + d
    result = {"tasks": len(TASKS), "configurations": len(configs), "samples_run": len(records),
              "samples_compared": compared, "differences": len(diffs), "run_seconds": round(run_s, 1),
              "lm_eval_seconds": round(lm_s, 1)}
    print(f"{len(TASKS)} tasks x {len(configs)} configurations x {args.limit} samples: "
          f"{compared} samples compared ({len(records)} from run), differences: {len(diffs)}")
    print(f"run {run_s:.1f} s, lm-eval {lm_s:.1f} s")
    for line in diffs[:20]:
        print("  " + line)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0 if not diffs and compared == len(records) else 1


if __name__ == "__main__":
    sys.exit(main())
