"""Tiny random-init checkpoints of the *real* dLLM architectures, built at test time.

For every family the kit writes a model folder the way a hub checkpoint looks: the upstream
modelling files (copied at test time from ``<repo>/../shared/upstream``, never stored in the
repository), a small ``config.json`` with the hub's ``auto_map`` (2 layers, hidden 64, a
128-token vocabulary), random weights drawn from a fixed seed and written to
``model.safetensors``, and a word-level tokenizer with a chat template and the family's
special-token strings (mask, EOS, end of turn, pad).

Usage (also by other test areas; folders are not packages, so import this module by path or
from ``tests/models`` on ``sys.path``)::

    from upstream_kit import build, available, FAMILIES
    folder = build("llada", tmp_path / "llada", seed=0)        # -> pathlib.Path
    ids = special_ids("llada")                                  # {"mask": .., "eos": .., ...}

``available(name)`` is False when the family needs ``../shared/upstream`` and it is absent (a
fresh clone): tests then skip. DiffusionGemma is native in transformers and always available.

Families: ``llada`` (LLaDA 8B / 1.5 hub code), ``fast_dllm_llada`` (Fast-dLLM's cache-aware
LLaDA), ``llada_moe``, ``llada2`` (LLaDA2.0 MoE), ``dream`` (Dream / DiffuCoder) and
``diffusion_gemma`` (their configs and tokens: ``upstream_kit_families.py``).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from upstream_kit_families import FAMILIES, HEAD_SCALE, VOCAB_SIZE, WORDS  # noqa: F401

UPSTREAM = Path(__file__).resolve().parents[2].parent / "shared" / "upstream"


def available(name: str) -> bool:
    """True when the family's upstream files are present (always for native models)."""
    fam = FAMILIES[name]
    return fam.folder is None or all((UPSTREAM / fam.folder / f).is_file()
                                     for f in fam.files + fam.reference_files)


def upstream_file(name: str, filename: str) -> Path:
    """Path of an upstream file of a family (e.g. its reference sampler)."""
    return UPSTREAM / FAMILIES[name].folder / filename


def build_tokenizer(name: str):
    """A word-level fast tokenizer of exactly ``VOCAB_SIZE`` tokens with the family's specials."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tok = FAMILIES[name].tokens
    specials = list(dict.fromkeys([tok.pad, "[UNK]", tok.mask, tok.eos, tok.eot, tok.bos,
                                   *tok.extra]))
    words = [w for w in WORDS if w not in specials]
    filler = [f"w{i}" for i in range(VOCAB_SIZE - len(specials) - len(words))]
    vocab = {w: i for i, w in enumerate(specials + words + filler)}
    assert len(vocab) == VOCAB_SIZE
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token=tok.pad, unk_token="[UNK]", mask_token=tok.mask,
        eos_token=tok.eos, bos_token=tok.bos,
        additional_special_tokens=[t for t in specials if t not in
                                   (tok.pad, "[UNK]", tok.mask, tok.eos, tok.bos)],
        chat_template=tok.template)


def special_ids(name: str) -> dict[str, int]:
    """Ids of the family's special tokens in the kit tokenizer."""
    tokenizer = build_tokenizer(name)
    tok = FAMILIES[name].tokens
    get = tokenizer.convert_tokens_to_ids
    return {"mask": get(tok.mask), "eos": get(tok.eos), "eot": get(tok.eot), "pad": get(tok.pad),
            "bos": get(tok.bos)}


def random_state(model, seed: int) -> dict[str, Any]:
    """Random weights for every tensor of ``model.state_dict()`` from one seeded generator:
    matrices ~ N(0, 1/fan_in) (embeddings N(0, 1), the output head ``HEAD_SCALE`` times
    larger), norm scales 1 + N(0, 0.1^2), biases N(0, 0.02^2), integer buffers kept. Logits
    spread enough that confidences cover (0, 1) and near-ties are rare."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, value in sorted(model.state_dict().items()):
        shape = tuple(value.shape)
        if not value.is_floating_point():
            state[key] = value.detach().clone().contiguous()
            continue
        noise = torch.randn(shape, generator=gen, dtype=torch.float32)
        leaf = key.rsplit(".", 1)[-1]
        if value.dim() >= 2:
            embedding = "embed" in key or "wte" in key
            scale = 1.0 if embedding else shape[-1] ** -0.5
            if shape[0] == VOCAB_SIZE and not embedding:
                scale *= HEAD_SCALE  # the output head: confidences spread over (0, 1)
            tensor = noise * scale
        elif "norm" in key or "ln" in key.split(".")[-2:][0] or leaf in ("scale", "weight"):
            tensor = 1.0 + 0.1 * noise
        else:
            tensor = 0.02 * noise
        state[key] = tensor.to(value.dtype).contiguous()
    return state


def build(name: str, folder: Path | str, seed: int = 0) -> Path:
    """Write the tiny checkpoint of family ``name`` to ``folder``; returns the folder."""
    import torch
    from safetensors.torch import save_file

    fam = FAMILIES[name]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ids = special_ids(name)
    tokenizer = build_tokenizer(name)
    config = dict(fam.config(ids))
    if fam.folder is None:  # native: save through transformers itself
        import transformers

        cfg = transformers.AutoConfig.for_model(**config)
        model = getattr(transformers, config["architectures"][0])(cfg)
        model.load_state_dict(random_state(model, seed), strict=False)
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        return folder
    if not available(name):
        raise FileNotFoundError(f"{UPSTREAM / fam.folder} is missing")
    for filename in fam.files:
        shutil.copy(UPSTREAM / fam.folder / filename, folder / filename)
    config["auto_map"] = fam.auto_map
    (folder / "config.json").write_text(json.dumps(config, indent=1))
    # Hub checkpoints carry one (Dream's from_pretrained requires it).
    generation = {"bos_token_id": ids["bos"], "eos_token_id": ids["eos"], "pad_token_id": ids["pad"],
                  "mask_token_id": ids["mask"]}
    (folder / "generation_config.json").write_text(json.dumps(generation, indent=1))
    tokenizer.save_pretrained(folder)
    model = instantiate(folder)
    state = random_state(model, seed)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del model
    torch.manual_seed(seed)
    return folder


def instantiate(folder: Path | str):
    """The family's model class built directly from the folder's config (random init, float32),
    outside our loader: ``model_class(folder)(config)`` under the compatibility layer."""
    from parallelbench.models import compat

    cls, config = compat.remote_class(str(folder))
    return cls(config).float().eval()


def saved_state(folder: Path | str) -> dict[str, Any]:
    """The tensors of the folder's ``model.safetensors`` (or sharded files)."""
    from safetensors.torch import load_file

    state: dict[str, Any] = {}
    for path in sorted(Path(folder).glob("*.safetensors")):
        state.update(load_file(str(path)))
    return state
