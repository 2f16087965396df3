"""A batched, model-agnostic masked-diffusion sampler with pluggable unmasking strategies."""
from . import scores
from .config import DecodeConfig
from .faithful import corrected_variants, is_reference_faithful
from .sampler import check_model, decode
from .schedules import dream_timestep, llada_uniform
from .state import DecodeResult, DecodeState, StepView
from .strategies import Strategy, get_strategy, list_strategies, strategy

__all__ = [
    "DecodeConfig",
    "DecodeResult",
    "DecodeState",
    "StepView",
    "Strategy",
    "check_model",
    "corrected_variants",
    "decode",
    "dream_timestep",
    "get_strategy",
    "is_reference_faithful",
    "list_strategies",
    "llada_uniform",
    "scores",
    "strategy",
]
