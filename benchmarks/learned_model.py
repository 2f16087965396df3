"""Train the learned model's recipe and measure it: training time, held-out loss, and accuracy
per task at k = 1, 2, 4 (infilling, confidence-topk, greedy) next to the ideal model's.

    python benchmarks/learned_model.py                        # the demo recipe, on the CPU
    python benchmarks/learned_model.py --set steps=200 --eval-samples 16   # a quick check
    python benchmarks/learned_model.py --device cuda --set lr=0.002        # recipe exploration

Prints one JSON line (``result``) at the end; ``--out`` keeps the trained model.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time

from parallelbench.learned.backend import LearnedDLLM
from parallelbench.learned.demo import ideal_accuracy_for
from parallelbench.learned.recipe import DEMO_RECIPE, train_recipe
from parallelbench.models import GenerationRequest
from parallelbench.tasks import load_task


def parse_set(pairs: list[str]) -> dict:
    out = {}
    fields = {f.name: f for f in dataclasses.fields(DEMO_RECIPE)}
    for pair in pairs:
        key, _, value = pair.partition("=")
        current = getattr(DEMO_RECIPE, key)
        if current is None:
            out[key] = None if value == "none" else int(value)
        elif isinstance(current, tuple):
            out[key] = tuple(type(current[0])(v) if current else v for v in value.split(","))
        else:
            out[key] = type(current)(value)
        assert key in fields
    return out


def evaluate(folder: str, recipe, samples: int, lengths: list[int]) -> list[dict]:
    model = LearnedDLLM(folder, infill=True, threads=recipe.threads)
    rows = []
    for op in recipe.ops:
        for n in lengths:
            task = load_task(f"list_ops/{op}_n{n}", num_samples=samples)
            for k in (1, 2, 4):
                reqs = [GenerationRequest(messages=s.messages, max_tokens=recipe.gen_length,
                                          decoding={"strategy": "confidence-topk", "k": k},
                                          seed=i, sample=s, task=task.name)
                        for i, s in enumerate(task)]
                gens = model.generate(reqs)
                acc = 100 * sum(task.score(g.text, s)["score"] for g, s in zip(gens, task)) / len(task)
                ideal, _ = ideal_accuracy_for(task.name, "confidence-topk", k)
                rows.append({"task": task.name, "k": k, "learned": acc, "ideal": ideal})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="recipe override, e.g. steps=800 or lengths=4,6,8")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", help="keep the trained model here")
    parser.add_argument("--eval-samples", type=int, default=50)
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args()
    recipe = dataclasses.replace(DEMO_RECIPE, **parse_set(args.set))
    out = args.out or tempfile.mkdtemp(prefix="learned-")
    t0 = time.perf_counter()
    manifest = train_recipe(recipe, out, progress=args.progress, device=args.device)
    train_s = time.perf_counter() - t0
    lengths = [n for n in (4, 6, 8) if n in recipe.lengths] or list(recipe.lengths)
    rows = evaluate(f"{out}/model", recipe, args.eval_samples, lengths)
    print(f"recipe {recipe.to_dict()}")
    print(f"training: {manifest['steps']} steps, {train_s:.0f} s wall ({manifest['seconds']:.0f} s "
          f"in the loop, {manifest['versions']['threads']} threads, {args.device}); held-out loss "
          f"{manifest['held_out_loss']['before']:.3f} -> {manifest['held_out_loss']['after']:.3f}")
    print("curve", [round(c["loss"], 3) for c in manifest["curve"]][::max(1, len(manifest["curve"]) // 12)])
    print(f"{'task':28} {'k':>2} {'learned %':>9} {'ideal %':>8}")
    for r in rows:
        print(f"{r['task']:28} {r['k']:>2} {r['learned']:9.1f} {r['ideal']:8.1f}")
    print("result", json.dumps({"recipe": recipe.to_dict(), "train_seconds": train_s,
                                "loss": manifest["held_out_loss"], "rows": rows}))


if __name__ == "__main__":
    main()
