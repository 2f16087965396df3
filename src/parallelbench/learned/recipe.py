"""The learned model's training recipe and its checkpoint cache.

``DEMO_RECIPE`` trains ``TinyDiffusionLM`` from scratch, with the masked-diffusion SFT loop of
``parallelbench.train``, on the training splits (base seed 123, test prompts removed) of the
Section 4 list operations on letters. A trained model is cached under
``$PARALLELBENCH_CACHE_DIR/learned/<key>`` (default ``~/.cache/parallelbench/learned``), the key
hashing everything that determines the weights (the recipe, the code's format version, the torch
version); an interrupted training resumes from its last checkpoint there.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: Bump when a code change alters what a recipe trains (it invalidates cached models).
FORMAT_VERSION = 1
TRAIN_SEED = 123


@dataclass(frozen=True)
class Recipe:
    """Everything that determines a learned model (data, architecture, optimisation, seed)."""

    ops: tuple[str, ...] = ("copy", "reverse", "replace_index", "replace_random", "shuffle")
    lengths: tuple[int, ...] = (4, 5, 6, 7, 8)
    samples: int = 2000
    gen_length: int = 20
    dim: int = 64
    layers: int = 2
    heads: int = 2
    mlp: int = 256
    mirror_heads: int | None = None
    steps: int = 3000
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: float = 0.05
    seed: int = 0
    threads: int = 2

    def tasks(self) -> list[str]:
        """The built-in tasks whose training splits the model learns (``list_ops/<op>_n<n>``)."""
        return [f"list_ops/{op}_n{n}" for op in self.ops for n in self.lengths]

    def key(self) -> str:
        import torch

        blob = json.dumps({"recipe": asdict(self), "format": FORMAT_VERSION,
                           "torch": ".".join(torch.__version__.split(".")[:2])}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEMO_RECIPE = Recipe()


def cache_root() -> Path:
    from ..models.cache import CACHE_ENV

    root = os.environ.get(CACHE_ENV)
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "parallelbench"
    return base / "learned"


def vocabulary(tasks: list[Any]):
    """The tokenizer: phrases of the list-op templates and of the tasks' templates, letters,
    numbers 0..31, then every piece of the training texts."""
    from ..tasks import prompts
    from .tokenizer import WordTokenizer, template_phrases

    texts = [t for data in tasks for s in data.task for t in (s.prompt, s.reference)]
    extra = [chr(ord("A") + i) for i in range(26)] + [str(i) for i in range(32)]
    templates = [*prompts.LIST_OP_PROMPTS.values(), *(d.task.template for d in tasks)]
    return WordTokenizer.build(texts, extra=extra, phrases=template_phrases(templates))


def train_recipe(recipe: Recipe, out: str | Path, progress: bool = True,
                 device: str = "cpu") -> dict[str, Any]:
    """Train ``recipe`` into ``out`` (``out/model``, checkpoints, manifest); returns the
    manifest. Resumes from a checkpoint in ``out``. ``device`` (e.g. ``cuda``) only speeds up
    experiments: the cached demo model is trained on the CPU."""
    import torch

    from ..train.data import encode_examples, load_training_tasks
    from ..train.loop import SFTConfig, run_sft
    from .trainable import LearnedTrainable

    if recipe.threads:
        torch.set_num_threads(recipe.threads)
    tasks = load_training_tasks(recipe.tasks(), num_samples=recipe.samples, seed=TRAIN_SEED)
    model = LearnedTrainable.fresh(vocabulary(tasks), recipe.seed, device, dim=recipe.dim,
                                   layers=recipe.layers, heads=recipe.heads, mlp=recipe.mlp,
                                   mirror_heads=recipe.mirror_heads)
    examples = encode_examples(model, tasks, gen_length=recipe.gen_length)
    cfg = SFTConfig(steps=recipe.steps, batch_size=recipe.batch_size, lr=recipe.lr,
                    weight_decay=recipe.weight_decay, warmup=recipe.warmup, seed=recipe.seed,
                    eval_samples=256, checkpoint_every=max(1, recipe.steps // 10), log_every=25)
    return run_sft(model, examples, cfg, out, progress=progress, describe={
        "spec": "learned", "recipe": recipe.to_dict(), "recipe_key": recipe.key(),
        "data": [d.describe() for d in tasks]})


def ensure_model(recipe: Recipe = DEMO_RECIPE, cache_dir: str | Path | None = None,
                 progress: bool = True) -> Path:
    """The cached model folder of ``recipe``, training it first when absent."""
    folder = Path(cache_dir) if cache_dir else cache_root() / recipe.key()
    model = folder / "model"
    if not (model / "model.safetensors").is_file():
        folder.mkdir(parents=True, exist_ok=True)
        train_recipe(recipe, folder, progress)
    return model
