"""Tiny random-init checkpoints of the real upstream model code (../shared/upstream), built at test
time, and the upstream reference samplers imported unmodified. Everything skips cleanly when the
shared folder is absent."""
from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import types
from pathlib import Path

import pytest
import torch

UPSTREAM = Path(__file__).resolve().parents[2] / ".." / "shared" / "upstream"


def upstream(folder: str) -> Path:
    path = UPSTREAM / folder
    if not path.is_dir():
        pytest.skip(f"../shared/upstream/{folder} is not available")
    return path


def _no_compile() -> None:
    """Fast-dLLM decorates its attention with torch.compile; eager is the same arithmetic and
    keeps the tests fast."""
    import torch._dynamo

    torch._dynamo.config.disable = True


def dynamic_classes(folder: str, files: tuple[str, ...], config: dict, tmp: Path, classes: tuple[str, ...]):
    """Copy the upstream files and a config.json into ``tmp`` and import ``classes`` from them
    (transformers' own remote-code loader)."""
    from transformers import AutoModel
    from transformers.dynamic_module_utils import get_class_from_dynamic_module
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING

    src = upstream(folder)
    for name in files:
        shutil.copy(src / name, tmp / name)
    (tmp / "config.json").write_text(json.dumps(config))
    # Some upstream files register their classes with the Auto* factories on import; undo that so
    # other tests' models of the same model_type still load their own code.
    registries = [CONFIG_MAPPING._extra_content, AutoModel._model_mapping._extra_content]
    saved = [dict(r) for r in registries]
    try:
        return [get_class_from_dynamic_module(c, str(tmp)) for c in classes]
    finally:
        for registry, before in zip(registries, saved):
            registry.clear()
            registry.update(before)


FAST_LLADA_VOCAB, FAST_LLADA_MASK = 128, 126


def fast_dllm_llada(tmp: Path, *, hidden: int = 64, layers: int = 2, heads: int = 4, vocab: int = FAST_LLADA_VOCAB,
                    mask_id: int = FAST_LLADA_MASK, seed: int = 0, sharpen: float = 1.0, dtype=torch.float32):
    """Fast-dLLM's cache-aware LLaDA (``LLaDAModelLM``) with random weights. ``sharpen`` scales the
    output projection so that confidences spread over (0, 1) (a random model is otherwise near
    uniform and every threshold degenerates to one token per step)."""
    pytest.importorskip("einops")
    _no_compile()
    config = dict(
        d_model=hidden, n_heads=heads, n_kv_heads=heads, n_layers=layers, mlp_hidden_size=2 * hidden,
        mlp_ratio=2, activation_type="silu", block_type="llama", rope=True, rope_theta=10000.0,
        layer_norm_type="rms", rms_norm_eps=1e-5, vocab_size=vocab, embedding_size=vocab,
        weight_tying=False, max_sequence_length=1024, mask_token_id=mask_id, eos_token_id=vocab - 1,
        pad_token_id=vocab - 1, include_bias=False, include_qkv_bias=False, attention_dropout=0.0,
        residual_dropout=0.0, embedding_dropout=0.0, init_device="cpu", model_type="llada",
        architectures=["LLaDAModelLM"],
        auto_map={"AutoConfig": "configuration_llada.LLaDAConfig", "AutoModel": "modeling_llada.LLaDAModelLM"})
    config_cls, model_cls = dynamic_classes(
        "fast_dllm_llada", ("configuration_llada.py", "modeling_llada.py"), config, tmp,
        ("configuration_llada.LLaDAConfig", "modeling_llada.LLaDAModelLM"))
    cfg = config_cls.from_pretrained(str(tmp))
    cfg.use_cache = False  # read by the 4.x code, no longer a config default in transformers 5
    torch.manual_seed(seed)
    model = model_cls(cfg, init_params=True)
    with torch.no_grad():
        model.model.transformer.ff_out.weight.mul_(sharpen)
    return model.to(dtype).eval(), model_cls


def fast_dllm_generate(model_cls):
    """Fast-dLLM's ``llada/generate.py`` as a module (its ``from model.modeling_llada import
    LLaDAModelLM`` is satisfied with the class we built)."""
    src = upstream("fast_dllm_llada") / "generate.py"
    pkg, sub = types.ModuleType("model"), types.ModuleType("model.modeling_llada")
    sub.LLaDAModelLM = model_cls
    saved = {k: sys.modules.get(k) for k in ("model", "model.modeling_llada")}
    sys.modules.update({"model": pkg, "model.modeling_llada": sub})
    try:
        spec = importlib.util.spec_from_file_location("fast_dllm_llada_generate", src)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return module


class MaskSuppressed:
    """The reference's view of the model with the mask token's logit at -inf (our convention,
    applied on both sides)."""

    def __init__(self, model, mask_id: int):
        self.model, self.mask_id, self.calls = model, mask_id, 0

    @property
    def device(self):
        return next(self.model.parameters()).device

    def __call__(self, *args, **kwargs):
        self.calls += 1
        out = self.model(*args, **kwargs)
        out.logits[..., self.mask_id] = float("-inf")
        return out


DREAM_VOCAB, DREAM_MASK = 128, 126


def _default_rope(config, device=None, seq_len=None, layer_type=None):
    """Plain RoPE frequencies: the ``default`` entry transformers 5 dropped from its table."""
    dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    inv_freq = 1.0 / (config.rope_theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float().to(device) / dim))
    return inv_freq, 1.0


def fast_dllm_dream(tmp: Path, *, hidden: int = 64, layers: int = 2, heads: int = 4, vocab: int = DREAM_VOCAB,
                    mask_id: int = DREAM_MASK, seed: int = 0, sharpen: float = 1.0, dtype=torch.float32):
    """Fast-dLLM's cache-aware Dream (``DreamModel``) with random weights."""
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    _no_compile()
    config = dict(vocab_size=vocab, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                  num_attention_heads=heads, num_key_value_heads=heads, max_position_embeddings=1024,
                  rope_theta=10000.0, mask_token_id=mask_id, pad_token_id=vocab - 1, model_type="Dream",
                  architectures=["DreamModel"], torch_dtype="float32",
                  auto_map={"AutoConfig": "configuration_dream.DreamConfig", "AutoModel": "modeling_dream.DreamModel"})
    files = ("configuration_dream.py", "modeling_dream.py", "generation_utils.py", "generation_utils_block.py")
    config_cls, model_cls = dynamic_classes("dream", files, config, tmp,
                                            ("configuration_dream.DreamConfig", "modeling_dream.DreamModel"))
    cfg = config_cls.from_pretrained(str(tmp))
    added = "default" not in ROPE_INIT_FUNCTIONS
    if added:
        ROPE_INIT_FUNCTIONS["default"] = _default_rope
    try:
        torch.manual_seed(seed)
        model = model_cls(cfg)
        model.apply(model._init_weights)
    finally:
        if added:
            ROPE_INIT_FUNCTIONS.pop("default")
    with torch.no_grad():
        model.lm_head.weight.mul_(sharpen)
    return model.to(dtype).eval(), model_cls
