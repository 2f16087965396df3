"""Detect a diffusion checkpoint's family, special tokens and default decoding from its config.

One row of ``FAMILIES`` per family (docs/models.md has the same table for users):

* ``llada``: LLaDA 8B Base/Instruct, LLaDA 1.5, iLLaDA (``model_type`` ``llada``). No logit
  shift; called as ``model(input_ids, attention_mask=2-D)``. Reference sampler: LLaDA's /
  Fast-dLLM's ``generate`` (low-confidence top-k, remainder of a block's count to the first
  steps, Gumbel-max noise, semi-AR blocks, optional ``threshold``).
* ``llada_moe``: LLaDA-MoE-7B-A1B (``lladamoe``); LLaDA's conventions and sampler, own ids,
  RoPE positions passed when a batch is left-padded.
* ``llada2``: LLaDA2.0 / 2.1 (``llada2_moe``): block diffusion; called with a 4-D boolean mask
  and positions when padded. Its reference sampler (blocks of 32, 32 steps each, threshold
  0.95, block-causal attention) is the sampler's block-causal mode (``reference`` below).
* ``dream``: Dream 7B, DiffuCoder, Dream-Coder (``Dream``): logits shifted by one (row i-1
  predicts position i); called as ``model(x, mask4d | "full", position_ids)``. Reference:
  Dream's ``diffusion_generate`` (tempered sampling, its float32 timestep schedule).
* ``diffusion_gemma``: DiffusionGemma (native transformers 5): an encoder-decoder that denoises
  one canvas at a time; decoded through the sampler's canvas mode (``reference``: its own
  ``generate``).
* ``generic``: any other masked LM (e.g. ``BertForMaskedLM``): no shift, the tokenizer's mask
  token, keyword call with a 2-D attention mask and position ids when the model takes them.

Ids come from, in order: explicit options, the config (``mask_token_id``...), the tokenizer
(its mask/EOS/pad tokens, then the families' token strings), and the published defaults.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError


@dataclass(frozen=True)
class FamilySpec:
    """What we know about a family before looking at a checkpoint."""

    name: str
    match: tuple[str, ...]  # lower-case substrings of model_type / architectures
    shift_logits: bool
    convention: str  # how the adapter calls the model: llada, llada2, dream, encoder_decoder, generic
    defaults: dict[str, int] = field(default_factory=dict)  # published mask/eos/eot ids
    decoding: dict[str, Any] = field(default_factory=dict)  # DecodeConfig defaults
    reference: str = ""  # the authors' sampler our defaults reproduce


_LLADA_SAMPLER = ("Fast-dLLM/LLaDA generate: low-confidence top-k, steps split over blocks with "
                  "the remainder first, Gumbel-max noise in float64, threshold= optional")
FAMILIES: dict[str, FamilySpec] = {spec.name: spec for spec in (
    FamilySpec("llada2", ("llada2",), False, "llada2",
               {"mask_id": 156895, "eos_id": 156892},
               {"schedule": "llada", "noise_convention": "gumbel_clean"},
               "dllm LLaDA2 sampler: blocks of 32 with block-causal attention, 32 steps per "
               "block, commit every token above threshold 0.95 else the scheduled top-k"),
    FamilySpec("llada_moe", ("lladamoe", "llada_moe"), False, "llada",
               {"mask_id": 156895, "eos_id": 156892},
               {"schedule": "llada", "noise_convention": "gumbel_clean"}, _LLADA_SAMPLER),
    FamilySpec("llada", ("llada",), False, "llada",
               {"mask_id": 126336, "eos_id": 126081, "eot_id": 126348},
               {"schedule": "llada", "noise_convention": "gumbel_clean"}, _LLADA_SAMPLER),
    FamilySpec("dream", ("dream",), True, "dream",  # DiffuCoder and Dream-Coder ship Dream's code
               {"mask_id": 151666, "eos_id": 151643, "eot_id": 151645},
               # Dream samples with the tempered convention; its top-k counts come from the
               # reference's float32 timestep arithmetic (schedule "dream"; "dream_exact" is the
               # exact-integer correction).
               {"noise_convention": "tempered", "schedule": "dream"},
               "Dream diffusion_generate: algs maskgit_plus/topk_margin/entropy/origin, eps 0 and "
               "top_k/top_p None as ParallelBench runs it"),
    FamilySpec("diffusion_gemma", ("diffusion_gemma", "diffusiongemma"), False, "encoder_decoder",
               {}, {}, "transformers DiffusionGemmaForBlockDiffusion.generate (canvas by canvas)"),
    FamilySpec("generic", (), False, "generic", {}, {}, ""),
)}

# Token strings of the known families, looked up in the tokenizer's vocabulary.
_MASK_STRINGS = ("<|mdm_mask|>", "<|mask|>", "[MASK]", "<mask>")
_EOT_STRINGS = ("<|eot_id|>", "<|im_end|>", "<|role_end|>", "<end_of_turn>")


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
    convention: str = "generic"
    reference: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.name, "mask_id": self.mask_id, "eos_id": self.eos_id,
                "pad_id": self.pad_id, "shift_logits": self.shift_logits,
                "stop_ids": list(self.stop_ids), "convention": self.convention}


def family_name(config: Any) -> str:
    """The family of a config, from ``model_type`` and ``architectures`` (``generic`` if none)."""
    tags = " ".join([str(getattr(config, "model_type", "") or "")]
                    + [str(a) for a in (getattr(config, "architectures", None) or [])]).lower()
    for spec in FAMILIES.values():
        if any(m in tags for m in spec.match):
            return spec.name
    return "generic"


def _first_int(*values: Any) -> int | None:
    for value in values:
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _vocab_ids(tokenizer: Any, tokens: tuple[str, ...]) -> list[int]:
    try:
        vocab = tokenizer.get_vocab()
    except (AttributeError, NotImplementedError):
        return []
    return [vocab[t] for t in tokens if t in vocab]


def _config_value(config: Any, key: str) -> Any:
    """``config.<key>``, or the text config's (DiffusionGemma keeps its ids there)."""
    value = getattr(config, key, None)
    if value is None and hasattr(config, "get_text_config"):
        text = config.get_text_config()
        value = getattr(text, key, None) if text is not config else None
    return value


def detect_family(config: Any, tokenizer: Any, *, family: str | None = None,
                  mask_id: int | None = None, eos_id: int | None = None,
                  pad_id: int | None = None, shift_logits: bool | None = None) -> Family:
    """Resolve the family and ids; explicit arguments override what is detected."""
    name = family or family_name(config)
    if name not in FAMILIES:
        raise ConfigError(f"unknown dLLM family {name!r}; expected one of {', '.join(FAMILIES)}")
    spec = FAMILIES[name]
    vocab_size = _first_int(_config_value(config, "vocab_size")) or len(tokenizer)
    mask = _first_int(mask_id, _config_value(config, "mask_token_id"),
                      getattr(tokenizer, "mask_token_id", None),
                      *_vocab_ids(tokenizer, _MASK_STRINGS))
    if mask is None and spec.defaults.get("mask_id", vocab_size) < vocab_size:
        mask = spec.defaults["mask_id"]
    if mask is None:
        raise ConfigError("cannot tell this model's mask token id from its config or tokenizer; "
                          "pass mask_id=<id>")
    if not 0 <= mask < vocab_size:
        raise ConfigError(f"mask_id {mask} is outside the vocabulary (size {vocab_size})")
    eos = _first_int(eos_id, getattr(tokenizer, "eos_token_id", None),
                     _config_value(config, "eos_token_id"), spec.defaults.get("eos_id"))
    pad = _first_int(pad_id, getattr(tokenizer, "pad_token_id", None),
                     _config_value(config, "pad_token_id"), eos)
    eot = _first_int(*_vocab_ids(tokenizer, _EOT_STRINGS), spec.defaults.get("eot_id"))
    stops = [i for i in (eos, eot) if i is not None and i < vocab_size and i != mask]
    return Family(
        name=name, mask_id=mask, eos_id=eos, pad_id=pad,
        shift_logits=spec.shift_logits if shift_logits is None else bool(shift_logits),
        stop_ids=sorted(set(stops)), decoding=dict(spec.decoding), convention=spec.convention,
        reference=spec.reference,
    )
