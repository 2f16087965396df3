"""The SFT loop: AdamW with warmup and a cosine (or constant) schedule, progress bar, periodic
resumable checkpoints, held-out loss before and after, and the manifest.

A run writes ``<out>/checkpoints/``, ``<out>/model/`` (the final model, in the format its backend
loads) and ``<out>/train_manifest.json``. Running the same command again resumes from the newest
checkpoint (or, when training finished, only rewrites nothing). Batches are a function of the
seed and the step, noise and dropout are seeded per step, so a resumed run ends with the same
weights as an uninterrupted one.
"""
from __future__ import annotations

import math
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Protocol, Sequence

from ..errors import ConfigError
from .checkpoints import list_checkpoints, load_latest, save_checkpoint
from .data import Example, collate, fingerprint
from .manifest import write_manifest

SCHEDULES = ("cosine", "constant")


@dataclass
class SFTConfig:
    """Optimisation settings (defaults: a small LoRA-style run; see docs/training.md)."""

    steps: int | None = None
    epochs: float | None = None
    batch_size: int = 16
    lr: float = 1e-4
    weight_decay: float = 0.0
    warmup: float = 0.05
    schedule: str = "cosine"
    grad_clip: float = 1.0
    eps: float = 1e-3
    seed: int = 0
    eval_samples: int = 64
    checkpoint_every: int = 0
    keep_checkpoints: int = 2
    log_every: int = 10

    def __post_init__(self) -> None:
        if (self.steps is None) == (self.epochs is None):
            raise ConfigError("give the training length as steps or as epochs (one of them)")
        for name, low in (("steps", 1), ("batch_size", 1), ("seed", 0), ("eval_samples", 0),
                          ("checkpoint_every", 0), ("keep_checkpoints", 1), ("log_every", 1)):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
                raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
        # (name, lowest allowed, whether the lowest itself is allowed, highest excluded)
        for name, low, closed, high in (("epochs", 0, False, None), ("lr", 0, False, None),
                                        ("weight_decay", 0, True, None), ("warmup", 0, True, 1),
                                        ("grad_clip", 0, True, None), ("eps", 0, False, 1)):
            value = getattr(self, name)
            if value is None:
                continue
            ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) \
                and (value >= low if closed else value > low) and (high is None or value < high)
            if not ok:
                bounds = f"{'>=' if closed else '>'} {low}" + (f" and < {high}" if high is not None else "")
                raise ConfigError(f"{name} must be a number {bounds}, got {value!r}")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"schedule must be one of {', '.join(SCHEDULES)}")

    def total_steps(self, n_train: int) -> int:
        if self.steps is not None:
            return int(self.steps)
        return max(1, math.ceil(self.epochs * math.ceil(n_train / self.batch_size)))


class Trainable(Protocol):
    """A model the loop can train (hf-dllm checkpoints and the learned model); an optional
    ``objective`` attribute names its objective (``train.objective``; default ``masked``)."""

    mask_id: int
    eos_id: int
    shift_logits: bool
    device: Any

    def forward(self, ids: Any) -> Any: ...
    def trainable_parameters(self) -> Iterable[Any]: ...
    def trainable_state(self) -> dict[str, Any]: ...
    def load_trainable_state(self, state: dict[str, Any]) -> None: ...
    def set_train(self, on: bool) -> None: ...
    def save_final(self, folder: Path) -> None: ...
    def info(self) -> dict[str, Any]: ...


def _lr_factor(cfg: SFTConfig, total: int):
    warm = int(cfg.warmup * total)

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        if cfg.schedule == "constant":
            return 1.0
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    return factor


def split_examples(examples: Sequence[Example], cfg: SFTConfig) -> tuple[list[Example],
                                                                          list[Example]]:
    """``(train, held-out)``: a seeded permutation; the held-out part is never trained on."""
    import numpy as np

    order = np.random.default_rng(cfg.seed).permutation(len(examples))
    n_eval = min(cfg.eval_samples, len(examples) // 10)
    return [examples[i] for i in order[n_eval:]], [examples[i] for i in order[:n_eval]]


def _batch(train: Sequence[Example], cfg: SFTConfig, step: int) -> list[Example]:
    import numpy as np

    per_epoch = math.ceil(len(train) / cfg.batch_size)
    epoch, j = divmod(step, per_epoch)
    order = np.random.default_rng([cfg.seed, epoch]).permutation(len(train))
    return [train[i] for i in order[j * cfg.batch_size:(j + 1) * cfg.batch_size]]


def held_out_loss(model: Trainable, examples: Sequence[Example], cfg: SFTConfig) -> float | None:
    """Mean loss on the held-out examples with fixed noise (comparable before and after)."""
    import torch

    from .objective import batch_loss

    if not examples:
        return None
    model.set_train(False)
    gen = torch.Generator().manual_seed(cfg.seed + 1)
    total = 0.0
    with torch.no_grad():
        for start in range(0, len(examples), cfg.batch_size):
            chunk = examples[start:start + cfg.batch_size]
            ids, plen = collate(chunk, model.eos_id)
            loss, _ = batch_loss(model, ids, plen, gen, cfg.eps)
            total += float(loss) * len(chunk)
    return total / len(examples)


def run_sft(model: Trainable, examples: Sequence[Example], cfg: SFTConfig, out: str | Path, *,
            progress: bool = True, describe: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train ``model`` on ``examples`` into ``out``; returns the manifest (a dict)."""
    import torch
    from tqdm.auto import tqdm

    from .objective import batch_loss

    out = Path(out)
    train, held = split_examples(examples, cfg)
    if not train:
        raise ConfigError("no training examples left after holding out the evaluation set")
    total = cfg.total_steps(len(train))
    settings = {**asdict(cfg), "total_steps": total, "data": fingerprint(examples)}
    params = [p for p in model.trainable_parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr_factor(cfg, total))
    state = load_latest(out, {k: settings[k] for k in ("total_steps", "data", "seed", "lr",
                                                        "batch_size", "eps")})
    curve: list[dict[str, float]] = []
    if state is not None:
        model.load_trainable_state(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start, curve, before = state["step"], state["curve"], state["loss_before"]
        window: list[float] = list(state.get("window", []))
        resumed = list(state.get("resumed", [])) + [start]
        seconds = state.get("seconds", 0.0)
    else:
        start, resumed, seconds, window = 0, [], 0.0, []
        before = held_out_loss(model, held, cfg)

    def snapshot(step: int) -> dict[str, Any]:
        return {"model": model.trainable_state(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "curve": curve, "window": window,
                "loss_before": before, "settings": settings, "resumed": resumed,
                "seconds": seconds}

    model.set_train(True)
    bar = tqdm(total=total, initial=start, desc="train", unit="step", disable=not progress,
               file=sys.stderr)
    completed, t0 = start, time.perf_counter()
    try:
        for step in range(start, total):
            torch.manual_seed(cfg.seed * 1_000_003 + step)  # dropout (e.g. LoRA) per step
            gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step)
            ids, plen = collate(_batch(train, cfg, step), model.eos_id)
            loss, _ = batch_loss(model, ids, plen, gen, cfg.eps)
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            completed = step + 1
            window.append(float(loss.detach()))
            if (step + 1) % cfg.log_every == 0 or step + 1 == total:  # windows fixed by step
                curve.append({"step": step + 1, "loss": sum(window) / len(window),
                              "lr": scheduler.get_last_lr()[0]})
                bar.set_postfix(loss=f"{curve[-1]['loss']:.4f}")
                window.clear()
            bar.update(1)
            if cfg.checkpoint_every and (step + 1) % cfg.checkpoint_every == 0 and step + 1 < total:
                seconds_now = seconds + time.perf_counter() - t0
                save_checkpoint(out, step + 1, {**snapshot(step + 1), "seconds": seconds_now},
                                cfg.keep_checkpoints)
    except KeyboardInterrupt:  # keep what is done; the same command resumes from here
        if completed > start:
            save_checkpoint(out, completed, {**snapshot(completed),
                                             "seconds": seconds + time.perf_counter() - t0},
                            cfg.keep_checkpoints)
        raise
    finally:
        bar.close()
    seconds += time.perf_counter() - t0
    if not list_checkpoints(out) or list_checkpoints(out)[-1][0] < total:
        save_checkpoint(out, total, {**snapshot(total), "seconds": seconds}, cfg.keep_checkpoints)
    after = held_out_loss(model, held, cfg)
    info = model.info()  # before saving: merging LoRA weights changes the model
    final = out / "model"
    tmp = out / "model.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_final(tmp)
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    return write_manifest(out, {
        **(describe or {}), "model": info, "settings": settings,
        "examples": {"train": len(train), "held_out": len(held)},
        "steps": total, "resumed_at": resumed, "seconds": seconds,
        "held_out_loss": {"before": before, "after": after}, "curve": curve,
        "output": str(final)})
