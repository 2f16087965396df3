"""The model interface the runner talks to.

Every backend (ideal model, Hugging Face dLLMs and AR models, vLLM, OpenAI-compatible and Anthropic
APIs) is a ``ModelAPI``: it turns a list of ``GenerationRequest`` into a list of ``Generation``,
one per request, in order. Backends register themselves with ``@modelapi("prefix")`` and are
created from a user-facing spec string such as ``"hf-dllm:GSAI-ML/LLaDA-1.5"`` by ``get_model``.
The registry is lazy: a backend's module (and its heavy dependencies) is imported only when a
spec names it.
"""
from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Protocol, Sequence, runtime_checkable

from ..errors import ConfigError


@dataclass
class GenerationRequest:
    """What to generate for one sample.

    Attributes:
        messages: chat messages (the task's rendering of the sample).
        max_tokens: generation length (dLLMs decode exactly this many positions).
        decoding: decoding settings for diffusion backends, as a plain dict of
            ``parallelbench.decoding.DecodeConfig`` fields (strategy, k/steps, block_length,
            threshold, ...). Ignored by autoregressive and API backends.
        temperature: sampling temperature (0 = greedy).
        seed: seed for every random choice made for this request.
        sample: the benchmark sample (needed by the ideal model, which decodes from the exact
            answer distribution of the sample; other backends ignore it).
        task: the task name, for the same reason and for logging.
        infill: answer skeleton with ``[MASK]`` items; when set, dLLM backends start from this
            canvas instead of an all-mask output (infilling experiments).
    """

    messages: list[dict[str, str]]
    max_tokens: int = 32
    decoding: dict[str, Any] = field(default_factory=dict)
    temperature: float = 0.0
    seed: int = 0
    sample: Any = None
    task: str | None = None
    infill: str | None = None

    def key_fields(self) -> dict[str, Any]:
        """Everything about the request that determines the answer (for cache keys)."""
        return {
            "messages": self.messages,
            "max_tokens": self.max_tokens,
            "decoding": self.decoding,
            "temperature": self.temperature,
            "seed": self.seed,
            "task": self.task,
            "index": getattr(self.sample, "index", None),
            "infill": self.infill,
        }


@dataclass
class Generation:
    """What a backend reports for one request. Fields a backend cannot know stay ``None``."""

    text: str
    token_ids: list[int] | None = None
    output_tokens: int | None = None
    nfe: int | None = None
    tokens_per_step: float | None = None
    order: list[int] | None = None
    wall_time: float | None = None
    latency: float | None = None
    usage: dict[str, Any] | None = None
    cached: bool = False
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@runtime_checkable
class ModelAPI(Protocol):
    """A model backend.

    Optional: ``check(request) -> None`` raising ``ConfigError`` for a request the *loaded*
    model cannot run (e.g. a KV-cache mode its architecture lacks, a strategy only another kind
    of model runs), without running it. The runner calls it once per unit after loading the
    model and before writing anything (``runner.validate.check_loaded``)."""

    name: str

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """One ``Generation`` per request, in order. Errors on one request are reported in its
        ``Generation.error`` where the backend can isolate them."""
        ...

    def info(self) -> dict[str, Any]:
        """Versions and settings worth recording in a run manifest."""
        ...


DECODING_MODES = ("diffusion", "none", "any")


@dataclass(frozen=True)
class Backend:
    """A registered backend and what it declares about itself (``@modelapi`` arguments).

    Attributes:
        prefix: the spec prefix (``hf-dllm``).
        factory: ``factory(target, **options) -> ModelAPI``.
        decoding: ``"diffusion"`` (needs a decoding strategy: dLLMs, the ideal model),
            ``"none"`` (ignores diffusion settings: autoregressive and API models, which take
            only ``--strategy none``) or ``"any"`` (either, e.g. the mock backend).
        result_options: the options that can change a result (dtype, chat template, ...). Only
            these enter the results store's keys; options such as ``batch_size``, ``device``,
            ``timeout`` or ``concurrency`` do not, so changing them never re-runs a sample.
            ``None`` = every option counts (the safe default for a backend that declares
            nothing).
        check: optional ``check(request, target, options)`` raising ``ConfigError`` for a
            request the backend would reject, called for every sample before the first one runs.
    """

    prefix: str
    factory: Callable[..., ModelAPI]
    decoding: str = "diffusion"
    result_options: tuple[str, ...] | None = None
    check: Callable[..., None] | None = None

    def key_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """The part of ``options`` that can change a result."""
        if self.result_options is None:
            return dict(options)
        return {k: v for k, v in options.items() if k in self.result_options}


_BACKENDS: dict[str, Backend] = {}
# prefix -> module that registers it; imported on first use so heavy dependencies stay lazy.
_LAZY: dict[str, str] = {
    "ideal": "parallelbench.ideal.backend",
    "hf-dllm": "parallelbench.models.hf_dllm",
    "hf-ar": "parallelbench.models.hf_ar",
    "vllm": "parallelbench.models.vllm_backend",
    "openai": "parallelbench.models.openai_api",
    "anthropic": "parallelbench.models.anthropic_api",
    "mock": "parallelbench.models.mock",
    "learned": "parallelbench.learned.backend",
}


def modelapi(prefix: str, *, decoding: str = "diffusion",
             result_options: tuple[str, ...] | list[str] | None = None,
             check: Callable[..., None] | None = None
             ) -> Callable[[Callable[..., ModelAPI]], Callable[..., ModelAPI]]:
    """Register a backend factory under ``prefix``. The factory is called as
    ``factory(target, **options)`` where ``target`` is the part of the spec after ``prefix:``
    (``""`` when absent). The keywords declare the backend's contract (see ``Backend``)."""
    if decoding not in DECODING_MODES:
        raise ValueError(f"decoding must be one of {DECODING_MODES}, got {decoding!r}")

    def register(factory: Callable[..., ModelAPI]) -> Callable[..., ModelAPI]:
        _BACKENDS[prefix] = Backend(prefix, factory, decoding,
                                    None if result_options is None else tuple(result_options),
                                    check)
        return factory

    return register


def model_prefixes() -> list[str]:
    return sorted(set(_BACKENDS) | set(_LAZY))


def get_backend(spec: str) -> Backend:
    """The registered backend of a spec (``prefix[:target]``), importing its module lazily."""
    prefix = spec.partition(":")[0]
    if prefix not in _BACKENDS and prefix in _LAZY:
        importlib.import_module(_LAZY[prefix])
    if prefix not in _BACKENDS:
        raise ConfigError(
            f"unknown model backend {prefix!r} in {spec!r}; known: {', '.join(model_prefixes())}"
        )
    return _BACKENDS[prefix]


def get_model(spec: str, **options: Any) -> ModelAPI:
    """Create a backend from a spec ``prefix[:target]`` (e.g. ``ideal``, ``hf-dllm:/path``)."""
    backend = get_backend(spec)
    prefix, _, target = spec.partition(":")
    try:
        return backend.factory(target, **options)
    except TypeError as exc:
        # A misspelt option must read as a config error, not as a traceback from a constructor.
        if "unexpected keyword argument" not in str(exc):
            raise
        bad = str(exc).split("argument", 1)[1].strip()
        raise ConfigError(f"model backend {prefix!r} does not accept the option {bad}") from None


def stable_hash(obj: Any) -> str:
    """Hex SHA-256 of a JSON rendering with sorted keys (for content-addressed keys)."""
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
