"""ParallelBench: the speed-quality trade-off of parallel decoding in diffusion LLMs.

Public API (everything else is private and may change):

* tasks: ``load_task``, ``list_tasks``, ``Sample``
* decoding: ``decode``, ``DecodeConfig``, ``DecodeResult``
* ideal model and theory: ``IdealModel``
* models: ``get_model``, ``GenerationRequest``, ``Generation``
* errors: ``ParallelBenchError``

Names are imported lazily so that ``import parallelbench`` stays cheap (no torch until needed).
"""
from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "load_task": "parallelbench.tasks",
    "list_tasks": "parallelbench.tasks",
    "Sample": "parallelbench.tasks",
    "decode": "parallelbench.decoding",
    "DecodeConfig": "parallelbench.decoding",
    "DecodeResult": "parallelbench.decoding",
    "IdealModel": "parallelbench.ideal",
    "get_model": "parallelbench.models",
    "GenerationRequest": "parallelbench.models",
    "Generation": "parallelbench.models",
    "ParallelBenchError": "parallelbench.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'parallelbench' has no attribute {name!r}")
