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


def test_wilson_intervals_in_tables_and_error_bars(results_dir, tmp_path):
    """Issue 13 item 15: 95% Wilson intervals in the report tables, error bars in the figures,
    and a sweep summary at the top."""
    import matplotlib.pyplot as plt
    from matplotlib.container import ErrorbarContainer

    from parallelbench.report import avg_curves, config_table, load_frame
    from parallelbench.report.data import wilson_bounds
    from parallelbench.report.plots import _line

    lo, hi = wilson_bounds([0.5, 0.0, 1.0, 0.3], [10, 6, 6, 0])
    assert np.allclose(lo[:3], [0.236593, 0.0, 0.609666], atol=1e-6)
    assert np.allclose(hi[:3], [0.763407, 0.390334, 1.0], atol=1e-6)
    assert (lo[3], hi[3]) == (0.0, 1.0)  # no samples: no information
    table = config_table(load_frame(results_dir))
    assert (table["acc_lo"] <= table["accuracy"] + 1e-9).all() and (table["accuracy"] <= table["acc_hi"] + 1e-9).all()
    curves = avg_curves(table)
    assert {"n", "acc_lo", "acc_hi"} <= set(curves.columns) and (curves["acc_hi"] > curves["acc_lo"]).any()
    fig, ax = plt.subplots()
    _line(ax, curves[curves["strategy"] == "random"], label="random")
    assert any(isinstance(c, ErrorbarContainer) for c in ax.containers)
    plt.close(fig)

    out = tmp_path / "rep"
    assert main(["report", str(results_dir), "--out", str(out)]) == 0
    md = (out / "report.md").read_text()
    assert md.index("## Sweep summary") < md.index("## Accuracy against tokens per step")
    assert "| records | 270 finished, 0 failed samples |" in md and "acc_lo" in md and "score_lo" in md


def test_report_out_must_be_a_folder(results_dir, tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    assert main(["report", str(results_dir), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "is not a folder" in err and len(err.strip().splitlines()) == 1
    assert target.read_text() == "keep me"
