"""Helpers shared by the task tests (a uniquely named module: test folders are not packages)."""
from __future__ import annotations

import json
from pathlib import Path

# <repo>/../shared/official, located from this file so the tests run from any working directory.
OFFICIAL = Path(__file__).resolve().parents[3] / "shared" / "official"

# Official samples checked by the compatibility tests, reported at the end of the run.
OFFICIAL_CHECKED: dict[str, int] = {}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
