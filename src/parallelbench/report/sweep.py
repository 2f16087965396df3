"""The sweep summary at the top of a report: what was run, on what, and how much of it finished.

Built from the results store alone (manifest + records + errors), so a report read months later
still says which model and options, tasks, strategies and settings, samples, seeds, data and
code versions its numbers come from.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd


def _short(items: list[str], limit: int = 6) -> str:
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def sweep_summary(manifest: dict[str, Any], records: list[dict[str, Any]],
                  errors: list[dict[str, Any]]) -> pd.DataFrame:
    """Two columns, ``item`` and ``value``: one row per fact about the sweep."""
    config = manifest.get("config") or {}
    history = manifest.get("history") or []
    models = sorted({str(r.get("model")) for r in records}) or [str(config.get("model", "?"))]
    tasks = sorted({str(r.get("task")) for r in records})
    categories = Counter(r.get("category") or "?" for r in {r["task"]: r for r in records}.values())
    settings: dict[str, set[str]] = {}
    for rec in records:
        settings.setdefault(str(rec.get("strategy")), set()).add(str(rec.get("label")))
    per_task = Counter((r.get("task"), r.get("index")) for r in records)
    samples = len(per_task)
    rows = [
        ("model", ", ".join(models)),
        ("model options", ", ".join(f"{k}={v}" for k, v in sorted((config.get("model_options") or {}).items()))
         or "(defaults)"),
        ("tasks", f"{len(tasks)} ({', '.join(f'{n} {c}' for c, n in sorted(categories.items()))}): "
                  f"{_short(tasks)}"),
        ("strategies", "; ".join(f"{s} ({len(v)} setting{'s' if len(v) != 1 else ''})"
                                 for s, v in sorted(settings.items()))),
        ("samples", f"{samples} distinct task samples"
                    + (f", limit {config['limit']} per task ({config.get('sampling', 'first')})"
                       if config.get("limit") else ", every sample of each task")),
        ("records", f"{len(records)} finished, {len(errors)} failed samples"),
        ("data", f"official files from {config['data_dir']}" if config.get("data_dir")
         else "built-in generators" + (f" ({config['task_options']})" if config.get("task_options") else "")
         if history else "not recorded"),
        ("decoding", f"temperature {config.get('temperature', 0)}, seed {config.get('seed', '?')}"
                     + (f", max_tokens {config['max_tokens']}" if config.get("max_tokens") else
                        ", each task's generation length")),
        ("runs", f"{len(history)} invocation(s)" + (
            f", {history[0].get('started_at', '?')} to {history[-1].get('started_at', '?')}; executors "
            f"{', '.join(sorted({h.get('executor', '?') for h in history}))}" if history else "")),
        *([("imports", "; ".join(f"{i.get('written', '?')} new records from {i.get('from', '?')} ({i.get('at', '?')})"
                                 for i in manifest["imports"]))] if manifest.get("imports") else []),
        ("code", f"parallelbench {(manifest.get('versions') or {}).get('parallelbench', '?')}, "
                 f"git {manifest.get('git_commit') or 'n/a'}, torch "
                 f"{(manifest.get('versions') or {}).get('torch', '?')}"),
        ("metric backends", ", ".join(f"{k}: {'/'.join(v)}" for k, v in sorted((manifest.get("backends") or {}).items()))
         or "n/a"),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])
