"""The same numbers both ways: tasks run through lm-eval (``parallelbench`` model, our task
YAMLs, in-process ``simple_evaluate``) and through ``parallelbench run`` give identical
per-sample outputs, scores, NFE, tokens per step and decoding orders, and identical aggregates."""
from __future__ import annotations

import pytest

pytest.importorskip("lm_eval")

from parallelbench.lmeval import evaluate, lm_task_name
from parallelbench.runner import StrategyGrid, SweepSpec, run_sweep
from parallelbench.runner.store import ResultsStore
from parallelbench.tasks.task import aggregate

LIMIT = 6
# (model, tasks, configurations as (run grid, lm-eval model_args)).
CASES = [
    ("ideal",
     ["waiting_line/copy", "waiting_line/shuffle", "waiting_line/insert_random", "waiting_line_n15/sort",
      "list_ops/reverse", "puzzle/sudoku_n4_12", "puzzle/latin_square_n4"],
     [(StrategyGrid(["confidence-topk"], {"k": [2]}), "strategy=confidence-topk,k=2"),
      (StrategyGrid(["random"], {"k": [4], "block_length": [16]}), "strategy=random,k=4,block_length=16"),
      (StrategyGrid(["confidence-threshold"], {"threshold": [0.7]}), "strategy=confidence-threshold,threshold=0.7")]),
    ("mock:degrade",
     ["paraphrase_summarize/samsum", "waiting_line/sort", "waiting_line/reverse"],
     [(StrategyGrid(["confidence-topk"], {"k": [4]}), "strategy=confidence-topk,k=4")]),
]


def _run(tmp_path, model, tasks, grid):
    spec = SweepSpec(model=model, tasks=tasks, strategies=[grid], limit=LIMIT, seed=7, batch_size=4)
    outcome = run_sweep(spec, tmp_path, progress=False)
    assert outcome.failed == 0
    return ResultsStore(tmp_path).open(write=False).records()


@pytest.mark.parametrize("model,tasks,configs", CASES, ids=[c[0] for c in CASES])
def test_lm_eval_and_run_agree_sample_by_sample(tmp_path, model, tasks, configs):
    compared = 0
    for i, (grid, margs) in enumerate(configs):
        records = _run(tmp_path / f"run{i}", model, tasks, grid)
        results = evaluate(f"model={model},seed=7,batch_size=3,{margs}", [lm_task_name(t) for t in tasks],
                           limit=LIMIT, include_defaults=False)
        for task in tasks:
            name = lm_task_name(task)
            ours = sorted((r for r in records if r["task"] == task), key=lambda r: r["index"])
            theirs = sorted(results["samples"][name], key=lambda s: s["doc_id"])
            assert len(ours) == len(theirs) == LIMIT
            for rec, row in zip(ours, theirs):
                block = row["parallelbench"]
                assert (block["task"], block["index"]) == (task, rec["index"])
                assert row["resps"][0][0] == rec["output"]
                assert (row["score"], row["score_strict"]) == (rec["score"], rec["score_strict"])
                assert {k: row[k] for k in rec["metrics"] if isinstance(rec["metrics"][k], float)} == \
                    {k: v for k, v in rec["metrics"].items() if isinstance(v, float)}
                assert (block["nfe"], block["tokens_per_step"], block["order"]) == \
                    (rec["nfe"], rec["tokens_per_step"], rec["order"])
                assert (block["seed"], block["decoding"], block["setting"], block["label"]) == \
                    (rec["seed"], rec["decoding"], rec["setting"], rec["label"])
                compared += 1
            # Aggregates: lm-eval's numbers are run's, computed by our own `aggregate`.
            agg = aggregate([r["metrics"] for r in ours])
            res = results["results"][name]
            for key in ("score", "score_strict"):
                assert res[f"{key},none"] == agg[key]
            for key in ("nfe", "tokens_per_step"):
                assert res[f"{key},none"] == pytest.approx(sum(r[key] for r in ours) / LIMIT, rel=1e-12)
    assert compared == LIMIT * len(tasks) * len(configs)
