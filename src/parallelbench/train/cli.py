"""``parallelbench train``: masked-diffusion SFT of an ``hf-dllm`` checkpoint (full or LoRA) or of
the learned model, with resumable checkpoints, a manifest and an optional pretrained vs
fine-tuned sweep (docs/training.md)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..errors import ConfigError


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="masked-diffusion SFT (LLaDA recipe) of an hf-dllm model "
                                     "(full or LoRA) or the learned model",
                       description="Fine-tune on the training split of benchmark tasks. Running "
                                   "the same command again resumes from the last checkpoint.")
    p.add_argument("--config", help="train YAML (flags given as well override it)")
    p.add_argument("--model", help="hf-dllm:<hub id or path>, learned (a new small model) or "
                                   "learned:<folder>")
    p.add_argument("--trust-remote-code", action="store_true")
    p.add_argument("--model-option", action="append", default=[], metavar="KEY=VALUE",
                   help="backend option (hf-dllm: dtype, device...; learned: dim, layers, heads, "
                        "mlp)")
    p.add_argument("--tasks", help="task names or globs, comma-separated")
    p.add_argument("--data-dir", help="task files from 'generate --split train' (OUT/train)")
    p.add_argument("--num-samples", type=int, help="built-in tasks: training samples per task")
    p.add_argument("--data-seed", type=int, help="built-in tasks: base seed (default 123)")
    p.add_argument("--exclude-data-dir", help="keep these test files' prompts out as well")
    p.add_argument("--gen-length", type=int, help="response length (default: each task's)")
    p.add_argument("--lora", action="store_true", help="train LoRA adapters (peft) instead of "
                                                       "every weight")
    p.add_argument("--lora-r", type=int)
    p.add_argument("--lora-alpha", type=int)
    p.add_argument("--lora-dropout", type=float)
    p.add_argument("--lora-targets", help="module names, comma-separated (default q/k/v_proj)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--steps", type=int)
    group.add_argument("--epochs", type=float)
    for flag, kind in (("--batch-size", int), ("--lr", float), ("--weight-decay", float),
                       ("--warmup", float), ("--seed", int), ("--checkpoint-every", int),
                       ("--eval-samples", int)):
        p.add_argument(flag, type=kind)
    p.add_argument("--schedule", choices=("cosine", "constant"))
    p.add_argument("--no-evaluate", action="store_true", help="skip the config's evaluate sweep")
    p.add_argument("--out", required=True, help="output folder (model/, checkpoints/, manifest)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_train)


def spec_from_args(args: argparse.Namespace):
    from ..runner.cli import _model_options
    from .spec import load_train_config, spec_from_dict

    data: dict[str, Any] = load_train_config(args.config) if args.config else {}
    for key in ("model", "tasks", "data_dir", "num_samples", "data_seed", "exclude_data_dir",
                "gen_length", "steps", "epochs", "batch_size", "lr", "weight_decay", "warmup",
                "seed", "checkpoint_every", "eval_samples", "schedule"):
        value = getattr(args, key)
        if value is not None:
            data[key] = value
            if key in ("steps", "epochs"):
                data.pop("epochs" if key == "steps" else "steps", None)
    if not isinstance(data.get("model_options") or {}, dict):
        raise ConfigError(f"{args.config}: model_options must be a mapping, got {data['model_options']!r}")
    options = {**(data.get("model_options") or {}), **_model_options(args.model_option)}
    if args.trust_remote_code:
        options["trust_remote_code"] = True
    data["model_options"] = options
    lora_flags = {k: getattr(args, f"lora_{k}") for k in ("r", "alpha", "dropout", "targets")}
    if args.lora or any(v is not None for v in lora_flags.values()):
        base = data.get("lora") if isinstance(data.get("lora"), dict) else {}
        data["lora"] = {**base, **{k: v for k, v in lora_flags.items() if v is not None}}
    return spec_from_dict(data, where=args.config or "train")


def build_trainable(spec, tasks: list) -> Any:
    """The model to train: an hf-dllm checkpoint, a learned-model folder or a new learned
    model whose vocabulary covers the training data."""
    prefix, _, target = spec.model.partition(":")
    options = dict(spec.model_options)
    if prefix == "hf-dllm":
        from .hf import HFTrainable

        return HFTrainable(target, lora=spec.lora, **options)
    from ..learned.recipe import vocabulary
    from ..learned.trainable import LearnedTrainable

    if target:
        if options:
            raise ConfigError("learned:<folder> takes no model options (its config is saved)")
        return LearnedTrainable.load(target)
    arch = {k: options.pop(k) for k in ("dim", "layers", "heads", "mlp") if k in options}
    for key, value in arch.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"learned-model option {key} must be a positive integer, got {value!r}")
    if options:
        raise ConfigError(f"unknown learned-model option(s): {', '.join(sorted(options))}; "
                          f"known: dim, layers, heads, mlp")
    return LearnedTrainable.fresh(vocabulary(tasks), spec.sft_config().seed, **arch)


def check_train_out(out: str) -> Path:
    """``--out``: a new or empty folder, or an earlier train output (which resumes); never a
    file, nor a folder of other files."""
    from ..userfiles import output_dir

    path = output_dir(out, "--out folder")
    if path.is_dir() and not (path / "train_manifest.json").exists() and not (path / "checkpoints").is_dir():
        others = sorted(e.name for e in path.iterdir())
        if others:
            raise ConfigError(f"--out folder {str(path)!r} holds other files ({', '.join(others[:3])}) "
                              "and no earlier training run; give a new or empty folder")
    return path


def cmd_train(args: argparse.Namespace) -> int:
    from .data import encode_examples, load_training_tasks
    from .loop import run_sft

    spec = spec_from_args(args)
    check_train_out(args.out)
    if spec.evaluate and not args.no_evaluate:
        from .evaluate import check_sweep

        check_sweep(spec.evaluate, spec.model)  # before hours of training, not after
    tasks = load_training_tasks(spec.tasks, data_dir=spec.data_dir, num_samples=spec.num_samples,
                                seed=spec.data_seed, exclude_data_dir=spec.exclude_data_dir)
    model = build_trainable(spec, tasks)
    examples = encode_examples(model, tasks, spec.gen_length)
    manifest = run_sft(model, examples, spec.sft_config(), args.out,
                       progress=not args.no_progress,
                       describe={**spec.describe(), "data": [d.describe() for d in tasks]})
    loss = manifest["held_out_loss"]
    fmt = (lambda v: "-" if v is None else f"{v:.4f}")
    print(f"{len(examples)} examples, {manifest['steps']} steps in {manifest['seconds']:.0f} s; "
          f"held-out loss {fmt(loss['before'])} -> {fmt(loss['after'])}")
    prefix = spec.model.partition(":")[0]
    print(f"model: {manifest['output']}  (load it as {prefix}:{manifest['output']})")
    if spec.evaluate and not args.no_evaluate:
        from .evaluate import evaluate_models

        runtime = {k: v for k, v in spec.model_options.items()
                   if prefix == "hf-dllm" and k not in ("dim", "layers", "heads", "mlp")}
        models = {"fine-tuned": f"{prefix}:{manifest['output']}"}
        if prefix == "hf-dllm" or spec.model.partition(":")[2]:
            models = {"pretrained": spec.model, **models}
        table = evaluate_models(models, spec.evaluate, runtime, Path(args.out) / "eval",
                                progress=not args.no_progress)
        print(table.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
        print(f"comparison: {Path(args.out) / 'eval' / 'comparison.md'}")
    return 0
