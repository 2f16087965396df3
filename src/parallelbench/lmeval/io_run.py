"""One lm-eval results file as ``parallelbench import`` reads it: its model, its tasks and each
task's decoding settings (``ResultsRun``).

Three kinds of file: runs of our ``parallelbench`` lm-eval model (settings in ``model_args``,
restored exactly), the ParallelBench reference's (``config.gen_kwargs``: ``unmasking``, ``steps``,
``alg_threshold``, ...; names mapped by ``lmeval.names``) and any other lm-eval run (strategy
``none``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .names import REFERENCE_PARAMS, our_strategy

_GEN_PLUMBING = {"until", "do_sample", "max_gen_toks", "max_tokens", "temperature", "alg_temp",
                 "unmasking", "steps", "k", "block_length"}


def _kv(value: Any) -> dict[str, Any]:
    """model_args / gen_kwargs as a dict (lm-eval stores either a dict or ``k=v,k=v``)."""
    if isinstance(value, dict):
        return dict(value)
    from .args import parse_arg_string

    return parse_arg_string(value) if value else {}


class ResultsRun:
    """One results file: its model and how a task's decoding settings are read."""

    def __init__(self, path: Path, data: dict[str, Any], model: str | None):
        self.path, self.data = path, data
        config = data.get("config") or {}
        self.model_args = _kv(config.get("model_args"))
        self.ours = config.get("model") == "parallelbench"
        self.model = model or (self.model_args.get("model") if self.ours else None) \
            or data.get("model_name") or self.model_args.get("pretrained") or config.get("model") or "unknown"
        self.gen_kwargs = _kv(config.get("gen_kwargs"))
        self.configs = data.get("configs") or {}

    def tasks(self) -> list[str]:
        groups = set(self.data.get("groups") or {}) | {
            g for g, subs in (self.data.get("group_subtasks") or {}).items() if subs}
        names = list(self.configs) or list(self.data.get("results") or {})
        return [t for t in names if t not in groups]

    def decoding(self, task: str) -> tuple[str, dict[str, Any], dict[str, Any], int | None, float]:
        """(strategy, decoding, setting, max_tokens, temperature) of ``task`` in this run."""
        gen = {**((self.configs.get(task) or {}).get("generation_kwargs") or {}), **self.gen_kwargs}
        max_tokens = gen.get("max_tokens") or gen.get("max_gen_toks")
        max_tokens = int(max_tokens) if max_tokens else None
        temperature = float(gen.get("temperature") or 0.0)
        if self.ours:
            from .args import parse_model_args, request_decoding

            margs = parse_model_args(self.model_args, check=False)
            if margs.max_tokens:
                max_tokens = margs.max_tokens
            temperature = margs.temperature if margs.temperature is not None else temperature
            decoding, setting = request_decoding(margs.decoding, max_tokens or 0, temperature)
            return margs.strategy, decoding, setting, max_tokens, temperature
        if not gen.get("unmasking"):
            return "none", {}, {}, max_tokens, temperature
        strategy = our_strategy(str(gen["unmasking"]))
        setting: dict[str, Any] = {}
        if gen.get("k") not in (None, ""):
            setting["k"] = _number(gen["k"])
        elif gen.get("steps") and max_tokens and _fixed(strategy):
            setting["k"] = _number(max_tokens / int(gen["steps"]))
        for key, value in gen.items():
            if key not in _GEN_PLUMBING and value not in (None, ""):
                setting[REFERENCE_PARAMS.get(key, key)] = value
        if gen.get("block_length") and max_tokens and int(gen["block_length"]) != max_tokens:
            setting["block_length"] = int(gen["block_length"])
        decoding = {"strategy": strategy, **setting, "temperature": temperature}
        return strategy, decoding, setting, max_tokens, temperature


def _fixed(strategy: str) -> bool:
    from ..decoding import get_strategy

    try:
        return bool(get_strategy(strategy).fixed_count)
    except Exception:  # noqa: BLE001 - a method we do not have: treat as adaptive
        return False


def _number(value: Any) -> Any:
    value = float(value)
    return int(value) if value.is_integer() else value
