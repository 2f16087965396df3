"""Reference code for the parity tests: tiny random-init checkpoints of the real LLaDA and Dream
architectures and the upstream samplers, all read at run time from ``<repo>/../shared/upstream``
(see its README). Nothing from there is copied into the repository; ``available()`` is False in a
clone without it, and the tests then skip.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
import types
from functools import lru_cache
from pathlib import Path

import torch

UPSTREAM = Path(__file__).resolve().parents[2].parent / "shared" / "upstream"
V, MASK, PAD = 64, 63, 0  # tiny vocabulary; the mask id is the last token


def available() -> bool:
    return (UPSTREAM / "fast_dllm_llada" / "generate.py").is_file() and (UPSTREAM / "dream").is_dir()


@lru_cache(maxsize=None)
def _module_dir(family: str) -> str:
    """A temporary model folder holding the upstream modeling files of ``family``."""
    folder = Path(tempfile.mkdtemp(prefix=f"pb_ref_{family}_"))
    names = {"llada": ["configuration_llada.py", "modeling_llada.py"],
             "dream": ["configuration_dream.py", "modeling_dream.py", "generation_utils.py"]}[family]
    for name in names:
        shutil.copyfile(UPSTREAM / family / name, folder / name)
    return str(folder)


def _dynamic(family: str, name: str):
    from transformers.dynamic_module_utils import get_class_from_dynamic_module

    return get_class_from_dynamic_module(name, _module_dir(family))


def _default_rope(config, device=None, **_):
    """Plain RoPE frequencies: transformers 5 no longer registers a ``default`` rope type, which
    the Dream modeling code looks up."""
    dim = config.hidden_size // config.num_attention_heads
    exponent = torch.arange(0, dim, 2, dtype=torch.int64).float().to(device) / dim
    return 1.0 / (config.rope_theta ** exponent), 1.0


def _spread(model, seed: int, std: float) -> None:
    """Re-draw every weight matrix from N(0, std^2 / fan_in): the checkpoints' own tiny init makes
    every position predict the same token; this one makes predictions depend on position and
    context, with confidences from about 0.4 to 1.0 (so thresholds, ranks and bf16 rounding
    all matter)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() >= 2:
                param.copy_(torch.randn(param.shape, generator=g) * std / param.shape[-1] ** 0.5)


def tiny_llada(dtype=torch.float64, seed: int = 0, scale: float = 4.0, std: float = 3.0):
    """A 2-layer, hidden-64 ``LLaDAModelLM`` (the real modeling code) with random weights; the
    output layer is scaled so that some predictions are confident."""
    config_cls = _dynamic("llada", "configuration_llada.LLaDAConfig")
    model_cls = _dynamic("llada", "modeling_llada.LLaDAModelLM")
    cfg = config_cls(d_model=64, n_heads=4, n_kv_heads=4, n_layers=2, mlp_ratio=4, mlp_hidden_size=128,
                     block_type="llama", activation_type="silu", rope=True, rope_theta=10000.0,
                     layer_norm_type="rms", include_bias=False, weight_tying=False, vocab_size=V,
                     embedding_size=V, mask_token_id=MASK, eos_token_id=1, pad_token_id=PAD,
                     max_sequence_length=256, init_device="cpu", flash_attention=False)
    cfg.use_cache = False  # transformers 5 drops the attribute the modeling code reads
    torch.manual_seed(seed)
    model = model_cls(cfg, init_params=True).eval()
    _spread(model, seed, std)
    with torch.no_grad():
        model.model.transformer.ff_out.weight.mul_(scale)
    return model.to(dtype)


def tiny_dream(dtype=torch.float64, seed: int = 0, scale: float = 4.0, std: float = 3.0):
    """A 2-layer, hidden-64 ``DreamModel`` (the real modeling code and its ``_sample`` loop)."""
    from transformers import modeling_rope_utils

    added = "default" not in modeling_rope_utils.ROPE_INIT_FUNCTIONS
    if added:
        modeling_rope_utils.ROPE_INIT_FUNCTIONS["default"] = _default_rope
    try:
        config_cls = _dynamic("dream", "configuration_dream.DreamConfig")
        model_cls = _dynamic("dream", "modeling_dream.DreamModel")
        cfg = config_cls(vocab_size=V, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=256,
                         mask_token_id=MASK, pad_token_id=PAD, bos_token_id=2, eos_token_id=1)
        torch.manual_seed(seed)
        model = model_cls(cfg).eval()
    finally:
        if added:
            del modeling_rope_utils.ROPE_INIT_FUNCTIONS["default"]
    _spread(model, seed, std)
    with torch.no_grad():
        model.lm_head.weight.mul_(scale)
    return model.to(dtype)


def dream_generation_config(**kwargs):
    return _dynamic("dream", "generation_utils.DreamGenerationConfig")(**kwargs)


class Suppressed:
    """A model whose logits have the mask token at -inf (as ParallelBench's wrappers do), callable
    as the upstream loops call it (``m(x).logits``, ``m.device``) and as our sampler does
    (``m(ids, attention_mask)``). Dream models are called the Dream way (``"full"`` mask)."""

    device = torch.device("cpu")

    def __init__(self, model, dream: bool = False):
        self.model, self.dream = model, dream

    def __call__(self, ids, attention_mask=None):
        with torch.no_grad():
            out = self.model(ids, "full", None) if self.dream else self.model(ids)
        logits = out.logits.clone()
        logits[..., MASK] = float("-inf")
        return types.SimpleNamespace(logits=logits)


class Suppressed4D:
    """The same for a model taking WINO's extended call (a 4-D mask and position ids)."""

    supports_4d_attention = True

    def __init__(self, model):
        self.model = model

    def __call__(self, ids, attention_mask=None, position_ids=None):
        with torch.no_grad():
            logits = self.model(ids, attention_mask=attention_mask, position_ids=position_ids).clone()
        logits[..., MASK] = float("-inf")
        return logits


class Recording:
    """The generated region of every model input a reference loop sends (``wrap`` a callable
    model, or ``hook`` an ``nn.Module`` whose own method calls it), turned into the decoding
    order our sampler reports: the last step (1-based) at which each position went from mask to
    token, 0 when it ends masked."""

    def __init__(self, P: int, G: int):
        self.P, self.G, self.states = P, G, []

    def record(self, ids) -> None:
        self.states.append(ids[0, self.P:self.P + self.G].clone())

    def wrap(self, model):
        return _Recorded(model, self)

    def hook(self, module):
        return module.register_forward_pre_hook(lambda mod, args: self.record(args[0]))

    def trace(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int]:
        seq = self.states + [tokens]
        order = torch.zeros(self.G, dtype=torch.long)
        for t in range(1, len(seq)):
            order[(seq[t] != MASK) & (seq[t - 1] == MASK)] = t
        order[tokens == MASK] = 0
        return tokens, order, len(self.states)


class _Recorded:
    def __init__(self, model, recording: Recording):
        self._model, self._recording = model, recording

    def __getattr__(self, name):
        return getattr(self._model, name)

    def __call__(self, ids, *args, **kwargs):
        self._recording.record(ids)
        return self._model(ids, *args, **kwargs)


@lru_cache(maxsize=None)
def fast_dllm():
    """Fast-dLLM's ``llada/generate.py`` as a module (its unused model import is stubbed)."""
    stub = types.ModuleType("model.modeling_llada")
    stub.LLaDAModelLM = None
    saved = {k: sys.modules.get(k) for k in ("model", "model.modeling_llada")}
    sys.modules["model"] = types.ModuleType("model")
    sys.modules["model.modeling_llada"] = stub
    try:
        spec = importlib.util.spec_from_file_location("pb_fast_dllm_generate",
                                                      UPSTREAM / "fast_dllm_llada" / "generate.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        for key, value in saved.items():
            if value is None:
                sys.modules.pop(key, None)
            else:
                sys.modules[key] = value
    return module


def prompt(seed: int, length: int = 6) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(3, MASK, (1, length), generator=g)
