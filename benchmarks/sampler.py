"""Sampler benchmark: how much of decoding's wall time is the sampler's own overhead.

Decodes random prompts with a tiny random-init ``transformers`` masked LM (built from a config,
nothing downloaded) for several batch sizes and generation lengths, and reports samples/s, NFE,
the time spent in the model forward and the share of wall time spent outside it (the sampler's
own cost: scoring, selection, bookkeeping).

    python benchmarks/sampler.py                       # CPU table
    python benchmarks/sampler.py --json out.json       # also write the rows as JSON
    python benchmarks/sampler.py --device cuda         # on a GPU

Targets on CPU: sampler share <= 10% at batch 32 and <= 25% at batch 1; per-sample cost at
batch 32 no worse than at batch 1.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import torch

from parallelbench.decoding import decode


class TimedModel:
    """Wraps a masked LM as a sampler model and accumulates the time spent in its forward."""

    def __init__(self, model, device: str):
        self.model, self.device, self.seconds, self.calls = model, device, 0.0, 0

    def _sync(self):
        if self.device.startswith("cuda"):
            torch.cuda.synchronize()

    def __call__(self, input_ids, attention_mask=None):
        self._sync()
        t0 = time.perf_counter()
        pos = (attention_mask.cumsum(1) - 1).clamp(min=0) if attention_mask is not None else None
        logits = self.model(input_ids=input_ids, attention_mask=attention_mask, position_ids=pos).logits
        self._sync()
        self.seconds += time.perf_counter() - t0
        self.calls += 1
        return logits


def build_model(args):
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=args.vocab, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
        intermediate_size=1024, max_position_embeddings=512, initializer_range=0.2,
    )
    return BertForMaskedLM(cfg).eval().to(args.device)


def run_one(model, args, strategy: str, batch: int, gen_length: int) -> dict:
    g = torch.Generator().manual_seed(batch * 1000 + gen_length)
    prompts = torch.randint(5, args.vocab, (batch, args.prompt_length), generator=g).to(args.device)
    kw = {"steps": gen_length // 2} if strategy == "confidence-topk" else {"threshold": 0.9}
    cfg = dict(strategy=strategy, gen_length=gen_length, mask_id=4, seed=0, **kw)
    walls, fwds, nfe = [], [], 0.0
    for _ in range(args.repeats):
        model.seconds = 0.0
        model._sync()
        t0 = time.perf_counter()
        res = decode(model, prompts, **cfg)
        model._sync()
        walls.append(time.perf_counter() - t0)
        fwds.append(model.seconds)
        nfe = res.nfe.double().mean().item()
    # The fastest run: on a shared machine, noise from other processes only ever adds time.
    i = walls.index(min(walls))
    wall, fwd = walls[i], fwds[i]
    return {
        "strategy": strategy, "batch": batch, "gen_length": gen_length, "nfe": nfe,
        "wall_s": wall, "forward_s": fwd, "samples_per_s": batch / wall,
        "ms_per_sample": 1000 * wall / batch, "sampler_share": (wall - fwd) / wall,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--gen-lengths", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--strategies", nargs="+", default=["confidence-topk", "confidence-threshold"])
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--prompt-length", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=2, help="timed runs per row (the fastest is kept)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch intra-op threads (default 1: on a small shared CPU, OpenMP spin-waits "
                         "under load make multi-threaded timings erratic)")
    ap.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = ap.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("error: --device cuda but no CUDA device is available", file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    model = TimedModel(build_model(args), args.device)
    for strategy in args.strategies:  # warm-up (allocator, kernels, lazy imports); not timed
        run_one(model, argparse.Namespace(**{**vars(args), "repeats": 1}), strategy, 1, min(args.gen_lengths))
    rows = []
    header = f"{'strategy':<22}{'batch':>6}{'gen':>5}{'NFE':>7}{'samples/s':>11}{'ms/sample':>11}{'forward s':>11}{'wall s':>9}{'sampler %':>11}"
    print(f"device={args.device} torch={torch.__version__} threads={torch.get_num_threads()} vocab={args.vocab}")
    print(header)
    for strategy in args.strategies:
        for gen_length in args.gen_lengths:
            for batch in args.batches:
                r = run_one(model, args, strategy, batch, gen_length)
                rows.append(r)
                print(f"{strategy:<22}{batch:>6}{gen_length:>5}{r['nfe']:>7.1f}{r['samples_per_s']:>11.1f}"
                      f"{r['ms_per_sample']:>11.2f}{r['forward_s']:>11.3f}{r['wall_s']:>9.3f}"
                      f"{100 * r['sampler_share']:>10.1f}%", flush=True)
    if args.json:
        meta = {"device": args.device, "torch": torch.__version__, "vocab": args.vocab,
                "prompt_length": args.prompt_length, "threads": torch.get_num_threads()}
        with open(args.json, "w") as fh:
            json.dump({"meta": meta, "rows": rows}, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
