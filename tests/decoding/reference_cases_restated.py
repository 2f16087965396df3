"""Parity cases against re-statements of the references that ../shared/upstream does not ship
(ParallelBench's LLaDA loops, PC-Sampler, EB-Sampler). Default settings of every strategy."""
from __future__ import annotations

import torch

import reference_kit as kit
import reference_restated as rs
import reference_restated_extra as rx
from reference_cases import PROMPTS, Case, bert, llada, ours, upstream_cases


def _bf16():
    return llada(torch.bfloat16)


def _table() -> torch.Tensor:
    g = torch.Generator().manual_seed(5)
    counts = torch.randint(1, 1000, (kit.V,), generator=g).double()
    return counts


def restated_cases() -> list[Case]:
    out = []
    for p in PROMPTS:
        x = kit.prompt(p)
        # ParallelBench's LLaDA loop with its softmax in the model's dtype (bf16 here).
        for kind, strategy in [("confidence", "confidence-topk"), ("margin", "topk-margin"),
                               ("entropy", "entropy-topk"), ("l2r", "l2r")]:
            for B, S in [(16, 16), (16, 8), (8, 8), (4, 4)]:
                out.append(Case(strategy, "ParallelBench loop, bf16", f"p{p} B{B} S{S}", x, 16,
                                lambda r, x=x, B=B, S=S, k=kind: rs.pb_generate(r.wrap(_bf16()), x, 16, B, S, kind=k),
                                lambda x=x, B=B, S=S, s=strategy: ours(_bf16(), x, 16, strategy=s,
                                                                       block_length=B, steps=S)))
        for gamma in (0.7, 0.9, 1.0):
            for B in (16, 8):
                out.append(Case("confidence-threshold", "ParallelBench loop, bf16", f"p{p} B{B} thr{gamma}", x, 16,
                                lambda r, x=x, B=B, g=gamma: rs.pb_generate(r.wrap(_bf16()), x, 16, B, threshold=g),
                                lambda x=x, B=B, g=gamma: ours(_bf16(), x, 16, strategy="confidence-threshold",
                                                               block_length=B, threshold=g)))
        for f in (0.7, 1.0, 1.3, 1.6, 1.9):
            for B, dtype in [(16, torch.float64), (8, torch.float64), (16, torch.bfloat16)]:
                name = "bf16" if dtype == torch.bfloat16 else "float64"
                out.append(Case("confidence-factor", f"ParallelBench loop, {name}", f"p{p} B{B} f{f}", x, 16,
                                lambda r, x=x, B=B, f=f, d=dtype: rs.pb_generate(r.wrap(llada(d)), x, 16, B, factor=f),
                                lambda x=x, B=B, f=f, d=dtype: ours(llada(d), x, 16, strategy="confidence-factor",
                                                                    block_length=B, factor=f)))
        for B, S, kw in [(16, 16, {}), (8, 16, {}), (8, 8, {}), (16, 16, dict(tau_conf=0.6, tau_kl=0.015)),
                         (8, 16, dict(reset_per_block=False)),
                         (4, 16, dict(reset_per_block=False, tau_conf=0.5, tau_kl=0.5))]:
            ref_kw = {"tau_conf": kw.get("tau_conf", 0.9), "tau_kl": kw.get("tau_kl", 0.01),
                      "reset": kw.get("reset_per_block", True)}
            out.append(Case("klass", "ParallelBench port", f"p{p} B{B} S{S} {kw or ''}".strip(), x, 16,
                            lambda r, x=x, B=B, S=S, k=ref_kw: rs.klass(r.wrap(_bf16()), x, 16, B, S, **k),
                            lambda x=x, B=B, S=S, kw=kw: ours(_bf16(), x, 16, strategy="klass", block_length=B,
                                                              steps=S, **kw)))
        for B, kw in [(16, {}), (8, {}), (16, dict(tau_hi=0.7, tau_cyc=0.2))]:
            out.append(Case("slowfast", "ParallelBench port", f"p{p} B{B} {kw or ''}".strip(), x, 16,
                            lambda r, x=x, B=B, kw=kw: rs.slowfast(r.wrap(_bf16()), x, 16, B, **kw),
                            lambda x=x, B=B, kw=kw: ours(_bf16(), x, 16, strategy="slowfast", block_length=B, **kw)))
        for B, tau in [(16, 0.3), (8, 0.3), (16, 0.6), (16, 0.0)]:
            out.append(Case("dus", "ParallelBench port", f"p{p} B{B} tau_r{tau}", x, 16,
                            lambda r, x=x, B=B, t=tau: rs.dus(r.wrap(_bf16()), x, 16, B, tau_r=t),
                            lambda x=x, B=B, t=tau: ours(_bf16(), x, 16, strategy="dus", block_length=B, tau_r=t)))
        for B, kw in [(16, {}), (8, {}), (16, dict(tau1=0.4, tau2=0.95))]:
            out.append(Case("wino", "ParallelBench port (BERT, 4-D mask)", f"p{p} B{B} {kw or ''}".strip(), x, 16,
                            lambda r, x=x, B=B, kw=kw: rs.wino(r.wrap(bert()), x, 16, B, **kw),
                            lambda x=x, B=B, kw=kw: ours(bert(), x, 16, strategy="wino", block_length=B, **kw)))
        for B, S, R, r in [(16, 16, 1, 1), (8, 16, 1, 1), (8, 8, 2, 1), (16, 16, 2, 2)]:
            out.append(Case("remdm", "ParallelBench port", f"p{p} B{B} S{S} R{R} r{r}", x, 16,
                            lambda rec, x=x, B=B, S=S, R=R, r=r: rx.remdm(rec.wrap(_bf16()), x, 16, B, S, R, r),
                            lambda x=x, B=B, S=S, R=R, r=r: ours(_bf16(), x, 16, strategy="remdm", block_length=B,
                                                                 steps=S, remdm_steps=R, remdm_number=r)))
        for B, S, mode in [(16, 8, "linear"), (8, 8, "linear"), (8, 8, "cosine"), (16, 16, "linear")]:
            out.append(Case("rcr", "ParallelBench port", f"p{p} B{B} S{S} {mode}", x, 16,
                            lambda r, x=x, B=B, S=S, m=mode: rx.rcr(r.wrap(_bf16()), x, 16, B, S, m),
                            lambda x=x, B=B, S=S, m=mode: ours(_bf16(), x, 16, strategy="rcr", block_length=B,
                                                               steps=S, gamma_schedule=m)))
        for B, S, lam, linear in [(16, 16, 0.25, False), (8, 8, 0.25, False), (16, 8, 0.0, False),
                                  (16, 16, 0.25, True), (8, 8, 0.5, True)]:
            name = "linear" if linear else "exponential"
            out.append(Case("pc", "PC-Sampler", f"p{p} B{B} S{S} lam{lam} {name}", x, 16,
                            lambda r, x=x, B=B, S=S, lam=lam, lin=linear: rx.pc(
                                r.wrap(llada()), x, 16, B, S, _table() / _table().sum(), lam=lam, linear=lin),
                            lambda x=x, B=B, S=S, lam=lam, n=name: ours(
                                llada(), x, 16, strategy="pc", block_length=B, steps=S, lam=lam, position=n,
                                background=_table())))
        for gamma in (0.01, 0.5, 2.0):
            out.append(Case("eb", "EB-Sampler (NEUIR)", f"p{p} gamma{gamma}", x, 16,
                            lambda r, x=x, g=gamma: rx.eb(r.wrap(llada()), x, 16, g),
                            lambda x=x, g=gamma: ours(llada(), x, 16, strategy="eb", gamma=g)))
    return out


def all_cases() -> list[Case]:
    return upstream_cases() + restated_cases()
