"""``hf-dllm:<hub id or local path>`` - open masked-diffusion LLMs through ``transformers``.

LLaDA 8B Instruct / 1.5 / MoE, Dream 7B Instruct, DiffuCoder and other masked-diffusion
checkpoints. The family (mask id, logit shift, EOS/pad, calling convention) is detected from the
config (``families.py``); decoding goes through ``parallelbench.decoding.decode``. Prompts are
rendered with the chat template, left-padded and batched; the output text is the decode of all
generated ids with special tokens skipped, not cut at EOS (SPEC 11.7).
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from ..errors import ConfigError
from .base import Generation, GenerationRequest, modelapi
from .families import Family, detect_family
from .settings import check_options
from .compat import isolated_registrations
from .dllm_loading import honours_padding, load_dllm_weights
from .hf_common import (Stopwatch, encode_left_padded, group_requests, load_config,
                        load_tokenizer, pick_device_dtype, render_prompts)

# Facts about the model that a request's decoding settings may not change.
_MODEL_FACTS = ("mask_id", "eos_id", "pad_id", "shift_logits")
POSTPROCESS = ("pb_skip_special", "truncate_at_first_eos")


class DllmAdapter:
    """Wrap a HF masked-diffusion model as the sampler's callable
    ``f(input_ids, attention_mask) -> logits [B, L, V]`` (the model's dtype, mask logit = -inf)."""

    def __init__(self, model: Any, family: Family):
        import inspect

        from .kv import kv_backend_for

        self.model, self.family = model, family
        # KV-cache hook (decoding.cache): a backend when the model's code can reuse keys/values.
        self.kv_backend, self.kv_unsupported = kv_backend_for(model)
        try:
            params = inspect.signature(model.forward).parameters
        except (TypeError, ValueError):
            params = {}
        self._takes_positions = "position_ids" in params
        # LLaDA's OLMo-style code: an additive attention bias is applied as given, whereas a 2-D
        # attention_mask is merged with a *causal* bias by some hub revisions (Fast-dLLM's copy).
        self._takes_bias = "attention_bias" in params

    def __call__(self, input_ids: Any, attention_mask: Any = None) -> Any:
        import torch

        device = next(self.model.parameters()).device
        x = input_ids.to(device)
        attn = attention_mask.to(device) if attention_mask is not None else None
        padded = attn is not None and bool((attn == 0).any())
        # Positions restart at each row's first real token, as the prompt alone would have them.
        positions = (attn.long().cumsum(-1) - 1).clamp(min=0) if padded else None
        convention = self.family.convention
        if convention == "dream":
            # The Dream reference's convention: a 4-D boolean mask and explicit positions when
            # padded, the string "full" otherwise.
            if padded:
                out = self.model(x, _keep_4d(attn), positions.masked_fill(attn == 0, 1))
            else:
                out = self.model(x, "full", None)
        elif convention == "llada2":
            # A 2-D mask would make LLaDA2's attention causal (its 4.x mask helper); a 4-D boolean
            # keep-mask stays bidirectional, as its sampler's own 4-D masks do.
            out = (self.model(input_ids=x, attention_mask=_keep_4d(attn), position_ids=positions)
                   if padded else self.model(input_ids=x))
        elif convention == "encoder_decoder":
            raise ConfigError(f"the {self.family.name} family decodes one canvas at a time given "
                              f"the encoded prompt; it has no single-sequence forward")
        elif convention == "llada":
            kwargs: dict[str, Any] = {"input_ids": x}
            if padded and self._takes_bias:  # LLaDA: bidirectional, padding keys masked out
                keep = _keep_4d(attn)
                kwargs["attention_bias"] = torch.zeros(keep.shape, device=device).masked_fill(
                    ~keep, torch.finfo(torch.float32).min)
            elif padded:  # LLaDA-MoE: a 2-D padding mask and the RoPE positions
                kwargs["attention_mask"] = attn
                if self._takes_positions:
                    kwargs["position_ids"] = positions
            out = self.model(**kwargs)
        else:
            kwargs = {"input_ids": x}
            if attn is not None:
                kwargs["attention_mask"] = attn
                if padded and self._takes_positions:
                    kwargs["position_ids"] = positions
            out = self.model(**kwargs)
        # Logits stay in the model's dtype: the sampler's confidence_dtype decides on upcasting.
        logits = getattr(out, "logits", out)
        # The mask token must never be predicted (DECODING.md 1); done here as well as in the
        # sampler so the adapter is safe to use on its own.
        logits[..., self.family.mask_id] = float("-inf")
        return logits


def _keep_4d(attn: Any) -> Any:
    """Bool [B, 1, L, L]: query i may attend to key j when both are real tokens."""
    keep = attn.bool()
    return keep[:, None, :, None] & keep[:, None, None, :]


class HFDiffusionLM:
    """Masked-diffusion LLM backend (see the module docstring)."""

    def __init__(self, target: str, *, trust_remote_code: bool = False, device: str | None = None,
                 dtype: str | None = None, device_map: Any = None, batch_size: int = 8,
                 chat_template: bool | str = True, decoding: dict[str, Any] | None = None,
                 postprocess: str = "pb_skip_special", family: str | None = None,
                 mask_id: int | None = None, eos_id: int | None = None,
                 pad_id: int | None = None, shift_logits: bool | None = None):
        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        if postprocess not in POSTPROCESS:
            raise ConfigError(f"postprocess must be one of {POSTPROCESS}, got {postprocess!r}")
        self.name, self.target = f"hf-dllm:{target}", target
        self.batch_size, self.chat_template, self.postprocess = batch_size, chat_template, postprocess
        self.default_decoding = dict(decoding or {})
        self.device, self.dtype = pick_device_dtype(device, dtype)
        with isolated_registrations():  # remote code must not re-route later loads
            config = load_config(target, trust_remote_code)
            self.tokenizer = load_tokenizer(target, trust_remote_code)
        self.family = detect_family(config, self.tokenizer, family=family, mask_id=mask_id,
                                    eos_id=eos_id, pad_id=pad_id, shift_logits=shift_logits)
        self.model = load_dllm_weights(target, config, trust_remote_code=trust_remote_code,
                                       dtype=self.dtype, device=self.device, device_map=device_map)
        self.adapter = DllmAdapter(self.model, self.family)
        self.pads_batches = honours_padding(self.adapter, self.family, len(self.tokenizer))
        """False when the model's code ignores attention masks: then only prompts of equal length
        share a batch (``dllm_loading.honours_padding``)."""
        special = set(getattr(self.tokenizer, "all_special_ids", []) or [])
        self._special = special | {self.family.mask_id, *self.family.stop_ids} | (
            {self.family.pad_id} if self.family.pad_id is not None else set())

    def info(self) -> dict[str, Any]:
        import torch
        import transformers

        return {"backend": "hf-dllm", "model": self.target, **self.family.to_dict(),
                "dtype": str(self.dtype).replace("torch.", ""), "device": self.device,
                "batch_size": self.batch_size, "pads_batches": self.pads_batches,
                "postprocess": self.postprocess,
                "transformers": transformers.__version__, "torch": torch.__version__}

    def decode_config(self, request: GenerationRequest, seeds: list[int]) -> dict[str, Any]:
        """The ``DecodeConfig`` fields used for ``request`` (family defaults < backend defaults <
        the request's own settings < facts about the model)."""
        cfg = {**self.family.decoding, "temperature": request.temperature,
               **self.default_decoding, **(request.decoding or {})}
        cfg.update(gen_length=request.max_tokens, seed=seeds, mask_id=self.family.mask_id,
                   eos_id=self.family.eos_id, pad_id=self.family.pad_id,
                   shift_logits=self.family.shift_logits)
        return cfg

    def check(self, request: GenerationRequest) -> None:
        """``ConfigError`` for a request this model cannot decode (see ``ModelAPI.check``)."""
        from ..decoding import check_model

        check_model(self.adapter, self.decode_config(request, [int(request.seed)]))

    def _canvas(self, requests: Sequence[GenerationRequest]) -> Any:
        """Infilling: the answer skeleton with ``[MASK]`` -> the mask token, right-padded to
        ``max_tokens`` with the pad id (SPEC 7.2)."""
        import torch

        mask_text = self.tokenizer.convert_ids_to_tokens(self.family.mask_id)
        rows = []
        for r in requests:
            ids = self.tokenizer(r.infill.replace("[MASK]", mask_text),
                                 add_special_tokens=False)["input_ids"]
            if len(ids) > r.max_tokens:
                raise ConfigError(f"infill skeleton is {len(ids)} tokens, longer than "
                                  f"max_tokens={r.max_tokens}")
            rows.append(ids + [self.family.pad_id] * (r.max_tokens - len(ids)))
        return torch.tensor(rows, dtype=torch.long)

    def _text(self, ids: list[int]) -> str:
        if self.postprocess == "truncate_at_first_eos":
            stops = [i for i, t in enumerate(ids) if t in self.family.stop_ids]
            ids = ids[:stops[0]] if stops else ids
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        from ..decoding import decode

        results: list[Generation | None] = [None] * len(requests)

        def settings(r: GenerationRequest) -> str:
            key = [r.max_tokens, r.temperature, r.decoding, r.infill is None]
            if not self.pads_batches:  # no padding ever reaches a model that cannot mask it
                key.append(len(encode_left_padded(
                    self.tokenizer, render_prompts(self.tokenizer, [r.messages], self.chat_template),
                    0, templated=self.chat_template is not False)[0][0]))
            return json.dumps(key, sort_keys=True, default=str)

        for idx in group_requests(requests, self.batch_size, settings):
            chunk = [requests[i] for i in idx]
            prompts = render_prompts(self.tokenizer, [r.messages for r in chunk], self.chat_template)
            pad = self.family.pad_id if self.family.pad_id is not None else self.family.mask_id
            ids, attn = encode_left_padded(self.tokenizer, prompts, pad,
                                           templated=self.chat_template is not False)
            cfg = self.decode_config(chunk[0], [r.seed for r in chunk])
            canvas = self._canvas(chunk) if chunk[0].infill is not None else None
            with Stopwatch() as watch:
                out = decode(self.adapter, ids.to(self.device), attn.to(self.device), cfg,
                             canvas=canvas.to(self.device) if canvas is not None else None)
            for row, i in enumerate(idx):
                tokens = out.tokens[row].tolist()
                results[i] = Generation(
                    text=self._text(tokens), token_ids=tokens,
                    output_tokens=sum(t not in self._special for t in tokens),
                    nfe=int(out.nfe[row]), tokens_per_step=float(out.tokens_per_step[row]),
                    order=out.order[row].tolist(), wall_time=watch.seconds / len(idx),
                    latency=watch.seconds,
                    extra={"non_pad_tokens": sum(t != self.family.pad_id for t in tokens),
                           "batch_size": len(idx), "prompt_tokens": int(attn[row].sum()),
                           "device": self.device, "dtype": str(self.dtype).replace("torch.", ""),
                           "cache": cfg.get("cache", "none")},
                )
        return results  # type: ignore[return-value]


@modelapi("hf-dllm", decoding="diffusion",
          result_options=("dtype", "chat_template", "decoding", "postprocess", "family", "mask_id",
                          "eos_id", "pad_id", "shift_logits"))
def _make_hf_dllm(target: str = "", **options: Any) -> HFDiffusionLM:
    check_options("hf-dllm", options, HFDiffusionLM.__init__)
    return HFDiffusionLM(target, **options)
