"""``vllm:<hub id or local path>`` - autoregressive baselines through vLLM's offline engine.

Uses ``LLM.chat`` (the chat template with the generation prompt), greedy by default with
``top_p=1, top_k=-1`` and ``max_model_len=32768`` as in the paper's runs (SPEC 7.2). vLLM is an
optional dependency (``pip install 'parallelbench[vllm]'``); without it the backend raises a
``ParallelBenchError`` saying so. Engine options (``tensor_parallel_size``, ``gpu_memory_utilization``,
...) are passed through ``engine`` as a dict.
"""
from __future__ import annotations

import time
from typing import Any, Sequence

from ..errors import ParallelBenchError
from .base import Generation, GenerationRequest, modelapi
from .settings import check_options


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError:
        raise ParallelBenchError(
            "the vllm backend needs the optional dependency vLLM, which is not installed "
            "(pip install 'parallelbench[vllm]', on a machine with a supported GPU)") from None
    return vllm


class VLLMChat:
    """vLLM offline chat backend (see the module docstring)."""

    def __init__(self, target: str, *, trust_remote_code: bool = False,
                 max_model_len: int = 32768, dtype: str = "auto", seed: int = 0,
                 engine: dict[str, Any] | None = None, batch_size: int | None = None):
        if not target:
            raise ParallelBenchError("no model given: use vllm:<hub id or local path>")
        self._vllm = _import_vllm()
        self.name, self.target = f"vllm:{target}", target
        self.engine_options = {"trust_remote_code": bool(trust_remote_code),
                               "max_model_len": max_model_len, "dtype": dtype, "seed": seed,
                               **(engine or {})}
        self.llm = self._vllm.LLM(model=target, **self.engine_options)

    def info(self) -> dict[str, Any]:
        return {"backend": "vllm", "model": self.target,
                "vllm": getattr(self._vllm, "__version__", None),
                **{k: v for k, v in self.engine_options.items() if isinstance(v, (int, float, str))}}

    def _params(self, request: GenerationRequest) -> Any:
        return self._vllm.SamplingParams(temperature=request.temperature, top_p=1.0, top_k=-1,
                                         max_tokens=request.max_tokens, seed=request.seed)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        if not requests:
            return []
        conversations = [list(r.messages) for r in requests]
        params = [self._params(r) for r in requests]
        start = time.perf_counter()
        outputs = self.llm.chat(conversations, sampling_params=params, use_tqdm=False)
        elapsed = time.perf_counter() - start
        results = []
        for out in outputs:
            completion = out.outputs[0]
            tokens = list(completion.token_ids)
            results.append(Generation(
                text=completion.text, token_ids=tokens, output_tokens=len(tokens),
                nfe=len(tokens), tokens_per_step=1.0 if tokens else None,
                # vLLM schedules the whole list at once: only the batch time is known.
                wall_time=elapsed / len(requests), latency=elapsed,
                extra={"finish_reason": getattr(completion, "finish_reason", None),
                       "prompt_tokens": len(getattr(out, "prompt_token_ids", None) or [])},
            ))
        return results


@modelapi("vllm", decoding="none", result_options=("max_model_len", "dtype", "seed", "engine"))
def _make_vllm(target: str = "", **options: Any) -> VLLMChat:
    check_options("vllm", options, VLLMChat.__init__)
    return VLLMChat(target, **options)
