"""Generation settings of the paper (SPEC.md 7.1 and 7.5) shared by every backend."""
from __future__ import annotations

import inspect
from typing import Any, Callable

from ..errors import ConfigError

#: Model kinds accepted by :func:`default_max_tokens`. ``dllm`` covers open diffusion models, the
#: ideal model and Mercury (the paper gives Mercury the dLLM budgets); ``ar`` covers
#: autoregressive LLMs served locally or through an API (Claude included).
MODEL_KINDS = ("dllm", "ar")

#: Generation budget of the autoregressive baselines in the dLLM-vs-LLM study.
AR_MAX_TOKENS = 1024

# Backend prefix -> model kind, for callers that only know the spec string.
_PREFIX_KIND = {
    "ideal": "dllm",
    "hf-dllm": "dllm",
    "mock": "dllm",
    "hf-ar": "ar",
    "vllm": "ar",
    "anthropic": "ar",
}


def model_kind(spec: str) -> str:
    """The kind (``"dllm"`` or ``"ar"``) of a model spec such as ``"openai:mercury-coder"``.

    OpenAI-compatible endpoints are autoregressive unless the model is Mercury, the closed dLLM of
    the paper.
    """
    prefix, _, target = spec.partition(":")
    if prefix == "openai":
        return "dllm" if target.lower().startswith("mercury") else "ar"
    if prefix not in _PREFIX_KIND:
        raise ConfigError(f"unknown model backend {prefix!r} in {spec!r}")
    return _PREFIX_KIND[prefix]


def default_max_tokens(task_name: str, model_kind: str = "dllm") -> int:
    """The paper's generation length for ``task_name`` and a model of ``model_kind``.

    dLLMs: 32 for Waiting Line (n = 3..6), 128 for ``waiting_line_n15/*``, 64 for Puzzles and
    Text Writing. Autoregressive baselines: 1024 everywhere.
    """
    if model_kind not in MODEL_KINDS:
        raise ConfigError(f"unknown model kind {model_kind!r}; expected one of {MODEL_KINDS}")
    if not task_name or not isinstance(task_name, str):
        raise ConfigError(f"invalid task name {task_name!r}")
    if model_kind == "ar":
        return AR_MAX_TOKENS
    family = task_name.split("/", 1)[0]
    if family == "waiting_line_n15":
        return 128
    if family == "waiting_line":
        return 32
    # Puzzles, Text Writing, and the synthetic list operations of section 4.
    return 64


def check_options(backend: str, options: dict[str, Any], *factories: Callable[..., Any]) -> None:
    """Raise ``ConfigError`` naming any option none of ``factories`` accepts by name (instead of
    a ``TypeError`` from deep inside a constructor)."""
    known: set[str] = set()
    for factory in factories:
        for name, param in inspect.signature(factory).parameters.items():
            if param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                known.add(name)
    known -= {"self", "target", "model"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ConfigError(f"{backend}: unknown option(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(known))}")
