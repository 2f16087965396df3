"""``parallelbench report``: Markdown and self-contained HTML reports over a results directory."""
from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import pandas as pd

from ..errors import DataError
from ..runner.store import ResultsStore
from ..runner.summary import summary_frame
from . import plots
from .data import avg_curves, config_table, load_frame, with_wilson
from .leaderboard import THRESHOLDS, export_leaderboard, headline
from .oracle import oracle_point
from .sweep import sweep_summary
from .taskmap import task_map


def _fmt(value) -> str:
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.2f}"
    return str(value)


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    if frame.empty:
        return "_(empty)_\n"
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_fmt(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines) + "\n"


def _html_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p><em>(empty)</em></p>"
    return frame.to_html(index=False, escape=True, na_rep="-", float_format=lambda x: f"{x:.2f}", border=0)


def _headline_table(curves: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for model, grp in curves.groupby("model"):
        points = {s: list(zip(g["tps"], g["accuracy"])) for s, g in grp.groupby("strategy")}
        for strategy, values in headline(points)["results"].items():
            rows.append({"model": model, "strategy": strategy, **{f"tps@{t}%": values[str(t)] for t in THRESHOLDS}})
    return pd.DataFrame(rows)


def _model_slug(model: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in model)


def build_report(results_dir: str | Path, out_dir: str | Path,
                 extra_sections: list[tuple[str, pd.DataFrame]] | None = None,
                 note: str | None = None) -> list[Path]:
    """Write ``report.md``, ``report.html`` (PNG figures embedded as base64), the figures and
    the leaderboard files under ``out_dir``; returns the paths written. ``extra_sections``
    (caption, table) come first and ``note`` is added to the introduction (used by demos)."""
    from ..userfiles import make_dir, output_dir

    output_dir(out_dir, "report folder")
    store = ResultsStore(results_dir).open(write=False)
    records = store.records()
    if not records:
        raise DataError(f"{str(results_dir)!r} has no records to report on")
    manifest = store.read_manifest()  # read every input before the first write
    errors = store.errors()
    out = make_dir(out_dir, "report folder")
    frame = load_frame(records)
    table = config_table(frame)
    curves = avg_curves(table)
    oracle = oracle_point(frame)
    tmap = task_map(frame)
    # Accuracy intervals: 95% Wilson over each row's samples (score is in percent).
    summary = with_wilson(summary_frame(records, errors), value="score", prefix="score")

    written: list[Path] = []
    figures = {
        "Accuracy against tokens per step (paper Figure 3)": plots.accuracy_vs_tps(table, out / "accuracy_vs_tps.png"),
        "Speed-quality trade-off, mean over tasks, with the oracle point (paper Figure 7)":
            plots.tradeoff(curves, oracle, out / "tradeoff.png"),
        "Task map: parallelizability and order preference (paper Figure 6)":
            plots.task_map_plot(tmap, out / "task_map.png"),
    }
    written += list(figures.values())
    for model in table["model"].unique():
        written += export_leaderboard(table[table["model"] == model], out / "leaderboard_files", _model_slug(model))

    oracle_df = pd.DataFrame() if oracle is None else pd.DataFrame(
        [{"strategy": oracle.strategy, "accuracy": oracle.accuracy, "tps": oracle.tps, "tasks": oracle.tasks,
          "samples": oracle.samples}])
    # Sections at the top of the report: whether the numbers compare with the paper's, then the
    # sweep summary (what was run).
    top = [("Sweep summary", sweep_summary(manifest, records, errors))]
    sections = top + list(extra_sections or []) + [
        ("Leaderboard metric (tokens per step at mean accuracy >= 80/75/70 %)", _headline_table(curves)),
        ("Mean over tasks per configuration", curves),
        ("Oracle (per-sample best threshold, fewest steps)", oracle_df),
        ("Task characterisation", tmap),
        ("Summary per task, strategy and setting", summary),
    ]
    title = f"ParallelBench report: {manifest.get('config', {}).get('model', '')}"
    intro = (f"Results: `{Path(results_dir)}` - {len(records)} records, {len(errors)} failed samples, "
             f"git {manifest.get('git_commit') or 'n/a'}, metric backends {manifest.get('backends') or 'n/a'}. "
             f"Accuracy intervals (acc_lo..acc_hi, score_lo..score_hi; error bars in the figures) "
             f"are 95% Wilson intervals over the samples behind each number.")
    if note:
        intro += f" {note}."

    from ..runner.comparability import format_section

    comparability = format_section(manifest.get("comparability"))
    md = [f"# {title}\n", intro + "\n", "## Comparability\n\n" + comparability + "\n"]
    for caption, frame_ in top:
        md.append(f"## {caption}\n\n{markdown_table(frame_)}")
    for caption, path in figures.items():
        md.append(f"## {caption}\n\n![{caption}]({path.name})\n")
    for caption, frame_ in sections[len(top):]:
        md.append(f"## {caption}\n\n{markdown_table(frame_)}")
    md_path = out / "report.md"
    md_path.write_text("\n".join(md), encoding="utf-8")

    head, *why = comparability.split("\n")
    items = "".join(f"<li>{html.escape(w[2:])}</li>" for w in why)
    body = [f"<h1>{html.escape(title)}</h1>", f"<p>{html.escape(intro)}</p>",
            f"<h2>Comparability</h2><p>{html.escape(head)}</p>" + (f"<ul>{items}</ul>" if items else "")]
    for caption, frame_ in top:
        body.append(f"<h2>{html.escape(caption)}</h2>{_html_table(frame_)}")
    for caption, path in figures.items():
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        body.append(f"<h2>{html.escape(caption)}</h2><img alt=\"{html.escape(caption)}\" "
                    f"src=\"data:image/png;base64,{data}\">")
    for caption, frame_ in sections[len(top):]:
        body.append(f"<h2>{html.escape(caption)}</h2>{_html_table(frame_)}")
    html_path = out / "report.html"
    html_path.write_text(_PAGE.format(title=html.escape(title), body="\n".join(body)), encoding="utf-8")
    return [md_path, html_path] + written


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 1400px; }}
table {{ border-collapse: collapse; font-size: 0.85em; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #ccc; padding: 2px 6px; text-align: right; }}
th {{ background: #f0f0f0; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
</style></head><body>
{body}
</body></html>
"""
