"""Result folders written the way the ParallelBench reference's ``pb eval`` writes them (lm-eval
0.4 results JSON and logged samples, its EvaluationTracker's folders), for the import tests.

Layout: ``<root>/<org>__<model>/<unmasking>/<param>/<run>/results_parallelbench.json`` and
``samples_<task>.jsonl`` beside it. Per sample: lm-eval's fields (``doc_id``, ``doc``,
``target``, ``arguments`` as ``gen_args_0``/``arg_0``, ``resps``, ``filtered_resps``,
``filter``, ``metrics``, hashes) and the metric values ``score``, ``score_strict``, ``nfe``,
``tokens_per_step``, ``input_length``, ``output_length``, ``dec_order_*``; the document is the
reference's (``messages``, ``label``, ``metadata``, ``index``, ``output_prefix``).
"""
from __future__ import annotations

import json
from pathlib import Path

METRICS = ("score", "score_strict", "nfe", "tokens_per_step", "input_length", "output_length",
           "dec_order_kendall", "dec_order_spearman", "dec_order_kendall_ignore_pad",
           "dec_order_spearman_ignore_pad")
GROUPS = ("parallelbench_all", "parallelbench_waiting_line", "parallelbench_text_writing", "parallelbench_puzzles")


def write_reference_run(root: Path, model: str, gen_kwargs: dict, run: str, tasks: dict[str, list[dict]],
                        max_tokens: dict[str, int]) -> Path:
    """One ``pb eval`` run. ``tasks``: lm-eval task name -> samples as dicts with ``label``,
    ``messages``, ``output``, ``score``, ``nfe`` and optionally ``tokens_per_step`` (default
    max_tokens / nfe)."""
    unmasking = gen_kwargs["unmasking"]
    if "k" in gen_kwargs:
        param = f"k{gen_kwargs['k']}"
    elif "alg_threshold" in gen_kwargs:
        param = f"t{gen_kwargs['alg_threshold']}"
    else:
        param = f"f{gen_kwargs['alg_factor']}"
    folder = root / model.replace("/", "__") / unmasking / param / run
    folder.mkdir(parents=True, exist_ok=True)
    results, configs, n_samples = {}, {}, {}
    for task, samples in tasks.items():
        m = max_tokens[task]
        gen = {"until": ["\n\n"], "do_sample": False, "max_tokens": m, **gen_kwargs}
        configs[task] = {"task": task, "dataset_path": "furiosa-ai/ParallelBench", "test_split": "test",
                         "output_type": "generate_until", "generation_kwargs": gen, "repeats": 1,
                         "metadata": {"version": 0.1, "parallelbench_task": task}}
        lines = []
        for i, s in enumerate(samples):
            tps = s.get("tokens_per_step") or m / s["nfe"]
            row = {"doc_id": i,
                   "doc": {"messages": s["messages"], "label": s["label"], "metadata": {"length": 3},
                           "index": i, "output_prefix": None},
                   "target": s["label"] if isinstance(s["label"], str) else json.dumps(s["label"]),
                   "arguments": {"gen_args_0": {"arg_0": s["messages"][-1]["content"], "arg_1": gen}},
                   "resps": [[s["output"]]], "filtered_resps": [s["output"]], "filter": "none",
                   "metrics": list(METRICS), "doc_hash": "d" * 64, "prompt_hash": "p" * 64,
                   "target_hash": "t" * 64,
                   "score": s["score"], "score_strict": s.get("score_strict", s["score"]), "nfe": float(s["nfe"]),
                   "tokens_per_step": tps, "input_length": 120.0, "output_length": float(m),
                   "dec_order_kendall": 0.5, "dec_order_spearman": 0.6, "dec_order_kendall_ignore_pad": 0.5,
                   "dec_order_spearman_ignore_pad": 0.6}
            lines.append(json.dumps(row, ensure_ascii=False))
        (folder / f"samples_{task}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        n = len(samples)
        results[task] = {"alias": task, **{f"{k},none": sum(float(s.get(k, 0)) for s in samples) / n * 100
                                          for k in ("score",)},
                         "score_stderr,none": "N/A",
                         "nfe,none": sum(s["nfe"] for s in samples) / n, "nfe_stderr,none": "N/A",
                         "tokens_per_step,none": sum(s.get("tokens_per_step") or m / s["nfe"] for s in samples) / n}
        n_samples[task] = {"original": 100, "effective": n}
    for group in GROUPS:
        results[group] = {"alias": group, "score,none": 50.0, "nfe,none": 4.0, "tokens_per_step,none": 2.0}
    data = {
        "results": results,
        "groups": {g: dict(results[g]) for g in GROUPS},
        "group_subtasks": {"parallelbench_all": list(GROUPS[1:]), **{t: [] for t in tasks},
                           "parallelbench_waiting_line": [t for t in tasks if "waiting_line" in t],
                           "parallelbench_text_writing": [t for t in tasks if "text_writing" in t],
                           "parallelbench_puzzles": [t for t in tasks if "puzzles" in t]},
        "configs": configs, "versions": {t: 0.1 for t in tasks}, "n-shot": {t: 0 for t in tasks},
        "higher_is_better": {t: {"score": True, "nfe": False} for t in tasks}, "n-samples": n_samples,
        "config": {"model": "parallelbench_llada", "model_args": f"model_path={model}", "batch_size": "1",
                   "batch_sizes": [], "device": None, "use_cache": None, "limit": 32.0,
                   "bootstrap_iters": 100000, "gen_kwargs": gen_kwargs, "random_seed": 0,
                   "numpy_seed": 1234, "torch_seed": 1234, "fewshot_seed": 1234},
        "git_hash": "abc1234", "date": 1767225600.0, "task_hashes": {t: "h" * 64 for t in tasks},
        "model_source": "parallelbench_llada", "model_name": model,
        "model_name_sanitized": model.replace("/", "__"), "system_instruction": None,
        "system_instruction_sha": None, "fewshot_as_multiturn": True, "chat_template": "llada",
        "chat_template_sha": "c" * 64, "start_time": 1.0, "end_time": 2.0, "total_evaluation_time_seconds": "1.0",
    }
    path = folder / "results_parallelbench.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
