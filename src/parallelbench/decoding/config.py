"""One validated configuration object for the sampler."""
from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..errors import ConfigError


@dataclass
class DecodeConfig:
    """Settings for one decoding run. Invalid combinations raise ``ConfigError`` before any
    forward pass (``validate`` is called by ``decode``)."""

    strategy: str = "confidence-topk"
    """Unmasking strategy id (``parallelbench.decoding.list_strategies()``); aliases accepted."""
    gen_length: int = 32
    """Number of generated positions (ignored when a canvas is given: its width is used)."""
    steps: int | None = None
    """Total denoising steps S for fixed-count strategies; must be a multiple of the number of
    blocks and at most gen_length. Give ``steps`` or ``k``, not both."""
    k: int | None = None
    """Tokens committed per step for fixed-count strategies (steps per block = ceil(B / k))."""
    block_length: int | None = None
    """Semi-autoregressive block length B; ``None`` = one block over the whole generation.
    gen_length must be a multiple of it."""
    temperature: float = 0.0
    """0 = greedy (argmax). > 0 samples: Gumbel-max in float64 (LLaDA convention) by default."""
    threshold: float | None = None
    """Confidence threshold gamma in (0, 1] for threshold-type strategies."""
    factor: float | None = None
    """Fast-dLLM factor f > 0 for ``confidence-factor``."""
    mask_id: int | None = None
    """Token id of the mask token (required)."""
    eos_id: int | None = None
    """End-of-sequence id (recorded; no strategy stops early, as in the reference)."""
    pad_id: int | None = None
    """Padding id used for left-padded prompts when no attention mask is given."""
    shift_logits: bool = False
    """Dream-family models: the prediction for position i is read from output row i-1."""
    seed: int | Sequence[int] = 0
    """Seed of every random choice: one int for all rows, or one seed per row. Each row draws
    from its own generator, so a row decodes the same whatever the batch composition."""
    tie_break: str = "position"
    """How equal scores are ordered: ``position`` (lowest position first) or ``random``."""
    noise_convention: str = "gumbel_clean"
    """``gumbel_clean``: argmax(l + T*g), confidence from the untempered softmax (LLaDA,
    Fast-dLLM); ``tempered``: sample from softmax(l/T), confidence from it (Dream)."""
    schedule: str = "llada"
    """Fixed-count schedule: ``llada`` (remainder to the first steps), ``dream`` (Dream's
    reference: float32 timestep arithmetic, remainder to the last steps, some steps short) or
    ``dream_exact`` (the same schedule in exact integer arithmetic, a correction)."""
    suppress_mask: bool = True
    """Force the mask token's logit to -inf so it is never emitted (all reference models)."""
    confidence_dtype: str = "model"
    """Precision of the softmax behind token choice and confidence: ``model`` = in the dtype the
    model returns (bf16 for bf16 weights), as the LLaDA, Dream and ParallelBench references do
    (probabilities near 1 round to 1.0, ties rank differently); ``float32`` = half-precision
    logits are upcast first (our correction); ``float64`` = as Fast-dLLM's own loops
    (``generate``, ``generate_with_prefix_cache``/``_dual_cache``) take it. Strategies whose
    reference uses a fixed precision (``klass``, ``dus``, ``wino``, ``remdm``: float64; ``rcr``: float32) keep it either way."""
    record_history: bool = False
    """Keep a snapshot of each row's generated region after each of its steps."""
    cache: str = "none"
    """KV-cache execution mode: ``none`` (every step a full forward), ``prefix`` or ``dual``
    (Fast-dLLM: keys/values outside the current block are computed at the block's first step and
    reused; an approximation for bidirectional models). Needs a model with a ``kv_backend``."""
    params: dict[str, Any] = field(default_factory=dict)
    """Strategy-specific parameters (see each strategy's ``params``)."""

    @classmethod
    def build(cls, config: "DecodeConfig | dict | None" = None, **overrides: Any) -> "DecodeConfig":
        """Merge a config (object or dict) with keyword overrides; unknown keys become strategy
        parameters (validated against the chosen strategy)."""
        base: dict[str, Any] = {}
        if isinstance(config, DecodeConfig):
            base = config.to_dict()
        elif isinstance(config, dict):
            base = dict(config)
        elif config is not None:
            raise ConfigError(f"config must be a DecodeConfig or a dict, not {type(config).__name__}")
        base.update(overrides)
        names = {f.name for f in dataclasses.fields(cls)}
        params = dict(base.pop("params", None) or {})
        for key in [k for k in base if k not in names]:
            params[key] = base.pop(key)
        return cls(**base, params=params)

    def to_dict(self) -> dict[str, Any]:
        """All fields as plain JSON types (tensor parameters become lists): what the runner hashes."""
        d = dataclasses.asdict(self)
        d["seed"] = int(self.seed) if isinstance(self.seed, numbers.Integral) else _jsonable(self.seed)
        d["params"] = {k: _jsonable(v) for k, v in self.params.items()}
        return d

    def row_seeds(self, batch: int) -> list[int]:
        """One seed per row: the given list, or ``seed`` for every row (so a sample decodes the
        same alone or in a batch when the caller passes per-sample seeds)."""
        if isinstance(self.seed, numbers.Integral):
            return [int(self.seed)] * batch
        seeds = list(self.seed)
        if len(seeds) != batch:
            raise ConfigError(f"seed has {len(seeds)} entries but the batch has {batch} rows")
        return seeds

    def num_blocks(self, gen_length: int) -> int:
        return gen_length // (self.block_length or gen_length)

    def steps_per_block(self, gen_length: int) -> int | None:
        """Steps each block gets under a fixed-count schedule (``None`` when adaptive)."""
        nb = self.num_blocks(gen_length)
        block = gen_length // nb
        if self.steps is not None:
            return self.steps // nb
        if self.k is not None:
            return math.ceil(block / self.k)
        return None

    def validate(self, gen_length: int, fixed_count: bool) -> None:
        """Raise ConfigError for an impossible combination (before any forward pass)."""
        for name in ("gen_length", "steps", "k", "block_length", "mask_id", "eos_id", "pad_id"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, numbers.Integral) or isinstance(value, bool)):
                raise ConfigError(f"{name} must be an integer, got {value!r}")
        seeds = [self.seed] if isinstance(self.seed, numbers.Integral) else self.seed
        if not isinstance(seeds, (list, tuple)) or not all(
                isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in seeds):
            raise ConfigError(f"seed must be an integer or a list of integers, got {self.seed!r}")
        for name in ("threshold", "factor"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, numbers.Real) or isinstance(value, bool)):
                raise ConfigError(f"{name} must be a number, got {value!r}")
        if gen_length < 1:
            raise ConfigError(f"gen_length must be >= 1, got {gen_length}")
        if self.block_length is not None and self.block_length < 1:
            raise ConfigError(f"block_length must be >= 1, got {self.block_length}")
        if self.mask_id is None:
            raise ConfigError("mask_id is required (the model's mask token id)")
        B = self.block_length or gen_length
        if B < 1 or gen_length % B:
            raise ConfigError(f"gen_length {gen_length} is not a multiple of block_length {B}")
        nb = gen_length // B
        if self.steps is not None and self.k is not None:
            raise ConfigError("give either steps or k, not both")
        if self.k is not None and self.k < 1:
            raise ConfigError(f"k must be >= 1, got {self.k}")
        if self.steps is not None:
            if self.steps < 1 or self.steps > gen_length:
                raise ConfigError(f"steps must be in [1, gen_length={gen_length}], got {self.steps}")
            if self.steps % nb:
                raise ConfigError(
                    f"steps {self.steps} is not divisible by the number of blocks {nb} "
                    f"(gen_length {gen_length} / block_length {B})"
                )
        if fixed_count and self.steps is None and self.k is None:
            raise ConfigError(f"strategy {self.strategy!r} needs steps or k")
        if self.threshold is not None and not (0.0 < self.threshold <= 1.0):
            raise ConfigError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.factor is not None and self.factor <= 0:
            raise ConfigError(f"factor must be > 0, got {self.factor}")
        if not isinstance(self.temperature, (int, float)) or self.temperature < 0 \
                or not math.isfinite(self.temperature):
            raise ConfigError(f"temperature must be >= 0, got {self.temperature}")
        if self.tie_break not in ("position", "random"):
            raise ConfigError(f"tie_break must be 'position' or 'random', got {self.tie_break!r}")
        if self.noise_convention not in ("gumbel_clean", "tempered"):
            raise ConfigError(f"unknown noise_convention {self.noise_convention!r}")
        if self.confidence_dtype not in ("model", "float32", "float64"):
            raise ConfigError(f"confidence_dtype must be 'model', 'float32' or 'float64', "
                              f"got {self.confidence_dtype!r}")
        if self.cache not in ("none", "prefix", "dual"):
            raise ConfigError(f"cache must be 'none', 'prefix' or 'dual', got {self.cache!r}")
        if self.schedule not in ("llada", "dream", "dream_exact"):
            raise ConfigError(f"schedule must be 'llada', 'dream' or 'dream_exact', got {self.schedule!r}")
        legacy = self.params.get("faithful_dream_float_schedule")
        if legacy is not None and (not isinstance(legacy, bool) or self.schedule != "dream"):
            raise ConfigError("faithful_dream_float_schedule is an old switch of schedule='dream' "
                              "(now the reference's float32 schedule by default); use "
                              "schedule='dream_exact' for the exact one")


def _jsonable(value: Any) -> Any:
    """Tensors and tuples as lists, so a config with e.g. a PC-Sampler table can be hashed."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
