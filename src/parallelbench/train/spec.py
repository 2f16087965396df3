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

import yaml

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
    return spec


def spec_from_dict(data: dict[str, Any], where: str = "train config") -> TrainSpec:
    """A validated spec; unknown keys are errors."""
    data = dict(data)
    known = {"model", "tasks", "model_options", "data_dir", "num_samples", "data_seed",
             "exclude_data_dir", "gen_length", "lora", "evaluate"} | _OPT_KEYS
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("model", "tasks"):
        if not data.get(key):
            raise ConfigError(f"{where}: '{key}' is required")
    tasks = data["tasks"]
    tasks = [t.strip() for t in tasks.split(",")] if isinstance(tasks, str) else list(tasks)
    optim = {k: data[k] for k in _OPT_KEYS if data.get(k) is not None}
    if "steps" not in optim and "epochs" not in optim:
        optim["epochs"] = 1
    if data.get("evaluate") is not None and not isinstance(data["evaluate"], dict):
        raise ConfigError(f"{where}: evaluate must be a sweep mapping")
    spec = TrainSpec(model=str(data["model"]), tasks=tasks,
                     model_options=dict(data.get("model_options") or {}),
                     data_dir=data.get("data_dir"), num_samples=int(data.get("num_samples", 1000)),
                     data_seed=int(data.get("data_seed", 123)),
                     exclude_data_dir=data.get("exclude_data_dir"),
                     gen_length=data.get("gen_length"), lora=lora_from(data.get("lora")),
                     optim=optim, evaluate=data.get("evaluate"))
    spec.sft_config()  # validates the optimisation settings now
    if spec.model.partition(":")[0] not in ("hf-dllm", "learned"):
        raise ConfigError(f"{where}: train supports hf-dllm:<model> and learned[:<folder>], "
                          f"not {spec.model!r}")
    if spec.lora is not None and not spec.model.startswith("hf-dllm"):
        raise ConfigError(f"{where}: LoRA applies to hf-dllm models")
    return spec


def load_train_config(path: str | Path) -> dict[str, Any]:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"train config not found: {file}")
    try:
        data = yaml.safe_load(file.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: malformed YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: expected a mapping")
    return data
