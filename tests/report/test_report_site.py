"""The leaderboard site's data files: exact formats, metadata.json entries for a new model.

The format facts checked here were read off the site's published files (parallelbench.github.io,
``data/``): CRLF lines, header ``task,tps,accuracy``, task ids in alphabetical order then the
``avg`` rows, each task's rows by tps, floats as Python writes them; the leaderboard JSON is
``json.dumps(indent=2)`` without a final newline, strategies in alphabetical order. When a copy
of the site's ``data/`` folder is at ``../shared/leaderboard-site/data``, every published curve
file is also rewritten byte for byte and every published headline recomputed from its avg rows.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from parallelbench.errors import ConfigError, DataError
from parallelbench.report import LEADERBOARD_TASKS
from parallelbench.report.leaderboard import (avg_points, export_leaderboard, headline,
                                              read_strategy_csv, write_headline, write_strategy_csv)
from parallelbench.report.site import export_site, merge_metadata

SITE = Path(__file__).resolve().parents[2].parent / "shared" / "leaderboard-site" / "data"
TASKS = {"waiting_line/copy": "waitingline-copy", "waiting_line/sort": "waitingline-sort",
         "puzzle/sudoku_n4_12": "puzzles-sudoku", "paraphrase_summarize/samsum": "textwriting-summarization"}


def _table(strategies=("confidence-threshold", "random")):
    rows = []
    for s in strategies:
        for j, label in enumerate(("a", "b", "c")):
            for i, task in enumerate(TASKS):
                rows.append({"model": "m", "strategy": s, "label": label, "task": task,
                             "tps": 1.0 + j + i / 3, "accuracy": 100.0 - 7 * j - i / 3, "single_block": True})
    return pd.DataFrame(rows)


def test_curve_file_bytes(tmp_path):
    written = export_leaderboard(_table(), tmp_path, "m")
    raw = (tmp_path / "figures/m/confidence-threshold.csv").read_bytes()
    lines = raw.split(b"\r\n")
    assert lines[0] == b"task,tps,accuracy" and lines[-1] == b"" and b"\n" not in raw.replace(b"\r\n", b"")
    tasks = [ln.split(b",")[0].decode() for ln in lines[1:-1]]
    assert tasks == [t for t in sorted(TASKS.values()) for _ in range(3)] + ["avg"] * 3
    assert lines[1] == b"puzzles-sudoku,1.6666666666666665,99.33333333333333"  # full precision
    avg = avg_points(read_strategy_csv(tmp_path / "figures/m/confidence-threshold.csv"))
    assert avg[0] == pytest.approx((1.5, 99.5))
    text = (tmp_path / "leaderboard/m.json").read_text()
    assert not text.endswith("\n") and text.startswith('{\n  "thresholds": [\n    80,')
    assert list(json.loads(text)["results"]) == ["confidence-threshold", "random"]
    assert sorted(p.name for p in written) == ["confidence-threshold.csv", "m.json", "random.csv"]


def test_metadata_entries_for_a_new_model(tmp_path):
    existing = {"strategies": [{"id": "random", "displayName": "Random", "color": "#111111"}],
                "modelFamilies": [{"id": "llada", "displayName": "LLaDA"}],
                "models": [{"id": "old", "family": "llada", "displayName": "Old", "strategies": ["random"]}],
                "tasks": {"keep": "me"}}
    (tmp_path / "data").mkdir()
    (tmp_path / "data/metadata.json").write_text(json.dumps(existing))
    written = export_site(_table(), tmp_path, "mymodel", display_name="My dLLM", family="llada",
                          url="https://example.org/m")
    names = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert names == ["data/figures/mymodel/confidence-threshold.csv", "data/figures/mymodel/random.csv",
                     "data/leaderboard/mymodel.json", "data/metadata.json"]
    meta = json.loads((tmp_path / "data/metadata.json").read_text())
    assert meta["tasks"] == {"keep": "me"} and meta["modelFamilies"] == existing["modelFamilies"]
    assert meta["strategies"][0] == existing["strategies"][0]  # kept as it was
    new = meta["strategies"][1]
    assert new["id"] == "confidence-threshold" and new["displayName"] == "Confidence Threshold"
    assert new["color"].startswith("#") and len(new["color"]) == 7
    assert meta["models"] == [existing["models"][0], {
        "id": "mymodel", "family": "llada", "displayName": "My dLLM", "url": "https://example.org/m",
        "strategies": ["random", "confidence-threshold"]}]
    # Exporting again replaces the model's entry instead of adding a second one.
    export_site(_table(("random",)), tmp_path, "mymodel", family="newfam")
    meta = json.loads((tmp_path / "data/metadata.json").read_text())
    assert [m["id"] for m in meta["models"]] == ["old", "mymodel"]
    assert meta["models"][1]["strategies"] == ["random"] and meta["modelFamilies"][-1]["id"] == "newfam"


def test_new_metadata_lists_the_17_tasks():
    meta = merge_metadata(None, "m", ["random"])
    ids = [i["id"] for group in meta["tasks"].values() for i in group["items"]]
    assert sorted(ids) == sorted(LEADERBOARD_TASKS) and list(meta["tasks"]) == ["waitingLine", "textWriting", "puzzles"]
    assert meta["models"] == [{"id": "m", "family": "m", "displayName": "m", "strategies": ["random"]}]


def test_site_export_errors(tmp_path):
    with pytest.raises(ConfigError, match="plain name"):
        export_site(_table(), tmp_path, "a/b")
    off = _table()
    off["task"] = "list_ops/copy"
    with pytest.raises(DataError, match="no leaderboard task"):
        export_site(off, tmp_path, "m")
    with pytest.raises(DataError, match="not found"):
        export_site(_table(), tmp_path, "m", metadata=tmp_path / "missing.json")


@pytest.mark.skipif(not SITE.is_dir(), reason="no copy of the site's data/ at ../shared/leaderboard-site/data")
def test_published_files_reproduced(tmp_path):
    checked = 0
    for board in sorted((SITE / "leaderboard").glob("*.json")):
        curves = {}
        for csv in sorted((SITE / "figures" / board.stem).glob("*.csv")):
            frame = read_strategy_csv(csv)
            assert write_strategy_csv(frame, tmp_path / board.stem / csv.name).read_bytes() == csv.read_bytes()
            curves[csv.stem] = avg_points(frame)
            checked += 1
        ours = write_headline(headline(curves), tmp_path / board.name)
        assert ours.read_bytes() == board.read_bytes()
    assert checked > 0
