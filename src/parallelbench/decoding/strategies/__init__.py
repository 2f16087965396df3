"""Unmasking strategies. Importing this package registers every built-in strategy."""
from .base import Strategy, get_strategy, list_strategies, strategy
from . import threshold, topk  # noqa: F401  (registration)

__all__ = ["Strategy", "get_strategy", "list_strategies", "strategy"]
from . import eb, origin, pc  # noqa: E402,F401  (registration: entropy-bounded, Dream origin, PC-Sampler)
from . import dus, klass, rcr, remdm, slowfast, wino  # noqa: E402,F401  (registration: advanced strategies)
from . import llada2, native  # noqa: E402,F401  (registration: LLaDA2's rule, DiffusionGemma's sampler)
