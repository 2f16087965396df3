"""Parity cases: each strategy with its *default* settings against its reference, token for token.

A case runs one prompt through the reference (the upstream code in ../shared/upstream, or a
re-statement of the reference in reference_restated*.py) and through ``decode``. Upstream loops
run on float64 checkpoints of the real LLaDA and Dream architectures (the Fast-dLLM loop takes
its softmax in float64); the ParallelBench re-statements also run on a bf16 LLaDA, where the
softmax is taken in the model's dtype (``confidence_dtype='model'``, the default).
``benchmarks/reference_parity.py`` prints the cases passed per strategy.
"""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import torch

import reference_kit as kit
from decoding_testkit import BertAdapter, tiny_bert
from parallelbench.decoding import decode, scores

PROMPTS = (0, 1)


@dataclass
class Case:
    """``reference(rec)`` runs the reference with its model wrapped or hooked by the Recording
    ``rec`` and returns the generated ids; ``ours()`` returns our ``DecodeResult``."""

    strategy: str
    source: str
    label: str
    prompt: torch.Tensor
    G: int
    reference: Callable
    ours: Callable

    @property
    def id(self) -> str:
        return f"{self.strategy}[{self.source}: {self.label}]"

    def run(self):
        """(reference, ours), each as (tokens, decoding order, NFE)."""
        rec = kit.Recording(self.prompt.shape[1], self.G)
        with torch.no_grad():
            ref = rec.trace(self.reference(rec).clone())
        res = self.ours()
        return ref, (res.tokens[0], res.order[0], int(res.nfe[0]))

    def passes(self) -> bool:
        (a, ao, an), (b, bo, bn) = self.run()
        return torch.equal(a, b) and torch.equal(ao, bo) and an == bn


@lru_cache(maxsize=None)
def llada(dtype=torch.float64):
    return kit.Suppressed(kit.tiny_llada(dtype, seed=0))


@lru_cache(maxsize=None)
def dream():
    return kit.tiny_dream(torch.float64, seed=1)


@lru_cache(maxsize=None)
def bert():
    return kit.Suppressed4D(BertAdapter(tiny_bert(kit.V, torch.float64, seed=3), scale=6.0))


def ours(model, prompt, G, **cfg):
    return decode(model, prompt, gen_length=G, mask_id=kit.MASK, **cfg)


@contextlib.contextmanager
def shared_noise(draw):
    """Our sampler's uniform draws replaced by ``draw(view, shape)`` (the reference's global-RNG
    draws), so a random strategy can be compared with its reference token for token."""
    saved = scores.row_uniform
    scores.row_uniform = draw
    try:
        yield
    finally:
        scores.row_uniform = saved


def seeded(fn, seed=7, draw=None):
    def run(*args):
        torch.manual_seed(seed)
        if draw is None:
            return fn(*args)
        with shared_noise(draw):
            return fn(*args)
    return run


def fast_dllm(rec, prompt, G, B, S, remasking="low_confidence", threshold=None):
    out, _ = kit.fast_dllm().generate(rec.wrap(llada()), prompt, steps=S, gen_length=G, block_length=B,
                                      remasking=remasking, mask_id=kit.MASK, threshold=threshold)
    return out[0, prompt.shape[1]:]


def dream_sample(rec, prompt, G, S, alg):
    def suppress(step, x, logits):
        logits = logits.clone()
        logits[..., kit.MASK] = float("-inf")
        return logits
    gc = kit.dream_generation_config(temperature=0.0, steps=S, eps=0.0, alg=alg,
                                     max_length=prompt.shape[1] + G, mask_token_id=kit.MASK)
    handle = rec.hook(dream())
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the reference prints its timing
            x = dream()._sample(prompt, attention_mask=None, generation_config=gc,
                                generation_tokens_hook_func=lambda step, x, logits: x,
                                generation_logits_hook_func=suppress)
    finally:
        handle.remove()
    return x[0, prompt.shape[1]:]


def _llada_rows(view, shape):  # Fast-dLLM 'random': one rand over the whole row per step
    return torch.rand((1, view.state.P + shape[0]))[:, view.state.P:].double()


def _dream_masked(view, shape):  # Dream 'origin': one rand per masked position per step
    u = torch.ones(1, shape[0], dtype=torch.float64)
    u[0, view.candidates[0]] = torch.rand(int(view.candidates[0].sum())).double()
    return u


def _dream_ours(strategy, **kw):
    return dict(strategy=strategy, shift_logits=True, schedule="dream", faithful_dream_float_schedule=True,
                noise_convention="tempered", **kw)


def upstream_cases() -> list[Case]:
    out = []
    dream_model = lambda: kit.Suppressed(dream(), dream=True)  # noqa: E731
    for p in PROMPTS:
        x = kit.prompt(p)
        for G, B, S in [(16, 16, 16), (16, 16, 8), (16, 8, 8), (16, 4, 8), (16, 16, 4), (32, 8, 16)]:
            out.append(Case("confidence-topk", "Fast-dLLM generate", f"p{p} G{G} B{B} S{S}", x, G,
                            lambda r, x=x, G=G, B=B, S=S: fast_dllm(r, x, G, B, S),
                            lambda x=x, G=G, B=B, S=S: ours(llada(), x, G, block_length=B, steps=S)))
        for G, B, S in [(16, 16, 8), (16, 8, 8), (16, 4, 16)]:
            out.append(Case("random", "Fast-dLLM generate", f"p{p} G{G} B{B} S{S}", x, G,
                            seeded(lambda r, x=x, G=G, B=B, S=S: fast_dllm(r, x, G, B, S, "random")),
                            seeded(lambda x=x, G=G, B=B, S=S: ours(llada(), x, G, strategy="random",
                                                                   block_length=B, steps=S), draw=_llada_rows)))
        for gamma in (0.5, 0.7, 0.9, 1.0):
            for B in (16, 8):
                out.append(Case("confidence-threshold", "Fast-dLLM generate", f"p{p} B{B} thr{gamma}", x, 16,
                                lambda r, x=x, B=B, g=gamma: fast_dllm(r, x, 16, B, 16, threshold=g),
                                lambda x=x, B=B, g=gamma: ours(llada(), x, 16, strategy="confidence-threshold",
                                                               block_length=B, threshold=g)))
        for alg, strategy in [("maskgit_plus", "confidence-topk"), ("topk_margin", "topk-margin"),
                              ("entropy", "entropy-topk")]:
            for S in (16, 8, 6, 4):
                out.append(Case(strategy, "Dream _sample", f"p{p} {alg} S{S}", x, 16,
                                lambda r, x=x, S=S, a=alg: dream_sample(r, x, 16, S, a),
                                lambda x=x, S=S, s=strategy: ours(dream_model(), x, 16, **_dream_ours(s, steps=S))))
        for S in (16, 8, 5):
            out.append(Case("origin", "Dream _sample", f"p{p} S{S}", x, 16,
                            seeded(lambda r, x=x, S=S: dream_sample(r, x, 16, S, "origin")),
                            lambda x=x, S=S: ours(dream_model(), x, 16, **_dream_ours("origin", steps=S, seed=7))))
    return out
