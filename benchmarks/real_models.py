"""Real-model decoding speed: our batched sampler with and without KV cache against Fast-dLLM's
own loops, on the real (Fast-dLLM, cache-aware) LLaDA architecture with random weights.

The model is built from ``../shared/upstream/fast_dllm_llada`` (copied to a temporary folder and
imported with transformers' remote-code loader; nothing is downloaded): hidden 256, 4 layers,
LLaDA's vocabulary (126464) unless told otherwise. For every prompt length P, generation length G
(block 32), strategy (confidence top-k with ``--k`` tokens per step, and threshold 0.9) and cache
mode (none / prefix / dual) it times

* the peer: Fast-dLLM's ``generate`` / ``generate_with_prefix_cache`` / ``generate_with_dual_cache``,
  one prompt at a time as they run (``--peer-samples`` prompts);
* ours: ``parallelbench.decoding.decode`` through the ``hf-dllm`` adapter at each batch size,

and prints samples/s, generated tokens/s, mean NFE and, for ours, the ratio of samples/s to the
peer with the same cache. ``match`` says whether our tokens equal the peer's on the prompts both
decoded (the mask logit is -inf on both sides, as in the parity tests).

    python benchmarks/real_models.py                                  # the full CPU table (hours)
    python benchmarks/real_models.py --prompt-lengths 64 --gen-lengths 64 --batches 1 4 \\
        --vocab 4096 --peer-samples 1                                 # a quick check (~1 min)
    python benchmarks/real_models.py --device cuda --dtype bfloat16 --json gpu.json

Targets (issue 12). CPU: prefix >= 2x none at P=512, G=128; ours at batch 1 no slower than the
peer with the same cache; ours at batch 32 with prefix >= 3x the peer's prefix loop. GPU (bf16):
ours at batch 32 >= 8x the peer's cached loop, and batch 32 >= 8x batch 1 in samples/s.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tempfile
import time
import types
from pathlib import Path

import torch

UPSTREAM = Path(__file__).resolve().parents[1] / ".." / "shared" / "upstream" / "fast_dllm_llada"
MASK_ID = 126336


def build_model(args):
    """Fast-dLLM's LLaDAModelLM with random weights, and its generate.py as a module."""
    from transformers.dynamic_module_utils import get_class_from_dynamic_module

    src = Path(args.upstream)
    tmp = Path(tempfile.mkdtemp(prefix="pb_llada_"))
    for name in ("configuration_llada.py", "modeling_llada.py"):
        shutil.copy(src / name, tmp / name)
    mask_id = MASK_ID if args.vocab > MASK_ID else args.vocab - 2
    config = dict(
        d_model=args.hidden, n_heads=args.heads, n_kv_heads=args.heads, n_layers=args.layers,
        mlp_hidden_size=3 * args.hidden, mlp_ratio=3, activation_type="silu", block_type="llama", rope=True,
        rope_theta=500000.0, layer_norm_type="rms", rms_norm_eps=1e-5, vocab_size=args.vocab,
        embedding_size=args.vocab, weight_tying=False, max_sequence_length=4096, mask_token_id=mask_id,
        eos_token_id=args.vocab - 1, pad_token_id=args.vocab - 1,
        include_bias=False, include_qkv_bias=False, attention_dropout=0.0, residual_dropout=0.0,
        embedding_dropout=0.0, init_device="cpu", model_type="llada", architectures=["LLaDAModelLM"],
        auto_map={"AutoConfig": "configuration_llada.LLaDAConfig", "AutoModel": "modeling_llada.LLaDAModelLM"})
    (tmp / "config.json").write_text(json.dumps(config))
    config_cls = get_class_from_dynamic_module("configuration_llada.LLaDAConfig", str(tmp))
    model_cls = get_class_from_dynamic_module("modeling_llada.LLaDAModelLM", str(tmp))
    cfg = config_cls.from_pretrained(str(tmp))
    cfg.use_cache = False  # the 4.x code reads it; transformers 5 configs no longer default it
    torch.manual_seed(0)
    model = model_cls(cfg, init_params=True)
    with torch.no_grad():  # spread the random model's confidences so thresholds commit in parallel
        model.model.transformer.ff_out.weight.mul_(args.sharpen)
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[args.dtype]
    model = model.to(device=args.device, dtype=dtype).eval()

    pkg, sub = types.ModuleType("model"), types.ModuleType("model.modeling_llada")
    sub.LLaDAModelLM = model_cls
    sys.modules.update({"model": pkg, "model.modeling_llada": sub})
    spec = importlib.util.spec_from_file_location("fast_dllm_generate", src / "generate.py")
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    return model, ref, mask_id


class Peer:
    """The model as Fast-dLLM's loops see it, with the mask logit at -inf (as ours)."""

    def __init__(self, model, mask_id):
        self.model, self.mask_id = model, mask_id
        self.device = next(model.parameters()).device

    def __call__(self, *args, **kwargs):
        out = self.model(*args, **kwargs)
        out.logits[..., self.mask_id] = float("-inf")
        return out


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_peer(ref, peer, prompts, cache, G, block, steps, threshold, mask_id, device):
    fn = {"none": ref.generate, "prefix": ref.generate_with_prefix_cache,
          "dual": ref.generate_with_dual_cache}[cache]
    tokens, nfes = [], []
    sync(device)
    t0 = time.perf_counter()
    for row in prompts:
        x, nfe = fn(peer, row[None], steps=steps, gen_length=G, block_length=block, temperature=0.0,
                    remasking="low_confidence", mask_id=mask_id, threshold=threshold)
        tokens.append(x[0, row.shape[0]:])
        nfes.append(nfe)
    sync(device)
    return time.perf_counter() - t0, torch.stack(tokens), sum(nfes) / len(nfes)


def time_ours(adapter, prompts, cfg, device):
    from parallelbench.decoding import decode

    sync(device)
    t0 = time.perf_counter()
    res = decode(adapter, prompts, None, cfg)
    sync(device)
    return time.perf_counter() - t0, res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "float16"))
    ap.add_argument("--prompt-lengths", type=int, nargs="+", default=[256, 512])
    ap.add_argument("--gen-lengths", type=int, nargs="+", default=[128, 256])
    ap.add_argument("--block", type=int, default=32)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--caches", nargs="+", default=["none", "prefix", "dual"], choices=("none", "prefix", "dual"))
    ap.add_argument("--strategies", nargs="+", default=["topk", "threshold"], choices=("topk", "threshold"))
    ap.add_argument("--k", type=int, default=2, help="tokens per step of confidence top-k (default 2)")
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--peer-samples", type=int, default=2, help="prompts Fast-dLLM decodes one at a time")
    ap.add_argument("--vocab", type=int, default=126464)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--sharpen", type=float, default=40.0,
                    help="scale of the random output projection (spreads confidences; 1 = plain init)")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    ap.add_argument("--compile", action="store_true",
                    help="keep the torch.compile of Fast-dLLM's attention (both sides use the same model)")
    ap.add_argument("--upstream", default=str(UPSTREAM), help="folder with Fast-dLLM's llada files")
    ap.add_argument("--confidence-dtype", default="float64", choices=("float64", "float32", "model"),
                    help="ours: softmax precision (default float64, as Fast-dLLM's loops, so tokens can "
                         "be compared; the LLaDA family default 'model' follows the ParallelBench "
                         "reference and differs from Fast-dLLM in bf16)")
    ap.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = ap.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("error: --device cuda but no CUDA device is available", file=sys.stderr)
        return 2
    if not (Path(args.upstream) / "generate.py").is_file():
        print(f"error: Fast-dLLM's llada files not found in {args.upstream} (--upstream)", file=sys.stderr)
        return 2
    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.compile:
        import torch._dynamo as dynamo
        dynamo.config.disable = True

    from parallelbench.models.families import Family
    from parallelbench.models.hf_dllm import DllmAdapter

    model, ref, mask_id = build_model(args)
    adapter = DllmAdapter(model, Family("llada", mask_id=mask_id, eos_id=None, pad_id=None, shift_logits=False))
    peer = Peer(model, mask_id)
    g = torch.Generator().manual_seed(0)
    meta = {"device": args.device, "dtype": args.dtype, "torch": torch.__version__,
            "threads": torch.get_num_threads(), "vocab": args.vocab, "hidden": args.hidden,
            "layers": args.layers, "heads": args.heads, "block": args.block, "k": args.k,
            "threshold": args.threshold, "sharpen": args.sharpen, "peer_samples": args.peer_samples,
            "confidence_dtype": args.confidence_dtype}
    print(" ".join(f"{k}={v}" for k, v in meta.items()))
    # warm-up (allocator, kernels, lazy imports); not timed
    warm = torch.randint(0, mask_id - 1, (1, 16), generator=g).to(args.device)
    time_ours(adapter, warm, dict(strategy="confidence-topk", steps=8, gen_length=args.block,
                                  block_length=args.block, mask_id=mask_id, cache="prefix"), args.device)
    time_peer(ref, peer, warm, "prefix", args.block, args.block, 8, None, mask_id, args.device)
    head = (f"{'P':>5}{'G':>5} {'strategy':<10}{'cache':<7}{'who':<10}{'batch':>6}{'samples/s':>11}"
            f"{'tokens/s':>10}{'NFE':>8}{'x peer':>8}  match")
    print(head)
    rows = []
    for P in args.prompt_lengths:
        prompts = torch.randint(0, mask_id - 1, (max(args.batches + [args.peer_samples]), P),
                                generator=g).to(args.device)
        for G in args.gen_lengths:
            for strategy in args.strategies:
                steps = G // args.k if strategy == "topk" else G
                threshold = args.threshold if strategy == "threshold" else None
                cfg = dict(gen_length=G, block_length=args.block, mask_id=mask_id,
                           confidence_dtype=args.confidence_dtype)
                cfg.update(strategy="confidence-topk", steps=steps) if strategy == "topk" else \
                    cfg.update(strategy="confidence-threshold", threshold=threshold)
                for cache in args.caches:
                    n = args.peer_samples
                    wall, peer_tokens, nfe = time_peer(ref, peer, prompts[:n], cache, G, args.block, steps,
                                                       threshold, mask_id, args.device)
                    base = {"prompt": P, "gen": G, "strategy": strategy, "cache": cache}
                    peer_row = {**base, "who": "fast-dllm", "batch": 1, "samples_per_s": n / wall,
                                "tokens_per_s": n * G / wall, "nfe": nfe, "ratio": None, "match": None}
                    rows.append(peer_row)
                    _print(peer_row)
                    for b in args.batches:
                        wall, res = time_ours(adapter, prompts[:b], {**cfg, "cache": cache}, args.device)
                        common = min(b, n)
                        match = bool(torch.equal(res.tokens[:common].cpu(), peer_tokens[:common].cpu()))
                        row = {**base, "who": "ours", "batch": b, "samples_per_s": b / wall,
                               "tokens_per_s": b * G / wall, "nfe": res.nfe.double().mean().item(),
                               "ratio": (b / wall) / peer_row["samples_per_s"], "match": match}
                        rows.append(row)
                        _print(row)
                    _save(args.json, meta, rows)  # after every cell: a run cut short keeps its rows
    _save(args.json, meta, rows)
    return 0


def _save(path, meta, rows) -> None:
    if path:
        with open(path, "w") as fh:
            json.dump({"meta": meta, "rows": rows}, fh, indent=2)


def _print(r: dict) -> None:
    ratio = f"{r['ratio']:>8.2f}" if r["ratio"] is not None else f"{'-':>8}"
    match = "-" if r["match"] is None else ("yes" if r["match"] else "no")
    print(f"{r['prompt']:>5}{r['gen']:>5} {r['strategy']:<10}{r['cache']:<7}{r['who']:<10}{r['batch']:>6}"
          f"{r['samples_per_s']:>11.3f}{r['tokens_per_s']:>10.1f}{r['nfe']:>8.1f}{ratio}  {match}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
