"""Is a decoding configuration reference-faithful?

Every strategy's defaults decode exactly as its reference implementation did (the ParallelBench
code the paper and the leaderboard ran, or the strategy's own code where ParallelBench has none).
Our corrections are opt-in: ``variant='corrected'`` on a strategy, ``confidence_dtype='float32'``
and a few config fields. ``is_reference_faithful`` names every such deviation of one config, so
a run can say whether its numbers are comparable with the paper's.
"""
from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from .config import DecodeConfig
from .strategies import get_strategy, list_strategies

#: Strategy names that mean "no diffusion decoding" (autoregressive and API models).
NO_DECODING = (None, "", "none")


def corrected_variants() -> dict[str, tuple[str, ...]]:
    """Strategy id -> what its ``variant='corrected'`` changes (strategies that have one)."""
    out = {}
    for name in list_strategies():
        corrections = get_strategy(name).corrections
        if corrections:
            out[name] = tuple(corrections)
    return out


def is_reference_faithful(config: DecodeConfig | dict[str, Any] | None = None,
                          **overrides: Any) -> tuple[bool, list[str]]:
    """``(True, [])`` when ``config`` decodes as the reference, else ``(False, reasons)`` with
    one short sentence per deviation. ``config`` is a ``DecodeConfig``, a decoding dict as the
    runner records it (``strategy``, ``k``, ``threshold``, strategy parameters...) or None;
    keyword overrides are merged in. Configs without diffusion decoding (strategy ``none``) are
    faithful. Only decoding is judged: temperature and the other sampling settings of a run are
    the caller's to compare."""
    if isinstance(config, DecodeConfig):
        base: dict[str, Any] = config.to_dict()
    elif isinstance(config, dict) or config is None:
        base = dict(config or {})
    else:
        raise ConfigError(f"config must be a DecodeConfig or a dict, not {type(config).__name__}")
    base.update(overrides)
    if base.get("strategy", "confidence-topk") in NO_DECODING:
        return True, []
    cfg = DecodeConfig.build(base)
    cls = get_strategy(cfg.strategy)
    reasons: list[str] = []
    variant = cfg.params.get("variant", "reference")
    if variant != "reference":
        what = "; ".join(cls.corrections) or "unknown variant"
        reasons.append(f"{cls.id}: variant={variant} ({what})")
    if cfg.confidence_dtype != "model" and cls.precision is None:
        reasons.append(f"confidence_dtype={cfg.confidence_dtype}: the references take the softmax in "
                       f"the model's dtype")
    if not cfg.suppress_mask:
        reasons.append("suppress_mask=False: the references never let the mask token be predicted")
    if cfg.tie_break != "position":
        reasons.append(f"tie_break={cfg.tie_break}: the references rank equal scores in torch.topk order")
    exact = cfg.schedule == "dream_exact" or (
        cfg.schedule == "dream" and cfg.params.get("faithful_dream_float_schedule") is False)
    if cls.fixed_count and exact:
        reasons.append("schedule=dream_exact: the Dream reference computes the per-step counts in "
                       "float32 (schedule=dream)")
    return not reasons, reasons
