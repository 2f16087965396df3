"""``anthropic:<model>[@<base_url>]`` - the Anthropic Messages API over plain HTTP.

No SDK needed: requests go through ``httpx`` with the shared retry, cache and concurrency
machinery of ``api_base``. The key comes from ``ANTHROPIC_API_KEY`` (or the variable named by
``api_key_env``). System messages, if any, become the top-level ``system`` field.
"""
from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from .api_base import ApiBackend, build_backend
from .base import Generation, GenerationRequest, modelapi

ANTHROPIC_URL = "https://api.anthropic.com"
ANTHROPIC_VERSION = "2023-06-01"


class AnthropicMessages(ApiBackend):
    """Claude models through ``POST /v1/messages``."""

    backend = "anthropic"
    default_key_env = "ANTHROPIC_API_KEY"

    def __init__(self, model: str, base_url: str | None = None, **options: Any):
        super().__init__(model, base_url=base_url or ANTHROPIC_URL, **options)

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/v1/messages"

    def headers(self) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if self._key:
            headers["x-api-key"] = self._key
        return headers

    def payload(self, request: GenerationRequest) -> dict[str, Any]:
        system = [m["content"] for m in request.messages if m["role"] == "system"]
        turns = [{"role": m["role"], "content": m["content"]}
                 for m in request.messages if m["role"] != "system"]
        bad = {t["role"] for t in turns} - {"user", "assistant"}
        if bad:
            raise ConfigError(f"anthropic: unsupported message role(s) {sorted(bad)}")
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            "messages": turns,
            "temperature": request.temperature,
        }
        if system:
            body["system"] = "\n\n".join(system)
        body.update(self.extra_body)
        return body

    def parse(self, body: Any) -> Generation:
        blocks = body["content"]
        if not isinstance(blocks, list):
            raise TypeError("content is not a list of blocks")
        text = "".join(b["text"] for b in blocks if b.get("type") == "text")
        usage = body.get("usage") or None
        return Generation(
            text=text, usage=usage,
            output_tokens=(usage or {}).get("output_tokens"),
            extra={"finish_reason": body.get("stop_reason")},
        )


@modelapi("anthropic", decoding="none", result_options=("base_url", "extra_body"))
def _make_anthropic(target: str = "", **options: Any) -> AnthropicMessages:
    return build_backend("anthropic", AnthropicMessages, target, options)
