"""Model backends behind one small interface (see ``base.py``).

Backends are registered lazily: ``get_model("hf-dllm:...")`` imports ``hf_dllm`` (and
``transformers``) only when a spec names it. See docs/models.md.
"""
from .base import (
    Backend,
    Generation,
    GenerationRequest,
    ModelAPI,
    get_backend,
    get_model,
    model_prefixes,
    modelapi,
    stable_hash,
)
from .cache import ResponseCache, default_cache_dir
from .settings import AR_MAX_TOKENS, default_max_tokens, model_kind

__all__ = [
    "AR_MAX_TOKENS",
    "Backend",
    "Generation",
    "GenerationRequest",
    "ModelAPI",
    "ResponseCache",
    "default_cache_dir",
    "default_max_tokens",
    "get_backend",
    "get_model",
    "model_kind",
    "model_prefixes",
    "modelapi",
    "stable_hash",
]
