"""``build_report`` / ``parallelbench report``: files, embedded figures, and rendering in a real
headless browser."""
import base64
import re
import shutil
import subprocess

import numpy as np
import pytest

from parallelbench.cli import main
from parallelbench.runner import ResultsStore

TASKS = {"waiting_line/copy": 1.0, "waiting_line/shuffle": 0.5, "puzzle/sudoku_n4_12": 0.8}


def _record(task, i, strategy, setting, decoding, score, nfe, M=32):
    label = " ".join(f"{k}={v}" for k, v in setting.items()) or "default"
    return {"key": f"{task}{i}{strategy}{label}", "unit": "u", "model": "ideal", "task": task,
            "category": "puzzle" if "puzzle" in task else "waiting_line", "op": task.split("/")[1],
            "index": i, "strategy": strategy, "setting": setting, "label": label,
            "decoding": {"strategy": strategy, **decoding}, "max_tokens": M, "temperature": 0.0,
            "seed": 1, "prompt_hash": "p", "output": "x", "metrics": {"score": score, "score_strict": score},
            "score": score, "score_strict": score, "nfe": nfe, "tokens_per_step": M / nfe,
            "order": [1, 2], "wall_time": 0.01}


@pytest.fixture
def results_dir(tmp_path):
    """A store with top-k (k x block length) and threshold sweeps over three tasks."""
    rng = np.random.default_rng(0)
    recs = []
    for task, easy in TASKS.items():
        for i in range(6):
            for strategy in ("random", "confidence-topk"):
                for k in (1, 2, 4, 8):
                    s = float(rng.random() < easy ** (k - 1))
                    recs.append(_record(task, i, strategy, {"k": k}, {"k": k}, s, 32 // k))
                for B in (2, 8):
                    s = float(rng.random() < easy ** (3 - B / 8))
                    recs.append(_record(task, i, strategy, {"k": 2, "block_length": B},
                                        {"k": 2, "block_length": B}, s, 16))
            for thr, nfe in ((0.5, 6), (0.7, 10), (0.9, 20)):
                s = float(rng.random() < easy ** (1 - thr))
                recs.append(_record(task, i, "confidence-threshold", {"threshold": thr}, {"threshold": thr}, s, nfe))
    store = ResultsStore(tmp_path / "res").open()
    store.add(recs)
    store.write_manifest({"config": {"model": "ideal"}, "git_commit": None})
    store.close()
    return tmp_path / "res"


def test_report_files(results_dir, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["report", str(results_dir), "--out", str(out)]) == 0
    for name in ("report.md", "report.html", "accuracy_vs_tps.png", "tradeoff.png", "task_map.png",
                 "leaderboard_files/figures/ideal/confidence-threshold.csv",
                 "leaderboard_files/leaderboard/ideal.json"):
        assert (out / name).is_file(), name
    md = (out / "report.md").read_text()
    assert "## Leaderboard metric" in md and "| confidence-threshold |" in md and "![" in md
    html = (out / "report.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 3
    for img in images:
        assert base64.b64decode(img)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<img" in html and 'src="accuracy' not in html  # self-contained: no external image
    assert "wrote" in capsys.readouterr().out


def test_report_errors(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]) == 2
    assert "not a results directory" in capsys.readouterr().err
    ResultsStore(tmp_path / "empty").open().close()
    (tmp_path / "empty" / "manifest.json").write_text("{}")
    assert main(["report", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2
    assert "no records" in capsys.readouterr().err


def _browser():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_html_renders_in_headless_chromium(results_dir, tmp_path):
    browser = _browser()
    if browser is None:
        pytest.skip("no headless Chromium found (install Debian's 'chromium' to run this check)")
    out = tmp_path / "rep"
    assert main(["report", str(results_dir), "--out", str(out)]) == 0
    shot = tmp_path / "shot.png"
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--window-size=1300,2400", f"--screenshot={shot}", (out / "report.html").as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert shot.is_file() and shot.stat().st_size > 0, "chromium wrote no screenshot"
    import matplotlib.image as mpimg
    px = mpimg.imread(shot)[..., :3]
    assert px.std() > 0.05, "screenshot is blank"
    # coloured plot lines (saturated pixels) prove the embedded figures were decoded and drawn;
    # the page's text and tables are greyscale only
    saturation = px.max(axis=2) - px.min(axis=2)
    assert (saturation > 0.3).sum() > 2000
