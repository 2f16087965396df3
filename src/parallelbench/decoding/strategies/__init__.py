"""Unmasking strategies. Importing this package registers every built-in strategy."""
from .base import Strategy, get_strategy, list_strategies, strategy
from . import threshold, topk  # noqa: F401  (registration)

__all__ = ["Strategy", "get_strategy", "list_strategies", "strategy"]
