"""The public leaderboard site's data folder: a new model's files and its ``metadata.json`` entries.

``export_site`` writes, under ``OUT/data/``:

* ``leaderboard/<id>.json`` and ``figures/<id>/<strategy>.csv`` (``leaderboard.py``: byte for
  byte the published formats);
* ``metadata.json``: the site's existing file (``OUT/data/metadata.json``, or ``metadata=``) with
  an entry for the model (``id``, ``family``, ``displayName``, ``url``, ``strategies``) and one
  for each strategy or family it does not list yet; without an existing file, a new one with
  just these entries and the task list.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError, DataError
from .leaderboard import LEADERBOARD_TASKS, export_leaderboard, strategy_csv

_CATEGORIES = {"waitingline": ("waitingLine", "Waiting Line"),
               "textwriting": ("textWriting", "Text Writing"), "puzzles": ("puzzles", "Puzzles")}
_PALETTE = ("#0ea5e9", "#22c55e", "#f97316", "#a855f7", "#ef4444", "#14b8a6", "#84cc16",
            "#f43f5e", "#3b82f6", "#eab308")


def _title(text: str) -> str:
    return " ".join(w.upper() if len(w) <= 3 else w.capitalize() for w in text.replace("_", " ").replace("-", " ").split())


def _color(strategy: str) -> str:
    return _PALETTE[int(hashlib.sha256(strategy.encode()).hexdigest(), 16) % len(_PALETTE)]


def _task_entries() -> dict[str, Any]:
    tasks: dict[str, Any] = {}
    for task_id in LEADERBOARD_TASKS:
        prefix, _, name = task_id.partition("-")
        key, display = _CATEGORIES[prefix]
        label = _title(name.replace("w2s_", "w2s "))
        tasks.setdefault(key, {"displayName": display, "items": []})["items"].append(
            {"id": task_id, "displayName": label})
    return tasks


def merge_metadata(existing: dict[str, Any] | None, model_id: str, strategies: list[str], *,
                   display_name: str | None = None, family: str | None = None,
                   url: str | None = None) -> dict[str, Any]:
    """``metadata.json`` with the model's entry added (or replaced) and missing strategy and
    family entries appended; entries already there are kept as they are."""
    meta = json.loads(json.dumps(existing)) if existing else {
        "strategies": [], "modelFamilies": [], "models": [], "tasks": _task_entries()}
    for key in ("strategies", "modelFamilies", "models"):
        entries = meta.setdefault(key, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise DataError(f"metadata.json: '{key}' must be a list of objects")
    known = [s.get("id") for s in meta["strategies"]]
    for strategy in strategies:
        if strategy not in known:
            meta["strategies"].append({"id": strategy, "displayName": _title(strategy), "color": _color(strategy)})
            known.append(strategy)
    family = family or model_id
    if family not in [f.get("id") for f in meta["modelFamilies"]]:
        meta["modelFamilies"].append({"id": family, "displayName": _title(family)})
    entry = {"id": model_id, "family": family, "displayName": display_name or model_id}
    if url:
        entry["url"] = url
    entry["strategies"] = [s for s in known if s in strategies]
    meta["models"] = [m for m in meta["models"] if m.get("id") != model_id] + [entry]
    return meta


def export_site(table: pd.DataFrame, out_dir: str | Path, model_id: str, *,
                display_name: str | None = None, family: str | None = None, url: str | None = None,
                metadata: str | Path | None = None) -> list[Path]:
    """Write the site's data files for one model's config table (``report.data.config_table``)."""
    if not model_id or any(c in model_id for c in "/\\") or model_id.startswith("."):
        raise ConfigError(f"--model-id must be a plain name, got {model_id!r}")
    from ..userfiles import output_dir, read_json

    data = Path(out_dir) / "data"
    source = Path(metadata).expanduser() if metadata else data / "metadata.json"
    existing = None
    if metadata or source.exists():  # read and checked before anything is written
        existing = read_json(source, "metadata file")
        if not isinstance(existing, dict):
            raise DataError(f"{source}: not the site's metadata.json (expected a JSON object)")
    strategies = [s for s in sorted(table["strategy"].unique()) if not strategy_csv(table, s).empty]
    if not strategies:
        raise DataError("no leaderboard task in these results (the site shows the 17 benchmark tasks)")
    meta = merge_metadata(existing, model_id, strategies, display_name=display_name,
                          family=family, url=url)
    output_dir(out_dir, "--out folder")
    written = export_leaderboard(table, data, model_id)
    path = data / "metadata.json"
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return written + [path]
