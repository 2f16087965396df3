"""Fine-tune a tiny real-architecture dLLM (any hf-dllm family: LLaDA, LLaDA-MoE, LLaDA2 or
Dream code from ../shared/upstream, or the native DiffusionGemma, at 2 layers / hidden 64, random
init, built by the models area's test kit) with `parallelbench train` and measure it before and
after: held-out loss and accuracy (confidence-topk, greedy) on the built-in test sets.

    python benchmarks/finetune_tiny.py                     # LLaDA, full fine-tuning
    python benchmarks/finetune_tiny.py --family dream --steps 100 --lora
    python benchmarks/finetune_tiny.py --family llada2     # block-diffusion objective

Needs ../shared/upstream (the real modelling code) except for diffusion_gemma; prints the
comparison table.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "train"))

from train_testkit import load_kit, task_tokenizer  # noqa: E402

from parallelbench.cli import main as cli  # noqa: E402
from parallelbench.tasks import load_task  # noqa: E402

TASKS = ["list_ops/copy_n3", "list_ops/reverse_n3"]
FAMILIES = ["llada", "llada_moe", "llada2", "dream", "diffusion_gemma"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="llada", choices=FAMILIES)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--lora", action="store_true")
    parser.add_argument("--samples", type=int, default=50, help="test samples per task")
    parser.add_argument("--out", help="keep everything here")
    args = parser.parse_args()
    kit = load_kit()
    if not kit.available(args.family):
        sys.exit(f"no upstream {args.family} code under {kit.UPSTREAM}")
    out = Path(args.out or tempfile.mkdtemp(prefix="finetune-tiny-"))
    model = kit.build(args.family, out / "base", seed=0)
    texts = [t for name in TASKS for s in load_task(name) for t in (s.prompt, s.reference)]
    task_tokenizer(args.family, texts).save_pretrained(model)
    config = {
        "model": f"hf-dllm:{model}", "model_options": {"trust_remote_code": True},
        "tasks": TASKS, "num_samples": 2000, "gen_length": 16, "steps": args.steps,
        "batch_size": 32, "lr": args.lr, "eval_samples": 200, "log_every": 20,
        **({"lora": {"r": 16, "alpha": 32, "dropout": 0.0}} if args.lora else {}),
        "evaluate": {"tasks": TASKS, "limit": args.samples, "max_tokens": 16, "seed": 42,
                     "strategies": [{"strategy": "confidence-topk", "k": [1, 2, 4, 16]}]},
    }
    path = out / "train.yaml"
    path.write_text(yaml.safe_dump(config))
    t0 = time.perf_counter()
    code = cli(["train", "--config", str(path), "--out", str(out / "run"), "--no-progress"])
    print(f"exit {code}; {time.perf_counter() - t0:.0f} s in all; outputs under {out}")


if __name__ == "__main__":
    main()
