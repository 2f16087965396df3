"""Reading and writing task files in the reference layout (SPEC 2.1-2.3).

``<DIR>/<group>/<task>.jsonl`` (one record per line) plus ``<DIR>/<group>/task_config.yaml``
(task name -> config with the prompt template and the metric). ``DIR`` may also be the parent of
a ``test/`` folder, as in the reference repository.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError
from ..userfiles import read_jsonl, read_yaml

METRIC_BY_OP = {
    "copy": "list_match_score", "sort": "list_match_score", "reverse": "list_match_score",
    "insert_index": "list_match_score", "remove_index": "list_match_score",
    "replace_index": "list_match_score", "shuffle": "list_shuffle_score",
    "insert_random": "list_random_insert_score", "remove_random": "list_random_remove_score",
    "replace_random": "list_random_replace_score", "latin_square": "latin_square_score",
    "sudoku": "sudoku_score", "words_to_sentence": "sentence_to_words_score",
    "summarize": "summary_score", "paraphrase": "paraphrase_score",
    # The extra task families (tasks/extra.py).
    "repeat_each": "list_match_score", "repeat_list": "list_match_score",
    "math_op": "math_op_score", "cumsum": "list_match_score", "domino": "domino_score",
}
_CATEGORY_BY_OP = {"latin_square": "puzzle", "sudoku": "puzzle", "words_to_sentence":
                   "text_writing", "summarize": "text_writing", "paraphrase": "text_writing"}
CONFIG_FILE = "task_config.yaml"


def _roots(data_dir: str | Path) -> list[Path]:
    root = Path(data_dir).expanduser()
    if not root.is_dir():
        raise DataError(f"data directory not found: {root}")
    return [root, root / "test"] if (root / "test").is_dir() else [root]


def discover(data_dir: str | Path) -> list[str]:
    """Task names ``<group>/<stem>`` under ``data_dir`` (groups starting with ``_`` skipped)."""
    for root in _roots(data_dir):
        names = sorted(f"{p.parent.name}/{p.stem}" for p in root.glob("*/*.jsonl")
                       if not p.parent.name.startswith("_"))
        if names:
            return names
    return []


def find_task_file(name: str, data_dir: str | Path) -> Path:
    """Path of ``<group>/<stem>.jsonl`` for task ``name``, with a clear error when absent."""
    if name.count("/") != 1:
        raise DataError(f"task name must look like 'group/task', got {name!r}")
    for root in _roots(data_dir):
        path = root / f"{name}.jsonl"
        if path.is_file():
            return path
    known = discover(data_dir)
    hint = f"; tasks there: {', '.join(known[:12])}{' ...' if len(known) > 12 else ''}" \
        if known else "; no <group>/<task>.jsonl files there"
    raise DataError(f"task {name!r} not found in {data_dir}{hint}")


def read_config(path: Path) -> dict[str, Any]:
    """The ``task_config.yaml`` mapping of a group folder (``{}`` when the file is absent)."""
    if not path.is_file():
        return {}
    data = read_yaml(path, "task config") or {}
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a mapping of task name -> config")
    return data


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record of a JSONL task file; a bad line is reported as ``file:line``."""
    records = []
    for lineno, record in read_jsonl(path, "task file"):
        if not isinstance(record, dict) or not isinstance(record.get("input"), dict) \
                or "answer" not in record:
            raise DataError(f"{path}:{lineno}: a record needs an 'input' object and an 'answer'")
        records.append(record)
    if not records:
        raise DataError(f"{path}: no records")
    return records


def load_official(name: str, data_dir: str | Path) -> tuple[list[dict[str, Any]], dict, Path]:
    """Records and config of task ``name`` in the reference layout, and the file they came from."""
    path = find_task_file(name, data_dir)
    config_path = path.parent / CONFIG_FILE
    configs = read_config(config_path)
    if not configs:
        raise DataError(f"{config_path} is missing or empty (it holds the prompt of {name!r})")
    config = configs.get(name)
    if not isinstance(config, dict) or not isinstance(config.get("prompt"), str):
        raise DataError(f"{config_path} has no entry with a 'prompt' for task {name!r}")
    return read_records(path), config, path


def infer_kind(name: str, config: dict[str, Any]) -> tuple[str, str]:
    """(category, op) of a task read from files: explicit keys first, then the reference names."""
    group, _, stem = name.partition("/")
    op = config.get("op")
    if not op:
        if group.startswith("waiting_line") or group.startswith("list_ops"):
            op = stem
        elif group.startswith("words_to_sentence"):
            op = "words_to_sentence"
        elif stem.startswith("latin_square") or config.get("type") == "latin_square":
            op = "latin_square"
        elif stem.startswith("sudoku"):
            op = "sudoku"
        elif config.get("type") == "summary" or stem == "samsum":
            op = "summarize"
        elif config.get("type") == "paraphrase" or "paraphrase" in stem:
            op = "paraphrase"
        elif config.get("type") in ("insert", "remove", "replace"):
            op = f"{config['type']}_{'random' if config.get('random_index') else 'index'}"
        else:
            op = str(config.get("type") or stem)
    category = config.get("category") or _CATEGORY_BY_OP.get(op) or (
        "waiting_line" if group.startswith("waiting_line") else "list_ops")
    return category, op


def write_task_files(out_dir: str | Path, name: str, records: list[dict[str, Any]],
                     config: dict[str, Any]) -> Path:
    """Write ``<out>/<group>/<stem>.jsonl`` and merge the config into ``task_config.yaml``."""
    group, _, stem = name.partition("/")
    folder = Path(out_dir) / group
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    configs = read_config(folder / CONFIG_FILE)
    configs[name] = config
    (folder / CONFIG_FILE).write_text(
        yaml.safe_dump(configs, sort_keys=False, allow_unicode=True, width=1000), "utf-8")
    return path
