"""Helpers of the lm-eval tests."""
from __future__ import annotations

import json
from pathlib import Path


def local_task(tmp_path: Path, name: str, rows: list[dict], body: str) -> Path:
    """A folder with one lm-eval ``generate_until`` task ``name`` over a local jsonl of ``rows``
    (no download): the YAML is the dataset lines followed by ``body``."""
    data = tmp_path / f"{name}.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    folder = tmp_path / "tasks"
    folder.mkdir()
    (folder / f"{name}.yaml").write_text(f"task: {name}\ndataset_path: json\ndataset_kwargs:\n"
                                         f"  data_files:\n    test: {data}\ntest_split: test\n"
                                         f"output_type: generate_until\n" + body)
    return folder
