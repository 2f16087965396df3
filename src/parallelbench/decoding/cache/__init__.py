"""KV-cache execution modes of the sampler (DECODING.md section 5) and their model contract.

``DecodeConfig.cache`` picks a runner (``none``, ``prefix``, ``dual``); a model that can reuse
keys and values exposes a ``KVBackend`` as ``model.kv_backend``. Block-diffusion models (backend
``causal_blocks``) are decoded block-causally, with their exact committed-block cache under
``prefix`` (``blocks.py``). See docs/decoding.md.
"""
from .protocol import KV, KVBackend, kv_backend, kv_unsupported_reason
from .runners import CACHE_MODES, FullRunner, check_runner, make_runner
from .blocks import BlockLayout, BlockRunner, block_layout

__all__ = ["CACHE_MODES", "KV", "KVBackend", "BlockLayout", "BlockRunner", "FullRunner", "block_layout",
           "check_runner", "kv_backend", "kv_unsupported_reason", "make_runner"]
