"""Decode item-level problems with the real sampler and the ideal model."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..errors import ConfigError
from .model import IdealModel
from .problems import Problem

# Settings that only make sense for token-level models; the item-level sampler drops them.
_TOKEN_LEVEL = {"gen_length", "mask_id", "eos_id", "pad_id", "shift_logits", "seed",
                "record_history", "tie_break", "suppress_mask"}


@dataclass
class ItemDecode:
    """One decoded problem: item assignment, validity and the sampler's accounting."""

    assign: np.ndarray
    valid: bool
    nfe: int
    tokens_per_step: float
    order: list[int]


def item_config(decoding: dict[str, Any] | None, length: int, max_tokens: int | None = None,
                temperature: float | None = None) -> dict[str, Any]:
    """Translate a decoding dict (as the runner sends it) to item-level sampler settings.

    ``k`` counts items per step (``"all"`` = every item at once); ``steps`` given for a token
    budget of ``max_tokens`` becomes k = max_tokens / steps items per step. A block length at
    least the answer length means one block; a smaller one must divide the answer length.
    """
    cfg = {k: v for k, v in dict(decoding or {}).items() if k not in _TOKEN_LEVEL}
    cfg.setdefault("strategy", "confidence-topk")
    if temperature is not None:
        cfg["temperature"] = temperature
    k, steps = cfg.pop("k", None), cfg.pop("steps", None)
    if k in ("all", "n"):
        k = length
    if k is None and steps is not None:
        budget = max_tokens or length
        k = max(1, math.ceil(budget / int(steps))) if budget != length else None
        if k is None:
            cfg["steps"] = int(steps)
    if k is not None:
        cfg["k"] = max(1, min(int(k), length))
    block = cfg.pop("block_length", None)
    if block is not None and int(block) < length:
        if length % int(block):
            raise ConfigError(f"block_length {block} does not divide the answer's {length} items")
        cfg["block_length"] = int(block)
    return cfg


def decode_problems(problems: Sequence[Problem], config: dict[str, Any],
                    seeds: Sequence[int]) -> list[ItemDecode]:
    """Decode every problem (one sampler call; all problems must have the same length).

    A row's result depends only on its problem and seed when every problem in the call also has
    the same number of items (the sampler's draws are shaped by the batch vocabulary).

    ``config``: item-level sampler settings (see ``item_config``). Greedy token ties are broken
    at random by the model, position ties by the sampler (``tie_break='random'``).
    """
    from ..decoding import decode

    lengths = {p.length for p in problems}
    if len(lengths) != 1:
        raise ValueError("decode_problems needs problems of one length; group them first")
    G = lengths.pop()
    temperature = float(config.get("temperature", 0.0) or 0.0)
    model = IdealModel(problems, seeds=[s + 7919 for s in seeds], break_ties=temperature == 0,
                       strict=bool(config.get("strict", False)))
    res = decode(
        model, model.prompt_ids(), None, dict(config), gen_length=G, mask_id=model.mask_id,
        seed=[int(s) for s in seeds], tie_break="random",
    )
    out = []
    for r, prob in enumerate(problems):
        assign = model.assignment(r, res.tokens[r].tolist())
        out.append(ItemDecode(
            assign=assign,
            valid=bool(np.all(assign >= 0)) and prob.is_valid(assign),
            nfe=int(res.nfe[r]),
            tokens_per_step=float(res.tokens_per_step[r]),
            order=[int(o) for o in res.order[r].tolist()],
        ))
    return out
