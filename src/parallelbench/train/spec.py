"""What ``parallelbench train`` runs: a training spec from flags and/or a YAML file.

YAML keys (every one also a flag; flags win)::

    model: hf-dllm:GSAI-ML/LLaDA-1.5     # or learned (a new small model), learned:<folder>
    model_options: {trust_remote_code: true, dtype: bfloat16}
    tasks: [waiting_line/*]               # built-in generator tasks (training split made here)
    data_dir: null                        # or task files from `generate --split train`
    num_samples: 20000                    # per built-in task
    data_seed: 123                        # base seed of the built-in training split
    exclude_data_dir: null                # keep these test files' prompts out as well
    gen_length: null                      # response length (default: each task's)
    lora: {r: 128, alpha: 256, dropout: 0.05, targets: [q_proj, k_proj, v_proj]}  # or null
    steps: null                           # or epochs
    epochs: 10
    batch_size: 32
    lr: 1.0e-5
    weight_decay: 0.0
    warmup: 0.05
    schedule: cosine
    seed: 0
    checkpoint_every: 500
    eval_samples: 64
    evaluate: {...}                       # optional: a sweep (runner keys, no model) run on the
                                          # base and the fine-tuned model afterwards
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .hf import LoraSpec
from .loop import SFTConfig

_OPT_KEYS = {f.name for f in fields(SFTConfig)}


@dataclass
class TrainSpec:
    model: str
    tasks: list[str]
    model_options: dict[str, Any] = field(default_factory=dict)
    data_dir: str | None = None
    num_samples: int = 1000
    data_seed: int = 123
    exclude_data_dir: str | None = None
    gen_length: int | None = None
    lora: LoraSpec | None = None
    optim: dict[str, Any] = field(default_factory=dict)
    evaluate: dict[str, Any] | None = None

    def sft_config(self) -> SFTConfig:
        return SFTConfig(**self.optim)

    def describe(self) -> dict[str, Any]:
        return {"spec": self.model, "model_options": _redact(self.model_options),
                "tasks": self.tasks, "data_dir": self.data_dir, "num_samples": self.num_samples,
                "data_seed": self.data_seed, "exclude_data_dir": self.exclude_data_dir,
                "gen_length": self.gen_length}


def _redact(options: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if any(s in k.lower() for s in ("key", "token", "secret")) else v)
            for k, v in options.items()}


def lora_from(value: Any) -> LoraSpec | None:
    if value in (None, False):
        return None
    if value is True:
        return LoraSpec()
    if not isinstance(value, dict):
        raise ConfigError(f"lora must be true, null or a mapping, got {value!r}")
    unknown = set(value) - {"r", "alpha", "dropout", "targets"}
    if unknown:
        raise ConfigError(f"unknown lora key(s): {', '.join(sorted(unknown))}")
    spec = LoraSpec(**value)
    if isinstance(spec.targets, str):
        spec.targets = [t.strip() for t in spec.targets.split(",") if t.strip()]
    if not isinstance(spec.targets, list) or not spec.targets or not all(isinstance(t, str) for t in spec.targets):
        raise ConfigError(f"lora targets must be module names, got {spec.targets!r}")
    for name, ok in (("r", isinstance(spec.r, int) and spec.r >= 1),
                     ("alpha", isinstance(spec.alpha, (int, float)) and spec.alpha > 0),
                     ("dropout", isinstance(spec.dropout, (int, float)) and 0 <= spec.dropout < 1)):
        if not ok or isinstance(getattr(spec, name), bool):
            raise ConfigError(f"lora {name} out of range: {getattr(spec, name)!r} (r >= 1, alpha > 0, "
                              "0 <= dropout < 1)")
    return spec


def _integer(data: dict[str, Any], key: str, default: Any, low: int, where: str) -> Any:
    value = data.get(key, default)
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= low):
        return value
    raise ConfigError(f"{where}: {key} must be an integer >= {low}, got {value!r}")


def _check_types(data: dict[str, Any], where: str) -> None:
    if not isinstance(data.get("model"), str):
        raise ConfigError(f"{where}: model must be a string, got {data.get('model')!r}")
    tasks = data["tasks"]
    if not isinstance(tasks, str) and not (isinstance(tasks, list) and all(isinstance(t, str) for t in tasks)):
        raise ConfigError(f"{where}: tasks must be task names or globs, got {tasks!r}")
    for key in ("model_options", "evaluate"):
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise ConfigError(f"{where}: {key} must be a mapping, got {data[key]!r}")
    for key in ("data_dir", "exclude_data_dir"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise ConfigError(f"{where}: {key} must be a folder path, got {data[key]!r}")


def spec_from_dict(data: dict[str, Any], where: str = "train config") -> TrainSpec:
    """A validated spec; unknown keys and values of the wrong type are errors."""
    data = dict(data)
    known = {"model", "tasks", "model_options", "data_dir", "num_samples", "data_seed",
             "exclude_data_dir", "gen_length", "lora", "evaluate"} | _OPT_KEYS
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("model", "tasks"):
        if not data.get(key):
            raise ConfigError(f"{where}: '{key}' is required")
    _check_types(data, where)
    tasks = data["tasks"]
    tasks = [t.strip() for t in tasks.split(",")] if isinstance(tasks, str) else list(tasks)
    optim = {k: data[k] for k in _OPT_KEYS if data.get(k) is not None}
    if "steps" not in optim and "epochs" not in optim:
        optim["epochs"] = 1
    spec = TrainSpec(model=data["model"], tasks=tasks,
                     model_options=dict(data.get("model_options") or {}),
                     data_dir=data.get("data_dir"),
                     num_samples=_integer(data, "num_samples", 1000, 1, where),
                     data_seed=_integer(data, "data_seed", 123, 0, where),
                     exclude_data_dir=data.get("exclude_data_dir"),
                     gen_length=_integer(data, "gen_length", None, 1, where), lora=lora_from(data.get("lora")),
                     optim=optim, evaluate=data.get("evaluate"))
    spec.sft_config()  # validates the optimisation settings now
    if spec.model.partition(":")[0] not in ("hf-dllm", "learned"):
        raise ConfigError(f"{where}: train supports hf-dllm:<model> and learned[:<folder>], "
                          f"not {spec.model!r}")
    if spec.lora is not None and not spec.model.startswith("hf-dllm"):
        raise ConfigError(f"{where}: LoRA applies to hf-dllm models")
    return spec


def load_train_config(path: str | Path) -> dict[str, Any]:
    from ..userfiles import read_yaml

    data = read_yaml(path, "train config")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping")
    return data
