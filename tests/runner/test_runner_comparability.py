"""Comparability with the paper: verdicts, --require-comparable, results and report sections."""
from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

from parallelbench.runner.comparability import assess, decoding_is_faithful, format_section


def _spec(**kw):
    base = dict(limit=None, sampling="first", max_tokens=None)
    return SimpleNamespace(**{**base, **kw})


def _unit(**kw):
    base = dict(strategy="confidence-topk", decoding={"k": 2}, temperature=0.0, task="t")
    return SimpleNamespace(**{**base, **kw})


def test_comparable_run_has_no_reasons():
    verdict = assess(_spec(), [_unit()], {"t": "official"},
                     {"grammar_backend": ["languagetool-6.6"],
                      "similarity_backend": ["bertscore-0.3.13-roberta-large"]})
    assert verdict == {"comparable": True, "reasons": []}
    assert format_section(verdict) == "Comparable with the paper: yes"


def test_every_reason_is_named():
    verdict = assess(_spec(limit=5, max_tokens=16),
                     [_unit(temperature=1.0, decoding={"k": 2, "variant": "corrected"})],
                     {"t": "builtin"}, {"grammar_backend": ["harper-profile2-0.2.0"],
                                        "similarity_backend": ["chrf-fallback"]})
    text = "\n".join(verdict["reasons"])
    assert not verdict["comparable"]
    for part in ("built-in data", "variant=corrected", "limit=5", "temperature 1.0",
                 "max_tokens=16", "harper-profile2", "chrf-fallback"):
        assert part in text
    assert decoding_is_faithful("confidence-topk", {"k": 1}) == (True, "")


def test_decoding_check_is_the_decoders():
    """The unit check is ``decoding.is_reference_faithful``: every deviation it knows is named."""
    ok, why = decoding_is_faithful("confidence-factor", {"factor": 1.0, "variant": "corrected"})
    assert not ok and "confidence-factor" in why
    ok, why = decoding_is_faithful("confidence-threshold", {"threshold": 0.9, "confidence_dtype": "float32"})
    assert not ok and "confidence_dtype=float32" in why
    assert decoding_is_faithful("confidence-threshold", {"threshold": 0.9}) == (True, "")


def test_require_comparable_refuses_and_writes_nothing(tmp_path):
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "parallelbench.cli", "run", "--model", "ideal", "--tasks",
           "waiting_line/copy", "--strategy", "random", "--k", "1", "--limit", "2", "--out", str(out),
           "--no-progress"]
    res = subprocess.run(cmd + ["--require-comparable"], capture_output=True, text=True)
    assert res.returncode == 2 and "not comparable" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()
    assert subprocess.run(cmd, capture_output=True, text=True).returncode == 0
    verdict = json.loads((out / "manifest.json").read_text())["comparability"]
    assert not verdict["comparable"] and any("built-in" in r for r in verdict["reasons"])
    shown = subprocess.run([sys.executable, "-m", "parallelbench.cli", "results", str(out)],
                           capture_output=True, text=True).stdout
    assert shown.startswith("Comparable with the paper: NO")


def test_report_and_results_show_the_verdict(tmp_path):
    """The report's Comparability section (markdown and html) and ``results`` state the run's
    verdict with every reason, from the manifest the run wrote."""
    out, rep = tmp_path / "res", tmp_path / "rep"
    run = [sys.executable, "-m", "parallelbench.cli", "run", "--model", "ideal", "--tasks",
           "waiting_line/copy", "--strategy", "random", "--k", "1", "--limit", "2", "--out", str(out),
           "--no-progress"]
    assert subprocess.run(run, capture_output=True, text=True).returncode == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["comparability"]["comparable"] is False
    report = subprocess.run([sys.executable, "-m", "parallelbench.cli", "report", str(out), "--out", str(rep)],
                            capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    md = (rep / "report.md").read_text()
    section = md.split("## Comparability", 1)[1].split("\n## ", 1)[0]
    assert "Comparable with the paper: NO" in section
    assert "built-in data" in section and "limit=2" in section
    html = (rep / "report.html").read_text()
    assert "<h2>Comparability</h2>" in html and "limit=2" in html
    results = subprocess.run([sys.executable, "-m", "parallelbench.cli", "results", str(out)],
                             capture_output=True, text=True)
    assert results.returncode == 0 and "Comparable with the paper: NO" in results.stdout
