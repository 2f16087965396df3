"""More re-statements of reference samplers (see reference_restated.py): ParallelBench's ReMDM and
RCR ports, PC-Sampler (exponential and linear position weights) and NEUIR's EB-Sampler."""
from __future__ import annotations

import math

import torch

from reference_restated import NEG, _best, _logits, _start, _uniform
from reference_kit import MASK


def remdm(model, prompt, G, B, steps, R=1, r=1):
    """ParallelBench's ReMDM loop: R re-mask steps inserted at index clamp(floor(7B/8), 1, B-1)."""
    x, P = _start(prompt, G)
    s = steps // (G // B)
    at = max(min(int(B * 7 / 8), B - 1), 1)
    plan = [False] * s
    plan[at:at] = [True] * R
    for b in range(G // B):
        hi = P + (b + 1) * B
        cache = torch.full((x.shape[1],), math.inf, dtype=torch.float64)
        counts = _uniform(B, s)
        for loop_step in plan:
            if loop_step:
                back = _best(-cache, r)
                cache[back] = math.inf
                x[0, back] = MASK
                n = r
            else:
                n = counts.pop(0)
            masked = x[0] == MASK
            p = torch.softmax(_logits(model, x).double(), -1)
            conf, tok = p.max(-1)
            conf[hi:] = NEG
            score = torch.where(masked, conf, torch.tensor(NEG, dtype=torch.float64))
            take = _best(score, n)
            x[0, take] = tok[take]
            cache[take] = score[take]
    return x[0, P:]


def _gamma(r: float, mode: str) -> float:
    g = 1 - r if mode == "linear" else math.cos(r * math.pi / 2)
    return min(max(g, 1e-6), 1.0)


def rcr(model, prompt, G, B, steps, mode="linear"):
    """ParallelBench's RCR port (overtime confidence): fill every mask up to the block end, keep the
    N_j most confident. Confidences in float32 (the reference's CUDA autocast)."""
    x, P = _start(prompt, G)
    s = max(1, steps // (G // B))
    running = torch.zeros(x.shape[1], dtype=torch.float32)
    for b in range(G // B):
        hi = P + (b + 1) * B
        M = int((x[0, hi - B:hi] == MASK).sum())
        cum = [M - math.floor(M * _gamma((j + 1) / s, mode)) for j in range(s)]
        counts = [c - p for c, p in zip(cum, [0] + cum[:-1])]
        for i in range(s):
            masked = x[0] == MASK
            logits = _logits(model, x)
            tok = logits.argmax(-1)
            conf = torch.softmax(logits.float(), -1).gather(-1, tok[:, None])[:, 0]
            conf[hi:] = NEG
            score = torch.where(masked, conf, torch.tensor(NEG))
            take = _best(score, sum(counts[i:]))
            x[0, take] = tok[take]
            running[take] = score[take]
            if i != s - 1:
                back = _best(-torch.where(running == 0, torch.tensor(1.0), running), sum(counts[i + 1:]))
                x[0, back] = MASK
    return x[0, P:]


def pc(model, prompt, G, B, steps, background, lam=0.25, alpha=10.0, linear=False):
    """PC-Sampler's loop (``generate_with_pc_sampler`` / ``generate_with_linear_position``);
    ``background`` is the frequency table f_bg (float64)."""
    x, P = _start(prompt, G)
    s = steps // (G // B)
    offsets = torch.arange(B, dtype=torch.float32)
    for b in range(G // B):
        lo, hi = P + b * B, P + (b + 1) * B
        counts = _uniform(B, s)
        for i in range(s):
            masked = x[0] == MASK
            logits = _logits(model, x)
            tok = logits.argmax(-1)
            u = torch.softmax(logits, -1).gather(-1, tok[:, None])[:, 0]
            tok = torch.where(masked, tok, x[0])
            c = (-u[lo:hi] * torch.log(background[tok[lo:hi]] + 1e-9)).clamp(max=alpha)
            if linear:
                span = (c.max() - c.min()).clamp(min=1e-9)
                score = (1 - lam) * (c - c.min()) / span + lam * (B - offsets) / B
            else:
                score = torch.exp(-lam * offsets) * c
            score = torch.where(masked[lo:hi], score, torch.tensor(NEG, dtype=score.dtype))
            take = lo + _best(score, counts[i])
            x[0, take] = tok[take]
    return x[0, P:]


def eb(model, prompt, G, gamma=0.01):
    """NEUIR's EB-Sampler: no blocks; commit the longest prefix of the masks sorted by entropy
    whose sum minus max stays within gamma (at least one)."""
    x, P = _start(prompt, G)
    while (x[0] == MASK).any():
        logits = _logits(model, x)
        tok = logits.argmax(-1)
        where = (x[0] == MASK).nonzero().flatten()
        h = torch.distributions.Categorical(logits=logits[where]).entropy()
        order = torch.sort(h, stable=True).indices
        hs = h[order]
        k = int(((hs.cumsum(0) - hs.cummax(0).values) <= gamma).sum())
        take = where[order[: max(1, min(k, len(where)))]]
        x[0, take] = tok[take]
    return x[0, P:]
