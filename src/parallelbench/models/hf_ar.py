"""``hf-ar:<hub id or local path>`` - autoregressive baselines through ``transformers`` generate.

Greedy by default (the paper's protocol), batched with left padding, chat template with the
generation prompt. An autoregressive model makes one forward pass per generated token, so
``nfe`` = generated tokens and ``tokens_per_step`` = 1.
"""
from __future__ import annotations

import json
from typing import Any, Sequence

from ..errors import ConfigError
from .base import Generation, GenerationRequest, modelapi
from .hf_common import (Stopwatch, encode_left_padded, group_requests, load_config,
                        load_tokenizer, load_weights, pick_device_dtype, render_prompts)
from .settings import check_options


class HFCausalLM:
    """Autoregressive LLM backend (see the module docstring)."""

    def __init__(self, target: str, *, trust_remote_code: bool = False, device: str | None = None,
                 dtype: str | None = None, device_map: Any = None, batch_size: int = 8,
                 chat_template: bool | str = True, top_p: float = 1.0, top_k: int = 0):
        from transformers import AutoModelForCausalLM

        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        self.name, self.target = f"hf-ar:{target}", target
        self.batch_size, self.chat_template = batch_size, chat_template
        self.top_p, self.top_k = float(top_p), int(top_k)
        self.device, self.dtype = pick_device_dtype(device, dtype)
        config = load_config(target, trust_remote_code)
        self.tokenizer = load_tokenizer(target, trust_remote_code)
        eos = self.tokenizer.eos_token_id
        if eos is None:
            eos = getattr(config, "eos_token_id", None)
        self.stop_ids = sorted({e for e in (eos if isinstance(eos, list) else [eos])
                                if e is not None})
        pad = self.tokenizer.pad_token_id
        self.pad_id = pad if pad is not None else (self.stop_ids[0] if self.stop_ids else 0)
        self.model = load_weights(AutoModelForCausalLM, target, trust_remote_code=trust_remote_code,
                                  dtype=self.dtype, device=self.device, device_map=device_map)

    def info(self) -> dict[str, Any]:
        import torch
        import transformers

        return {"backend": "hf-ar", "model": self.target, "stop_ids": self.stop_ids,
                "pad_id": self.pad_id, "dtype": str(self.dtype).replace("torch.", ""),
                "device": self.device, "batch_size": self.batch_size,
                "transformers": transformers.__version__, "torch": torch.__version__}

    def _generation_config(self, request: GenerationRequest) -> Any:
        from transformers import GenerationConfig

        sample = request.temperature > 0
        return GenerationConfig(
            max_new_tokens=request.max_tokens, do_sample=sample,
            temperature=request.temperature if sample else None,
            top_p=self.top_p if sample else None, top_k=self.top_k if sample else None,
            pad_token_id=self.pad_id, eos_token_id=self.stop_ids or None,
        )

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        import torch

        results: list[Generation | None] = [None] * len(requests)

        def settings(r: GenerationRequest) -> str:
            # Sampling runs share one torch stream per batch, so rows only batch with equal seeds.
            return json.dumps([r.max_tokens, r.temperature, r.seed if r.temperature > 0 else 0])

        for idx in group_requests(requests, self.batch_size, settings):
            chunk = [requests[i] for i in idx]
            prompts = render_prompts(self.tokenizer, [r.messages for r in chunk], self.chat_template)
            ids, attn = encode_left_padded(self.tokenizer, prompts, self.pad_id,
                                           templated=self.chat_template is not False)
            torch.manual_seed(chunk[0].seed)
            with Stopwatch() as watch, torch.no_grad():
                out = self.model.generate(input_ids=ids.to(self.device),
                                          attention_mask=attn.to(self.device),
                                          generation_config=self._generation_config(chunk[0]))
            new = out[:, ids.shape[1]:].tolist()
            for row, i in enumerate(idx):
                tokens = new[row]
                stop = next((j for j, t in enumerate(tokens) if t in self.stop_ids), None)
                # Keep the stop token itself; what follows it is batch padding.
                tokens = tokens if stop is None else tokens[:stop + 1]
                n = len(tokens)
                results[i] = Generation(
                    text=self.tokenizer.decode(tokens, skip_special_tokens=True),
                    token_ids=tokens, output_tokens=n, nfe=n, tokens_per_step=1.0 if n else None,
                    wall_time=watch.seconds / len(idx), latency=watch.seconds,
                    extra={"batch_size": len(idx), "prompt_tokens": int(attn[row].sum()),
                           "finish_reason": "stop" if stop is not None else "length",
                           "device": self.device, "dtype": str(self.dtype).replace("torch.", "")},
                )
        return results  # type: ignore[return-value]


@modelapi("hf-ar", decoding="none", result_options=("dtype", "chat_template", "top_p", "top_k"))
def _make_hf_ar(target: str = "", **options: Any) -> HFCausalLM:
    check_options("hf-ar", options, HFCausalLM.__init__)
    return HFCausalLM(target, **options)
