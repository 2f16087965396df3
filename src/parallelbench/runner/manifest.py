"""What a run records about itself: config, versions, seeds, backends and git commit."""
from __future__ import annotations

import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from ..models.base import stable_hash
from .expand import redact
from .spec import SweepSpec

_PACKAGES = ("parallelbench", "torch", "transformers", "numpy", "pandas", "ray",
             "language-tool-python", "harper-py", "bert-score", "rouge-score", "sacrebleu")


def package_versions() -> dict[str, str]:
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def git_commit() -> str | None:
    """The commit of the checkout the package runs from, if it is a git checkout."""
    root = Path(__file__).resolve().parents[3]
    if not (root / ".git").exists():
        return None
    try:
        res = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    sha = res.stdout.strip()
    return sha if res.returncode == 0 and sha else None


def backends_from_records(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Metric backends reported in score dicts (e.g. ``grammar_backend``), as sorted lists:
    a run must never silently mix two grammar checkers, and this makes a mix visible."""
    seen: dict[str, set[str]] = {}
    for rec in records:
        for key, value in (rec.get("metrics") or {}).items():
            if key.endswith("_backend") and isinstance(value, str):
                seen.setdefault(key, set()).add(value)
    return {k: sorted(v) for k, v in seen.items()}


def build_manifest(previous: dict[str, Any], spec: SweepSpec, units: list, executor: str,
                   model_info: dict[str, Any] | None,
                   identity: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest after starting a run: the current config, plus a history entry per run.
    ``identity`` (model and hashed result-determining options) is what a later run into the
    same directory must match."""
    config = spec.to_dict()
    config["model_options"] = redact(config["model_options"])
    if config.get("languagetool_url"):
        from ..metrics.backends import MetricBackends

        config["languagetool_url"] = MetricBackends.from_spec(spec).to_dict()["languagetool_url"]
    entry = {
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config_hash": stable_hash(spec.to_dict())[:16],
        "units": len(units), "samples": sum(u.num_samples for u in units), "executor": executor,
    }
    manifest = dict(previous)
    manifest.update({
        "format": "parallelbench-results/1",
        "config": config,
        "seeds": {"base": spec.seed, "per_sample": "int(sha256(json([seed, task, index]))[:8], 16)"},
        "versions": {"python": sys.version.split()[0], "platform": platform.platform(), **package_versions()},
        "git_commit": git_commit(),
        "model": {"spec": spec.model, "info": model_info},
    })
    if identity is not None:
        manifest["identity"] = identity
        manifest["key_format"] = 2
    manifest["history"] = list(previous.get("history", [])) + [entry]
    return manifest
