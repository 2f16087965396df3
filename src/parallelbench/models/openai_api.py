"""``openai:<model>[@<base_url>]`` - any OpenAI-compatible chat-completions endpoint.

Covers OpenAI itself, Inception's Mercury dLLM, and local vLLM or llama.cpp servers. The key is
read from the environment variable named by ``api_key_env`` (default ``OPENAI_API_KEY``, or
``INCEPTION_API_KEY`` for models whose name starts with ``mercury``; ``api_key_env=''`` sends no
key). With ``stream=True`` the answer is read from server-sent events; for Mercury the
"diffusing" mode is requested too: every streamed update is a full denoised state, the last one is
the answer and NFE is the number of updates.
"""
from __future__ import annotations

import json
import time
from typing import Any

import httpx

from .api_base import ApiBackend, ApiError, _Retryable, build_backend
from .base import Generation, GenerationRequest, modelapi

OPENAI_URL = "https://api.openai.com/v1"
INCEPTION_URL = "https://api.inceptionlabs.ai/v1"


class OpenAIChat(ApiBackend):
    """Chat completions over HTTP (see the module docstring)."""

    backend = "openai"

    def __init__(self, model: str, base_url: str | None = None, api_key_env: str | None = None,
                 stream: bool = False, diffusing: bool | None = None, send_seed: bool = False,
                 **options: Any):
        mercury = model.lower().startswith("mercury")
        self.default_key_env = "INCEPTION_API_KEY" if mercury else "OPENAI_API_KEY"
        self.stream = bool(stream)
        # Diffusing updates only exist on Mercury's streaming API.
        self.diffusing = bool(self.stream and (mercury if diffusing is None else diffusing))
        self.send_seed = bool(send_seed)
        url = base_url or (INCEPTION_URL if mercury else OPENAI_URL)
        super().__init__(model, base_url=url, api_key_env=api_key_env, **options)

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/chat/completions"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"} if self._key else {}

    def payload(self, request: GenerationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if self.send_seed:
            body["seed"] = request.seed
        if self.stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
            if self.diffusing:
                body["diffusing"] = True
        body.update(self.extra_body)
        return body

    def info(self) -> dict[str, Any]:
        return {**super().info(), "stream": self.stream, "diffusing": self.diffusing}

    def parse(self, body: Any) -> Generation:
        choice = body["choices"][0]
        text = choice["message"]["content"] or ""
        if not isinstance(text, str):
            raise TypeError("message content is not a string")
        usage = body.get("usage") or None
        return Generation(
            text=text, usage=usage,
            output_tokens=(usage or {}).get("completion_tokens"),
            extra={"finish_reason": choice.get("finish_reason")},
        )

    def _attempt(self, payload: dict[str, Any]) -> Generation:
        if not self.stream:
            return super()._attempt(payload)
        start = time.perf_counter()
        try:
            with self._client.stream("POST", self.endpoint, json=payload,
                                     headers=self.headers()) as response:
                self.check_status(response)
                result = self._read_stream(response)
        except httpx.TimeoutException:
            raise _Retryable(f"stream stalled past the {self.timeout:g}s timeout") from None
        except httpx.TransportError as exc:
            raise _Retryable(f"connection error ({type(exc).__name__})") from None
        result.latency = time.perf_counter() - start
        return result

    def _read_stream(self, response: httpx.Response) -> Generation:
        text, updates, usage, finish = "", 0, None, None
        try:
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue  # comments, event names and keep-alives
                data = line[len("data:"):].strip()
                if data == "[DONE]":
                    break
                chunk = json.loads(data)
                usage = chunk.get("usage") or usage
                for choice in chunk.get("choices") or []:
                    content = (choice.get("delta") or {}).get("content")
                    finish = choice.get("finish_reason") or finish
                    if content is None:
                        continue
                    updates += 1
                    # Diffusing mode streams whole states; plain streaming streams increments.
                    text = content if self.diffusing else text + content
        except (ValueError, AttributeError, TypeError) as exc:
            raise ApiError(f"{self.backend} endpoint {self.endpoint} sent a malformed stream "
                           f"({type(exc).__name__})") from None
        out_tokens = (usage or {}).get("completion_tokens")
        nfe = updates if self.diffusing else None
        tps = out_tokens / nfe if (nfe and out_tokens is not None) else None
        return Generation(text=text, usage=usage, output_tokens=out_tokens, nfe=nfe,
                          tokens_per_step=tps,
                          extra={"finish_reason": finish, "stream_updates": updates})


@modelapi("openai", decoding="none",
          result_options=("base_url", "stream", "diffusing", "send_seed", "extra_body"))
def _make_openai(target: str = "", **options: Any) -> OpenAIChat:
    return build_backend("openai", OpenAIChat, target, options)
