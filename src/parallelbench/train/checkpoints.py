"""Resumable training checkpoints: ``<out>/checkpoints/step-<N>.pt``, written atomically.

A checkpoint holds the trainable weights, the optimizer and scheduler states, the step, the loss
curve and the settings that must not change on resume. Batches and noise are functions of the
seed and the step, so a resumed run continues exactly where the interrupted one stopped.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..errors import ConfigError

_NAME = re.compile(r"step-(\d+)\.pt")


def checkpoint_dir(out: str | Path) -> Path:
    return Path(out) / "checkpoints"


def list_checkpoints(out: str | Path) -> list[tuple[int, Path]]:
    """``(step, path)`` of every complete checkpoint, by step."""
    folder = checkpoint_dir(out)
    if not folder.is_dir():
        return []
    found = [(int(m[1]), p) for p in folder.iterdir() if (m := _NAME.fullmatch(p.name))]
    return sorted(found)


def save_checkpoint(out: str | Path, step: int, state: dict[str, Any], keep: int = 2) -> Path:
    """Write ``step-<step>.pt`` (temporary file + rename) and keep the ``keep`` newest."""
    import torch

    folder = checkpoint_dir(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"step-{step:07d}.pt"
    tmp = path.with_suffix(".pt.tmp")
    torch.save({**state, "step": step}, tmp)
    os.replace(tmp, path)
    for _, old in list_checkpoints(out)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return path


def load_latest(out: str | Path, expect: dict[str, Any]) -> dict[str, Any] | None:
    """The newest checkpoint's state, or ``None``; settings in ``expect`` must match it."""
    import torch

    found = list_checkpoints(out)
    if not found:
        return None
    state = torch.load(found[-1][1], map_location="cpu", weights_only=False)
    saved = state.get("settings", {})
    changed = [k for k, v in expect.items() if saved.get(k) != v]
    if changed:
        raise ConfigError(f"{found[-1][1]} was written with other settings ({', '.join(changed)}); "
                          f"use a new --out or the same settings to resume")
    return state
