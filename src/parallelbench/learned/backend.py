"""``learned:<folder>``: the small masked-diffusion model trained by ``parallelbench train`` /
``parallelbench demo --model learned`` (``learned`` alone: the demo recipe's cached model,
trained on first use).

Prompts are rendered with the model's chat markers, left-padded and decoded by the shared
sampler, exactly as ``hf-dllm`` does. Option ``infill=true`` is the paper's Section 4 protocol
(Figure 2): the answer skeleton of the sample (``["[MASK]", "[MASK]"]``) is the canvas, so only
the items are generated and ``k`` counts items per step (a ``k`` becomes ``steps = ceil(items /
k)``), as for the ideal model.
"""
from __future__ import annotations

import json
import math
import time
from typing import Any, Sequence

from ..errors import ConfigError
from ..models.base import Generation, GenerationRequest, modelapi


class LearnedDLLM:
    """``ModelAPI`` of a learned-model folder (``config.json``, ``model.safetensors``,
    ``vocab.json``)."""

    name = "learned"

    def __init__(self, folder: str, *, infill: bool = False, batch_size: int = 64,
                 threads: int | None = None):
        import torch

        from .trainable import LearnedTrainable

        if batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1, got {batch_size}")
        if threads:
            torch.set_num_threads(int(threads))
        self.folder, self.infill, self.batch_size = str(folder), bool(infill), batch_size
        self.trainable = LearnedTrainable.load(folder)
        self.model, self.tokenizer = self.trainable.model.eval(), self.trainable.tokenizer

    def info(self) -> dict[str, Any]:
        import torch

        return {"backend": "learned", "folder": self.folder, "infill": self.infill,
                "parameters": self.model.num_parameters(), "vocab_size": len(self.tokenizer),
                "torch": torch.__version__}

    def __call__(self, input_ids: Any, attention_mask: Any = None) -> Any:
        return self.model(input_ids, attention_mask)

    def _skeleton(self, request: GenerationRequest) -> list[int]:
        infill = getattr(request.sample, "infill", None) if request.sample is not None else None
        infill = request.infill or infill
        if not infill:
            raise ConfigError(f"infill=true needs samples with an answer skeleton; task "
                              f"{request.task} has none")
        parts = infill.split("[MASK]")
        ids: list[int] = self.tokenizer.encode(parts[0])
        for part in parts[1:]:
            ids += [self.tokenizer.mask_token_id, *self.tokenizer.encode(part)]
        if len(ids) > request.max_tokens:
            raise ConfigError(f"answer skeleton of {len(ids)} tokens exceeds max_tokens="
                              f"{request.max_tokens}")
        return ids + [self.tokenizer.eos_token_id] * (request.max_tokens - len(ids))

    def _config(self, request: GenerationRequest, masks: int | None) -> dict[str, Any]:
        cfg = {"temperature": request.temperature, **(request.decoding or {})}
        if masks is not None and cfg.get("k") is not None and "steps" not in cfg:
            cfg["steps"] = max(1, math.ceil(masks / int(cfg.pop("k"))))  # k counts items
        cfg.update(gen_length=request.max_tokens, mask_id=self.tokenizer.mask_token_id,
                   eos_id=self.tokenizer.eos_token_id, pad_id=self.tokenizer.pad_token_id)
        return cfg

    def check(self, request: GenerationRequest) -> None:
        """``ConfigError`` for a request this model cannot decode (see ``ModelAPI.check``)."""
        from ..decoding import check_model

        check_model(self, self._config(request, None))

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        import torch

        from ..decoding import decode

        canvases = [self._skeleton(r) if self.infill else None for r in requests]
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(requests):
            masks = canvases[i].count(self.tokenizer.mask_token_id) if canvases[i] else None
            key = json.dumps([r.max_tokens, r.temperature, r.decoding, masks], sort_keys=True,
                             default=str)
            groups.setdefault(key, []).append(i)
        out: list[Generation | None] = [None] * len(requests)
        for idx in groups.values():
            for start in range(0, len(idx), self.batch_size):
                chunk = idx[start:start + self.batch_size]
                prompts = [self.tokenizer.chat_ids(requests[i].messages) for i in chunk]
                width = max(len(p) for p in prompts)
                ids = torch.full((len(chunk), width), self.tokenizer.pad_token_id)
                attn = torch.zeros((len(chunk), width), dtype=torch.long)
                for row, p in enumerate(prompts):
                    ids[row, width - len(p):], attn[row, width - len(p):] = torch.tensor(p), 1
                canvas = torch.tensor([canvases[i] for i in chunk]) if self.infill else None
                masks = canvases[chunk[0]].count(self.tokenizer.mask_token_id) \
                    if self.infill else None
                cfg = self._config(requests[chunk[0]], masks)
                cfg["seed"] = [int(requests[i].seed) for i in chunk]
                t0 = time.perf_counter()
                res = decode(self, ids, attn, cfg, canvas=canvas)
                wall = (time.perf_counter() - t0) / len(chunk)
                for row, i in enumerate(chunk):
                    tokens = res.tokens[row].tolist()
                    out[i] = Generation(
                        text=self.tokenizer.decode(tokens), token_ids=tokens,
                        output_tokens=sum(t != self.tokenizer.eos_token_id for t in tokens),
                        nfe=int(res.nfe[row]), tokens_per_step=float(res.tokens_per_step[row]),
                        order=res.order[row].tolist(), wall_time=wall, latency=wall * len(chunk),
                        extra={"infill": self.infill})
        return out  # type: ignore[return-value]


@modelapi("learned", decoding="diffusion", result_options=("infill",))
def make_learned(target: str = "", **options: Any) -> LearnedDLLM:
    """``learned:<folder>``, or ``learned`` for the demo recipe's cached model."""
    if not target:
        from .recipe import DEMO_RECIPE, ensure_model

        target = str(ensure_model(DEMO_RECIPE))
    return LearnedDLLM(target, **options)
