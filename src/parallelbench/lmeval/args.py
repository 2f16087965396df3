"""``--model_args`` of the ``parallelbench`` lm-eval model, split into our three kinds of settings.

``model=SPEC`` names the backend (``ideal``, ``hf-dllm:PATH``, ``openai:MODEL``, ... any
``parallelbench.models`` spec). Then, per key:

* ``seed`` (base seed, default 42 as ``run``), ``max_tokens`` (generation length; default: the
  task's ``max_gen_toks``), ``batch_size`` (requests per ``generate`` call) and ``temperature``
  belong to the model wrapper itself;
* a key the backend's constructor takes (``dtype``, ``device``, ``trust_remote_code``,
  ``chat_template``, ``api_key_env``, ...) is a backend option;
* every other key is a decoding setting handed to the sampler as ``DecodeConfig`` fields or
  strategy parameters (``strategy``, ``k``, ``steps``, ``block_length``, ``threshold``,
  ``factor``, ``tau_conf``, ...; a key the sampler does not know yet is passed on unchanged and
  the sampler names it if it rejects it).
"""
from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError

WRAPPER_KEYS = ("model", "seed", "max_tokens", "batch_size", "temperature")
# lm-eval passes these from its own flags; they are used when the backend takes them.
LM_EVAL_KEYS = ("device", "max_batch_size")
DEFAULT_SEED = 42
DEFAULT_BATCH = 8

# Backend prefix -> constructors whose keyword names are the backend's options.
_BACKEND_CTORS = {
    "ideal": ["parallelbench.ideal.backend:IdealBackend"],
    "hf-dllm": ["parallelbench.models.hf_dllm:HFDiffusionLM"],
    "hf-ar": ["parallelbench.models.hf_ar:HFCausalLM"],
    "vllm": ["parallelbench.models.vllm_backend:VLLMChat"],
    "openai": ["parallelbench.models.openai_api:OpenAIChat", "parallelbench.models.api_base:ApiBackend"],
    "anthropic": ["parallelbench.models.anthropic_api:AnthropicMessages",
                  "parallelbench.models.api_base:ApiBackend"],
    "mock": ["parallelbench.models.mock:MockModel"],
}


def parse_arg_string(text: str) -> dict[str, Any]:
    """``key=value,key=value`` with values typed as lm-eval types them (bool, None, int, float,
    quoted or plain string)."""
    out: dict[str, Any] = {}
    for part in (p for p in str(text or "").split(",") if p.strip()):
        key, _, value = part.partition("=")
        out[key.strip()] = _scalar(value.strip())
    return out


def _scalar(value: str) -> Any:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    lower = value.lower()
    if lower in ("true", "false"):
        return lower == "true"
    if lower == "none":
        return None
    try:
        return int(value)
    except ValueError:
        pass
    try:
        return float(value)
    except ValueError:
        return value


def model_args_string(spec: str, decoding: dict[str, Any], **extra: Any) -> str:
    """The ``--model_args`` string of a configuration (``model=ideal,strategy=...,k=2``)."""
    items = {"model": spec, **{k: v for k, v in decoding.items() if v is not None}, **extra}
    return ",".join(f"{k}={v}" for k, v in items.items())


def backend_options(prefix: str) -> set[str] | None:
    """Option names the backend ``prefix`` accepts (``None`` for a backend we do not know)."""
    if prefix not in _BACKEND_CTORS:
        return None
    names: set[str] = set()
    for path in _BACKEND_CTORS[prefix]:
        module, _, attr = path.partition(":")
        ctor = getattr(importlib.import_module(module), attr).__init__
        for name, param in inspect.signature(ctor).parameters.items():
            if param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                names.add(name)
    if prefix == "mock":
        names.add("batch_size")
    return names - {"self", "target", "model", "mode", "every"}


@dataclass
class ModelArgs:
    """The split ``--model_args`` (see the module docstring)."""

    spec: str
    seed: int = DEFAULT_SEED
    max_tokens: int | None = None
    batch_size: int = DEFAULT_BATCH
    temperature: float | None = None
    options: dict[str, Any] = field(default_factory=dict)
    decoding: dict[str, Any] = field(default_factory=dict)

    @property
    def strategy(self) -> str:
        return str(self.decoding.get("strategy") or "none")


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"model_args {name} must be an integer, got {value!r}")
    return value


def parse_model_args(args: dict[str, Any], check: bool = True) -> ModelArgs:
    """Split the keyword arguments lm-eval passes to the model (``key=value`` pairs already typed
    by lm-eval) into wrapper settings, backend options and decoding settings. ``check``: also
    validate the backend name and the strategy parameters (off when reading old results)."""
    args = {k: v for k, v in args.items() if v is not None}
    spec = args.pop("model", None)
    if not spec or not isinstance(spec, str):
        raise ConfigError("the parallelbench lm-eval model needs model=SPEC in --model_args "
                          "(e.g. model=ideal or model=hf-dllm:GSAI-ML/LLaDA-1.5)")
    from ..models import model_prefixes

    prefix = spec.partition(":")[0]
    if check and prefix not in model_prefixes():
        raise ConfigError(f"unknown model backend {prefix!r} in {spec!r}; known: {', '.join(model_prefixes())}")
    out = ModelArgs(spec=spec, seed=_int("seed", args.pop("seed", DEFAULT_SEED)))
    if "max_tokens" in args:
        out.max_tokens = _int("max_tokens", args.pop("max_tokens"))
    batch = args.pop("batch_size", None)
    if isinstance(batch, int) and not isinstance(batch, bool) and batch >= 1:
        out.batch_size = batch  # lm-eval's "auto" / "auto:N" fall back to our default
    if "temperature" in args:
        out.temperature = float(args.pop("temperature"))
    known = backend_options(prefix)
    for key, value in args.items():
        if known is not None and key in known:
            out.options[key] = value
        elif key in LM_EVAL_KEYS:
            continue  # lm-eval's --device / --max_batch_size for a backend without them
        elif known is None and not _is_decoding_key(key, args.get("strategy")):
            out.options[key] = value
        else:
            out.decoding[key] = value
    if "batch_size" in (known or ()):
        out.options["batch_size"] = out.batch_size
    if check and out.decoding and "strategy" not in out.decoding:
        raise ConfigError(f"decoding settings {sorted(out.decoding)} need strategy=NAME in --model_args")
    if check and "strategy" in out.decoding:
        _check_decoding(out.decoding)
    return out


def _is_decoding_key(key: str, strategy: Any) -> bool:
    import dataclasses

    from ..decoding import DecodeConfig, get_strategy

    if key in {f.name for f in dataclasses.fields(DecodeConfig)}:
        return True
    try:
        return key in get_strategy(str(strategy)).params
    except Exception:  # noqa: BLE001 - no or unknown strategy: not a strategy parameter
        return False


def _check_decoding(decoding: dict[str, Any]) -> None:
    """Canonical strategy id and a parameter check before any work (the sampler's own checks)."""
    from ..decoding import DecodeConfig, get_strategy

    cls = get_strategy(str(decoding["strategy"]))
    decoding["strategy"] = cls.id
    probe = {k: v for k, v in decoding.items() if k not in ("k", "steps", "block_length")}
    cls(DecodeConfig.build(probe, mask_id=0))


def request_decoding(decoding: dict[str, Any], max_tokens: int,
                     temperature: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(decoding dict, setting)`` for one generation length, built as ``run`` builds them:
    a block length equal to the generation length means one block (``None``), and the setting
    is the task-independent part (``{"k": 2}``, ``{"threshold": 0.9, "block_length": 8}``)."""
    if not decoding:
        return {}, {}
    out = dict(decoding)
    if out.get("block_length") == max_tokens:
        out["block_length"] = None
    setting = {k: v for k, v in out.items() if k != "strategy" and v is not None}
    out["temperature"] = temperature
    return out, setting
