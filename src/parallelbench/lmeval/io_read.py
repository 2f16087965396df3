"""``parallelbench import``: lm-eval result folders into our results store.

Reads every ``results*.json`` under a folder with its ``samples_<task>*.jsonl`` files:

* lm-eval's own layout (``<model>/results_<time>.json`` + ``samples_<task>_<time>.jsonl``);
* the ParallelBench reference's (``<org>__<model>/<method>/<param>/<run>/results_parallelbench.json``
  + ``samples_<task>.jsonl``; per-sample ``score``, ``score_strict``, ``nfe``,
  ``tokens_per_step``; decoding settings in ``config.gen_kwargs``: ``unmasking``, ``steps``,
  ``alg_threshold``, ...);
* runs of our ``parallelbench`` lm-eval model and ``parallelbench export --format lm-eval``
  (a ``parallelbench`` block per sample: restored exactly).

Each sample becomes one record built as ``run`` builds them (``runner.records``; keys from
``sample_key``), so ``results``, ``report`` and the leaderboard export work on it. Result files
are read newest run folder first; a sample already stored (same key) is kept once.
"""
from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ..errors import DataError, ParallelBenchError
from ..models.base import stable_hash
from ..runner.expand import Unit
from ..runner.records import base_record
from .io_run import ResultsRun
from .names import our_task_name

_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT[\d\-.]+")


class _Doc:
    """What ``sample_key`` and ``prompt_hash`` read from a sample."""

    def __init__(self, index: int, messages: Any, label: Any):
        self.index, self.messages, self.label = index, messages, label


def result_files(root: str | Path) -> list[Path]:
    """``results*.json`` files under ``root``, newest run folder first."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"lm-eval results folder not found: {root}")
    files = sorted(root.rglob("results*.json"), key=lambda p: p.as_posix(), reverse=True)
    if not files:
        raise DataError(f"no lm-eval results*.json under {root}")
    return files


def samples_file(results: Path, task: str) -> Path | None:
    """The samples file of ``task`` next to ``results``: ``samples_<task>_<suffix>.jsonl`` with
    the results file's suffix (lm-eval's timestamp), else ``samples_<task>.jsonl``."""
    suffix = results.stem[len("results_"):] if results.stem.startswith("results_") else ""
    for name in (f"samples_{task}_{suffix}.jsonl" if suffix else None, f"samples_{task}.jsonl"):
        if name and (results.parent / name).is_file():
            return results.parent / name
    stamped = [p for p in results.parent.glob(f"samples_{task}_*.jsonl")
               if _TIMESTAMP.fullmatch(p.stem[len(f"samples_{task}_"):])]
    return stamped[0] if len(stamped) == 1 else None


def _read_samples(path: Path) -> list[dict[str, Any]]:
    """The per-sample objects of an lm-eval ``samples_*.jsonl`` file."""
    from ..userfiles import read_jsonl

    out = []
    for lineno, obj in read_jsonl(path, "lm-eval samples file"):
        if not isinstance(obj, dict):
            raise DataError(f"{path}:{lineno}: expected a JSON object (one lm-eval sample), "
                            f"got {type(obj).__name__}")
        out.append(obj)
    return out


def _output(row: dict[str, Any]) -> str:
    filtered = row.get("filtered_resps")
    if isinstance(filtered, list) and filtered:
        filtered = filtered[0]
    if isinstance(filtered, str):
        return filtered
    resps = row.get("resps") or [[""]]
    first = resps[0][0] if isinstance(resps[0], list) else resps[0]
    return str(first)


def _context(row: dict[str, Any]) -> str:
    args = row.get("arguments")
    if isinstance(args, dict):  # as the EvaluationTracker writes it
        return str((args.get("gen_args_0") or {}).get("arg_0", ""))
    if isinstance(args, list) and args and isinstance(args[0], (list, tuple)) and args[0]:
        return str(args[0][0])
    return ""


def _category(task: str, ours: bool) -> tuple[str | None, str | None]:
    if not ours:
        return "lm-eval", None
    from ..tasks.official import infer_kind

    try:
        return infer_kind(task, {})
    except Exception:  # noqa: BLE001
        return None, None


@contextmanager
def _readable(what: str) -> Iterator[None]:
    """Anything malformed in ``what`` (a hand-edited or foreign file) as one DataError."""
    try:
        yield
    except ParallelBenchError:
        raise
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise DataError(f"{what} is not lm-eval output we can read ({type(exc).__name__}: {exc})") from None


def sample_records(run: ResultsRun, task: str, rows: list[dict[str, Any]], metric: str | None,
                   filter_name: str | None) -> list[dict[str, Any]]:
    """Our records for one task's logged samples."""
    out: list[dict[str, Any]] = []
    wanted = filter_name or (rows[0].get("filter") if rows else None)
    with _readable(f"{run.path}: the settings of task {task}"):
        strategy, decoding, setting, max_tokens, temperature = run.decoding(task)
    for n, row in enumerate(rows, 1):
        if row.get("filter", wanted) != wanted:
            continue
        with _readable(f"{run.path}: task {task}: logged sample {n}"):
            block = row.get("parallelbench") or {}
            if not isinstance(block, dict):
                raise TypeError("'parallelbench' is not an object")
            if block.get("key") and block.get("unit"):  # written by `parallelbench export`
                out.append(dict(block))
                continue
            out.append(_record(run, task, row, block, metric, strategy, decoding, setting,
                               max_tokens, temperature))
    return out


def _record(run: ResultsRun, lm_task: str, row: dict[str, Any], block: dict[str, Any], metric: str | None,
            strategy: str, decoding: dict, setting: dict, max_tokens: int | None,
            temperature: float) -> dict[str, Any]:
    doc = row.get("doc") if isinstance(row.get("doc"), dict) else {}
    if "pb_sample" in doc:
        sample = json.loads(doc["pb_sample"])
        messages, label = sample["messages"], sample["label"]
    else:
        messages = doc.get("messages") or [{"role": "user", "content": _context(row)}]
        label = doc.get("label", row.get("target"))
    ours_name = doc.get("pb_task") or our_task_name(lm_task)
    task = block.get("task") or ours_name or lm_task
    ours = ours_name is not None
    index = int(next(v for v in (block.get("index"), doc.get("pb_index"), doc.get("index"),
                                 row.get("doc_id"), 0) if v is not None))
    if block:
        strategy, decoding, setting = block["strategy"], block["decoding"], block["setting"]
        max_tokens, temperature = block["max_tokens"], block["temperature"]
    stats = ("nfe", "tokens_per_step", "output_tokens") if ours else ()
    names = [m for m in (row.get("metrics") or [])
             if isinstance(row.get(m), (int, float)) and m not in stats]
    metrics = {m: float(row[m]) for m in names}
    if "score" in metrics:
        score, strict = metrics["score"], metrics.get("score_strict", metrics["score"])
    else:
        primary = metric or (names[0] if names else None)
        if primary is None or primary not in metrics:
            raise DataError(f"{run.path}: task {lm_task}: no numeric metric "
                            f"{primary or ''} in the logged samples (choose one with --metric)")
        score = strict = metrics[primary]
        metrics["score"] = metrics["score_strict"] = score
    nfe = block.get("nfe", row.get("nfe"))
    tps = block.get("tokens_per_step", row.get("tokens_per_step"))
    if tps in (None, "") and nfe and max_tokens:
        tps = max_tokens / float(nfe)
    category, op = _category(task, ours)
    unit = Unit(task, strategy, decoding, setting, max_tokens, temperature, 0)
    unit.key = stable_hash({"source": "lm-eval", "model": run.model, "model_args": run.model_args,
                            "task": lm_task, "max_tokens": max_tokens, "decoding": decoding,
                            "temperature": temperature})
    return {
        **base_record(unit, _Doc(index, messages, label), run.model, category=category, op=op,
                      seed=block.get("seed")),
        "output": _output(row), "metrics": metrics, "score": score, "score_strict": strict,
        "nfe": nfe, "tokens_per_step": tps, "output_tokens": block.get("output_tokens", row.get("output_tokens")),
        "order": block.get("order", row.get("order")), "token_ids": block.get("token_ids"),
        "wall_time": block.get("wall_time"), "latency": block.get("latency"), "usage": block.get("usage"),
        "finished_at": time.time(),
        "imported_from": {"format": "lm-eval", "file": run.path.name, "task": lm_task,
                          "filter": row.get("filter")},
    }


def read_results(root: str | Path, *, metric: str | None = None, filter_name: str | None = None,
                 model: str | None = None) -> tuple[list[dict[str, Any]], list[Path]]:
    """Records of every results file under ``root`` (newest first) and the files read."""
    records: list[dict[str, Any]] = []
    used: list[Path] = []
    from ..userfiles import read_json

    for path in result_files(root):
        data = read_json(path, "lm-eval results file")
        if not isinstance(data, dict) or "results" not in data:
            continue  # another JSON file that happens to be called results*.json
        for key in ("results", "configs", "config", "groups", "group_subtasks"):
            if data.get(key) is not None and not isinstance(data[key], dict):
                raise DataError(f"{path}: not an lm-eval results file ('{key}' should be a mapping, "
                                f"got {type(data[key]).__name__})")
        run = ResultsRun(path, data, model)
        for task in run.tasks():
            sfile = samples_file(path, task)
            if sfile is None:
                raise DataError(f"{path}: no samples_{task}*.jsonl next to it; run lm-eval with "
                                f"--log_samples (per-sample results are needed)")
            records += sample_records(run, task, _read_samples(sfile), metric, filter_name)
        used.append(path)
    if not used:
        raise DataError(f"no lm-eval results under {root}: its results*.json files have no "
                        "'results' mapping")
    return records, used


def import_results(root: str | Path, out: str | Path, **options: Any) -> tuple[int, int, list[Path]]:
    """Read ``root`` and add its records to the store at ``out``; returns (records read,
    records written, result files)."""
    from ..runner.manifest import backends_from_records
    from ..runner.store import ResultsStore
    from ..runner.summary import export

    records, files = read_results(root, **options)
    store = ResultsStore(out).open(write=True)
    try:
        written = store.add(records)
        manifest = store.read_manifest()
        models = sorted({r["model"] for r in store.records()})
        manifest.setdefault("format", "parallelbench-results/1")
        manifest.setdefault("config", {"model": models[0] if len(models) == 1 else ",".join(models)})
        manifest["imports"] = list(manifest.get("imports", [])) + [{
            "from": str(Path(root).resolve()), "files": len(files), "records": len(records),
            "written": written, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}]
        all_records = store.records()
        manifest["backends"] = backends_from_records(all_records)
        if not manifest.get("history"):  # nothing in it was run by us: say what is not known
            manifest["comparability"] = {"comparable": None, "reasons": [
                "imported lm-eval results: the run's data source, decoding and sampling settings were "
                "not recorded by parallelbench (check them in the source run)"]}
        store.write_manifest(manifest)
        export(all_records, store.path)
    finally:
        store.close()
    return len(records), written, files
