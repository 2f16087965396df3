"""Model backends behind one small interface (see ``base.py``)."""
from .base import (
    Generation,
    GenerationRequest,
    ModelAPI,
    get_model,
    model_prefixes,
    modelapi,
    stable_hash,
)

__all__ = [
    "Generation",
    "GenerationRequest",
    "ModelAPI",
    "get_model",
    "model_prefixes",
    "modelapi",
    "stable_hash",
]
