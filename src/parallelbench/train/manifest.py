"""``train_manifest.json``: what a training run used and produced.

Fields: ``model`` (spec, family, full or LoRA settings, trainable parameters), ``data`` (tasks,
sources, samples, test prompts removed), ``settings`` (every optimisation setting, the total
steps and the data fingerprint), ``examples`` (trained / held out), ``steps``, ``resumed_at``
(steps at which an interrupted run was resumed), ``seconds``, ``held_out_loss`` (before and
after), ``curve`` (mean loss and learning rate every ``log_every`` steps), ``versions``,
``output`` (the model folder), ``finished_at``.
"""
from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

MANIFEST = "train_manifest.json"


def versions() -> dict[str, str]:
    import torch

    from .. import __version__

    out = {"python": platform.python_version(), "parallelbench": __version__,
           "torch": torch.__version__, "threads": str(torch.get_num_threads())}
    try:
        import transformers

        out["transformers"] = transformers.__version__
    except ImportError:  # pragma: no cover - a dependency
        pass
    try:
        import peft

        out["peft"] = peft.__version__
    except ImportError:
        pass
    return out


def write_manifest(out: str | Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write ``<out>/train_manifest.json`` atomically and return the manifest."""
    manifest = {**manifest, "versions": versions(),
                "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    path = Path(out) / MANIFEST
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)
    return manifest


def read_manifest(out: str | Path) -> dict[str, Any]:
    return json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
