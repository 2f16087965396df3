"""The strategy protocol and registry.

A strategy is a small unit plugged into the one sampler loop (``sampler.py``). At each step it
sees a ``StepView`` (logits of the generated region, proposed tokens and confidences, the
candidate positions of each row's current block, the scheduled count) and answers:

* ``select(view)``: which masked positions to commit now (their tokens are ``view.x_hat``);
* ``remask(view, committed)``: for revising strategies, which committed positions to re-mask;
* ``block_done(state, rows)``: whether each row's current block is finished.

No scoring code branches on a strategy name: each behaviour lives in its own class.
"""
from __future__ import annotations

from typing import Any, ClassVar

import torch

from ...errors import ConfigError
from ..config import DecodeConfig

VARIANTS = ("reference", "corrected")
"""Values of the ``variant`` parameter every strategy takes (``reference`` is the default)."""

_REGISTRY: dict[str, type["Strategy"]] = {}
_ALIASES: dict[str, str] = {}


class Strategy:
    """Base class: commit nothing; subclasses override ``select``."""

    id: ClassVar[str] = ""
    fixed_count: ClassVar[bool] = False
    """True when the strategy follows a steps/k schedule (``view.n_commit`` is meaningful)."""
    revises: ClassVar[bool] = False
    """True when committed tokens may be re-masked."""
    candidates_only: ClassVar[bool] = False
    """True when ``select`` reads ``view.x_hat``/``view.confidence`` at candidate positions only
    and commits candidates only: the sampler then scores just those (the greedy hot path)."""
    kv_cache: ClassVar[bool | str] = True
    """True when the strategy can run with ``cache="prefix"``/``"dual"`` (it commits and re-masks
    only positions of the current block); otherwise the reason it cannot (the error says it)."""
    params: ClassVar[dict[str, Any]] = {}
    """Strategy-specific parameters and their defaults (``variant`` is added for every strategy)."""
    corrections: ClassVar[tuple[str, ...]] = ()
    """What ``variant='corrected'`` changes, one short sentence each. The default
    ``variant='reference'`` decodes exactly as the strategy's reference implementation; a strategy
    without corrections rejects ``corrected``."""
    precision: ClassVar[str | None] = None
    """``float32``/``float64`` when the reference takes its confidences in that precision
    whatever the model's dtype; None = the config's ``confidence_dtype``."""
    source: ClassVar[str] = ""
    """Paper the strategy comes from, and where our reading had to choose (docs)."""

    def __init__(self, cfg: DecodeConfig):
        known_params = {**self.params, "variant": "reference"}
        unknown = sorted(set(cfg.params) - set(known_params) - {"faithful_dream_float_schedule"})
        if unknown:
            known = ", ".join(sorted(known_params))
            raise ConfigError(
                f"unknown parameter(s) {', '.join(unknown)} for strategy {self.id!r} (known: {known})"
            )
        self.cfg = cfg
        self.p: dict[str, Any] = {**known_params, **cfg.params}
        variant = self.p["variant"]
        if variant not in VARIANTS:
            raise ConfigError(f"{self.id}: variant must be 'reference' or 'corrected', got {variant!r}")
        if variant == "corrected" and not self.corrections:
            raise ConfigError(f"{self.id} has no corrected variant: it decodes as its reference")
        self.corrected = variant == "corrected"
        """True for ``variant='corrected'`` (our corrections, see ``corrections``)."""
        self.check()

    def check(self) -> None:
        """Validate parameters (raise ConfigError)."""

    def setup(self, state) -> None:
        """Allocate per-run buffers in ``state.memory``."""

    def on_block_start(self, state, rows: torch.Tensor) -> None:
        """Called when ``rows`` enter a new block."""

    def forward(self, model, state, rows: torch.Tensor) -> torch.Tensor:
        return state.forward(model, rows, self.precision)

    def select(self, view) -> torch.Tensor:
        raise NotImplementedError

    def remask(self, view, committed: torch.Tensor) -> torch.Tensor | None:
        return None

    def block_done(self, state, rows: torch.Tensor) -> torch.Tensor:
        return ~state.block_masks(rows).any(1)


def strategy(id: str, aliases: tuple[str, ...] = ()):
    """Class decorator registering a strategy under its public id and aliases."""

    def register(cls: type[Strategy]) -> type[Strategy]:
        cls.id = id
        _REGISTRY[id] = cls
        for alias in aliases:
            _ALIASES[alias] = id
        return cls

    return register


def get_strategy(name: str) -> type[Strategy]:
    key = _ALIASES.get(name, name)
    if key not in _REGISTRY:
        raise ConfigError(f"unknown strategy {name!r}; known: {', '.join(list_strategies())}")
    return _REGISTRY[key]


def list_strategies(include_aliases: bool = False) -> list[str]:
    names = sorted(_REGISTRY)
    return names + sorted(_ALIASES) if include_aliases else names
