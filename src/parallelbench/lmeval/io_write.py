"""``parallelbench export --format lm-eval``: a results store in lm-eval's output layout.

One results file per configuration (model x strategy x setting), as an lm-eval run of the
``parallelbench`` model with that configuration would write it:

* ``layout="lm-eval"`` (default): ``OUT/<model>/results_<time>.json`` and
  ``samples_<task>_<time>.jsonl`` (lm-eval's ``EvaluationTracker``);
* ``layout="reference"``: ``OUT/<model>/<method>/<param>/<time>_all/results_parallelbench.json``
  and ``samples_<task>.jsonl`` (the ParallelBench reference's folders; ``config.gen_kwargs``
  carries its ``unmasking``/``k``/``alg_threshold``/``alg_factor`` keys).

Aggregates are our own (``tasks.task.aggregate``: mean x 100 of each score; NFE and tokens per
step as means). Each sample line also holds its full record under ``parallelbench``, so
``parallelbench import`` restores the store exactly.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError
from ..tasks.task import aggregate
from .args import model_args_string
from .names import lm_task_name, reference_strategy

LAYOUTS = ("lm-eval", "reference")
STATS = ("nfe", "tokens_per_step", "output_tokens")


def sanitize_model_name(model: str) -> str:
    """lm-eval's folder name for a model (``GSAI-ML/LLaDA-1.5`` -> ``GSAI-ML__LLaDA-1.5``)."""
    return re.sub(r"[\"<>:/|\\?*\[\]]+", "__", model)


def _lm_name(task: str) -> str:
    try:
        return lm_task_name(task)
    except ConfigError:
        return re.sub(r"\W", "_", task)


def _task_results(lm_name: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    numeric = [{k: v for k, v in (r.get("metrics") or {}).items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)} for r in records]
    out: dict[str, Any] = {"alias": lm_name}
    for key, value in aggregate(numeric).items():
        if not key.endswith("_backend"):
            out[f"{key},none"], out[f"{key}_stderr,none"] = value, "N/A"
    for key in STATS:
        values = [float(r[key]) for r in records if r.get(key) is not None]
        if values:
            out[f"{key},none"], out[f"{key}_stderr,none"] = sum(values) / len(values), "N/A"
    return out


def _sample_line(rec: dict[str, Any], lm_name: str, gen: dict[str, Any]) -> dict[str, Any]:
    metrics = {k: v for k, v in (rec.get("metrics") or {}).items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
    line = {
        "doc_id": rec["index"], "doc": {"pb_task": rec["task"], "pb_index": rec["index"]},
        "target": "", "arguments": {"gen_args_0": {"arg_0": "", "arg_1": gen}},
        "resps": [[rec.get("output") or ""]], "filtered_resps": [rec.get("output") or ""],
        "filter": "none", "metrics": list(metrics) + [k for k in STATS if rec.get(k) is not None],
        "doc_hash": "", "prompt_hash": rec.get("prompt_hash") or "", "target_hash": "",
        **metrics,
    }
    for key in STATS + ("order",):
        if rec.get(key) is not None:
            line[key] = rec[key]
    line["parallelbench"] = rec
    return line


def _reference_gen_kwargs(strategy: str, setting: dict[str, Any], temperature: float) -> dict[str, Any]:
    gen: dict[str, Any] = {"unmasking": reference_strategy(strategy)}
    for key, value in setting.items():
        gen[{"threshold": "alg_threshold", "factor": "alg_factor"}.get(key, key)] = value
    gen["temperature"] = temperature
    return gen


def _reference_param(setting: dict[str, Any]) -> str:
    for key, short in (("k", "k"), ("steps", "s"), ("threshold", "t"), ("factor", "f")):
        if key in setting:
            return f"{short}{setting[key]}"
    return "_".join(f"{k}{v}" for k, v in sorted(setting.items())) or "default"


def export_lm_eval(results_dir: str | Path, out: str | Path, layout: str = "lm-eval") -> list[Path]:
    """Write the store at ``results_dir`` under ``out``; returns the results files written."""
    from ..runner.store import ResultsStore

    if layout not in LAYOUTS:
        raise ConfigError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    from ..userfiles import output_dir

    store = ResultsStore(results_dir).open(write=False)
    output_dir(out, "--out folder")
    records = store.records()
    seed = (store.read_manifest().get("seeds") or {}).get("base")
    if not records:
        raise DataError(f"{str(results_dir)!r} has no records to export")
    configs: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for rec in records:
        configs[(rec["model"], rec["strategy"], rec.get("label") or "default")].append(rec)
    written: list[Path] = []
    used: set[Path] = set()
    for (model, strategy, _label), recs in sorted(configs.items()):
        first = recs[0]
        stamp = datetime.fromtimestamp(max(float(r.get("finished_at") or 0) for r in recs))
        folder, results_name, samples_name = _place(Path(out), layout, model, strategy, first, stamp, used)
        by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rec in sorted(recs, key=lambda r: (r["task"], r["index"])):
            by_task[rec["task"]].append(rec)
        data = _results_json(model, strategy, first, by_task, layout, stamp, seed)
        folder.mkdir(parents=True, exist_ok=True)
        for task, task_recs in by_task.items():
            name = _lm_name(task)
            gen = data["configs"][name]["generation_kwargs"]
            with open(folder / samples_name(name), "w", encoding="utf-8") as fh:
                for rec in task_recs:
                    fh.write(json.dumps(_sample_line(rec, name, gen), ensure_ascii=False, default=str) + "\n")
        path = folder / results_name
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        written.append(path)
    return written


def _place(out: Path, layout: str, model: str, strategy: str, rec: dict[str, Any],
           stamp: datetime, used: set[Path]):
    """(folder, results file name, samples file name function), unique per configuration."""
    while True:
        date_id = stamp.isoformat().replace(":", "-")
        if layout == "lm-eval":
            folder, results_name = out / sanitize_model_name(model), f"results_{date_id}.json"
            key = folder / results_name
        else:
            run = stamp.strftime("%Y%m%d_%H%M%S") + "_all"
            folder = (out / sanitize_model_name(model) / reference_strategy(strategy)
                      / _reference_param(rec.get("setting") or {}) / run)
            results_name, key = "results_parallelbench.json", folder
        if key not in used and not key.exists():
            used.add(key)
            break
        stamp += timedelta(seconds=1)
    if layout == "lm-eval":
        return folder, results_name, lambda task: f"samples_{task}_{date_id}.jsonl"
    return folder, results_name, lambda task: f"samples_{task}.jsonl"


def _results_json(model: str, strategy: str, first: dict[str, Any], by_task: dict[str, list],
                  layout: str, stamp: datetime, seed: Any) -> dict[str, Any]:
    results, configs, n_samples = {}, {}, {}
    for task, recs in by_task.items():
        name = _lm_name(task)
        results[name] = _task_results(name, recs)
        configs[name] = {
            "task": name, "output_type": "generate_until", "test_split": "test",
            "generation_kwargs": {"until": [], "max_gen_toks": recs[0].get("max_tokens"),
                                  "do_sample": False},
            "metadata": {"version": 1, "parallelbench_task": task},
        }
        n_samples[name] = {"original": len(recs), "effective": len(recs)}
    decoding = {k: v for k, v in (first.get("decoding") or {}).items() if k != "temperature"}
    config = {"model": "parallelbench",
              "model_args": model_args_string(model, decoding, **({"seed": seed} if seed is not None else {})),
              "batch_size": 1, "gen_kwargs": None}
    if layout == "reference" and strategy != "none":
        config["gen_kwargs"] = _reference_gen_kwargs(strategy, first.get("setting") or {},
                                                     float(first.get("temperature") or 0.0))
    return {
        "results": results, "group_subtasks": {n: [] for n in results}, "configs": configs,
        "versions": {n: 1 for n in results}, "n-shot": {n: 0 for n in results},
        "n-samples": n_samples, "config": config, "date": stamp.timestamp(),
        "model_name": model, "model_name_sanitized": sanitize_model_name(model),
        "parallelbench": {"strategy": strategy, "setting": first.get("setting"),
                          "label": first.get("label")},
    }

