"""Model-side KV-cache backends (the ``KVBackend`` contract of ``parallelbench.decoding.cache``).

``kv_backend_for(model)`` picks the backend of a loaded model from what its forward accepts, or
returns ``(None, reason)`` when the model cannot reuse keys and values.
"""
from __future__ import annotations

from typing import Any

from .diffusion_gemma import DiffusionGemmaBackend
from .fast_dllm import FastDllmDream, FastDllmLLaDA
from .hf_cache import HFCacheBackend

_BACKENDS = (DiffusionGemmaBackend, FastDllmDream, FastDllmLLaDA)


def kv_backend_for(model: Any) -> tuple[Any, str | None]:
    """``(backend, None)`` for a model whose code can reuse keys and values, else ``(None, why)``."""
    if HFCacheBackend.is_llada2(model):  # block diffusion: block-causal, exact committed-block cache
        return HFCacheBackend(model, causal_blocks=True), None
    for cls in _BACKENDS:
        if cls.accepts(model):
            return cls(model), None
    name = type(model).__name__
    return None, (f"{name} has no KV-cache path we can drive (supported: Fast-dLLM's cache-aware "
                  f"LLaDA and Dream code, LLaDA2, DiffusionGemma; the hub LLaDA and LLaDA-MoE code "
                  f"refuse a cache)")


__all__ = ["DiffusionGemmaBackend", "FastDllmDream", "FastDllmLLaDA", "HFCacheBackend", "kv_backend_for"]
