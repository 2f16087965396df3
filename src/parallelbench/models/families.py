"""Detect a masked-diffusion checkpoint's family and special tokens from its config.

Three families (DECODING.md section 1, "Model adapters"):

* ``llada`` (LLaDA 8B Instruct, LLaDA 1.5, LLaDA-MoE): no logit shift, mask 126336, EOS 126081,
  EoT 126348; called as ``model(input_ids, attention_mask=...)``.
* ``dream`` (Dream 7B Instruct, DiffuCoder): logits shifted by one (row i-1 predicts position i),
  mask 151666, EOS = pad 151643; called as ``model(x, mask4d | "full", position_ids)`` like the
  Dream reference.
* ``generic``: any other masked LM (e.g. ``BertForMaskedLM``): no shift, the tokenizer's mask
  token, keyword call with a 2-D attention mask and position ids when the model takes them.

The family is read from ``model_type`` and ``architectures``; ids come from, in order, explicit
options, the config (``mask_token_id``...), the tokenizer, and the family's published defaults.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError

# Published ids, used only when neither the config nor the tokenizer names the token.
_DEFAULTS = {
    "llada": {"mask_id": 126336, "eos_id": 126081, "eot_id": 126348},
    "dream": {"mask_id": 151666, "eos_id": 151643, "eot_id": 151645},
}
# Mask-token strings of the known families, looked up in the tokenizer's vocabulary.
_MASK_STRINGS = ("<|mdm_mask|>", "<|mask|>", "[MASK]", "<mask>")

# Decoding defaults each family brings (a request's own decoding settings win).
_DECODING = {
    # Both references take the softmax in the model's dtype (bf16 weights: bf16 probabilities).
    "llada": {"confidence_dtype": "model"},
    # Dream samples with the tempered convention and puts a schedule's remainder last.
    "dream": {"noise_convention": "tempered", "schedule": "dream", "confidence_dtype": "model"},
    "generic": {},
}


@dataclass
class Family:
    """What the dLLM adapter and the sampler need to know about a checkpoint."""

    name: str
    mask_id: int
    eos_id: int | None
    pad_id: int | None
    shift_logits: bool
    stop_ids: list[int] = field(default_factory=list)
    decoding: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.name, "mask_id": self.mask_id, "eos_id": self.eos_id,
                "pad_id": self.pad_id, "shift_logits": self.shift_logits,
                "stop_ids": list(self.stop_ids)}


def family_name(config: Any) -> str:
    """``llada``, ``dream`` or ``generic`` from ``config.model_type`` and ``architectures``."""
    tags = " ".join([str(getattr(config, "model_type", "") or "")]
                    + [str(a) for a in (getattr(config, "architectures", None) or [])]).lower()
    if "dream" in tags:  # DiffuCoder ships the Dream architecture
        return "dream"
    if "llada" in tags:
        return "llada"
    return "generic"


def _first_int(*values: Any) -> int | None:
    for value in values:
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _vocab_id(tokenizer: Any, token: str) -> int | None:
    try:
        vocab = tokenizer.get_vocab()
    except (AttributeError, NotImplementedError):
        return None
    return vocab.get(token)


def detect_family(config: Any, tokenizer: Any, *, family: str | None = None,
                  mask_id: int | None = None, eos_id: int | None = None,
                  pad_id: int | None = None, shift_logits: bool | None = None) -> Family:
    """Resolve the family and ids; explicit arguments override what is detected."""
    name = family or family_name(config)
    if name not in _DECODING:
        raise ConfigError(f"unknown dLLM family {name!r}; expected llada, dream or generic")
    defaults = _DEFAULTS.get(name, {})
    vocab_size = _first_int(getattr(config, "vocab_size", None)) or len(tokenizer)
    mask = _first_int(mask_id, getattr(config, "mask_token_id", None),
                      getattr(tokenizer, "mask_token_id", None),
                      *(_vocab_id(tokenizer, s) for s in _MASK_STRINGS))
    if mask is None and defaults.get("mask_id", vocab_size) < vocab_size:
        mask = defaults["mask_id"]
    if mask is None:
        raise ConfigError("cannot tell this model's mask token id from its config or tokenizer; "
                          "pass mask_id=<id>")
    if not 0 <= mask < vocab_size:
        raise ConfigError(f"mask_id {mask} is outside the vocabulary (size {vocab_size})")
    eos = _first_int(eos_id, getattr(tokenizer, "eos_token_id", None),
                     getattr(config, "eos_token_id", None), defaults.get("eos_id"))
    pad = _first_int(pad_id, getattr(tokenizer, "pad_token_id", None),
                     getattr(config, "pad_token_id", None), eos)
    stops = [i for i in (eos, defaults.get("eot_id")) if i is not None and i < vocab_size]
    return Family(
        name=name, mask_id=mask, eos_id=eos, pad_id=pad,
        shift_logits=(name == "dream") if shift_logits is None else bool(shift_logits),
        stop_ids=sorted(set(stops)), decoding=dict(_DECODING[name]),
    )
