"""Faithful re-statements of the reference samplers that ../shared/upstream does not ship, written
from reading them (ParallelBench's LLaDA loops, PC-Sampler, the EB-Sampler of NEUIR/PC-Sampler).
Each runs one prompt (batch 1) the way its reference does and returns the generated ids.

Equal scores are ranked lowest position first: the references use ``torch.topk``, whose order
among ties is unspecified (DECODING.md 1). ``model(x).logits`` is any full-sequence model.
"""
from __future__ import annotations

import math

import torch

from reference_kit import MASK

NEG = float("-inf")


def _start(prompt, G):
    return torch.cat([prompt, torch.full((1, G), MASK, dtype=torch.long)], 1), prompt.shape[1]


def _uniform(M: int, s: int) -> list[int]:
    """ParallelBench's per-step counts: floor(M/s), the remainder to the first steps."""
    return [M // s + (1 if j < M % s else 0) for j in range(s)]


def _best(scores: torch.Tensor, k: int) -> torch.Tensor:
    """Indices of the k largest scores, lowest index first among equals."""
    return torch.sort(scores, descending=True, stable=True).indices[:k]


def _logits(model, x):
    return model(x).logits[0]


def pb_scores(logits, kind):
    """ParallelBench's ``get_transfer_index`` at T = 0: the softmax in the logits' dtype, the most
    probable token, and the score of ``kind``."""
    p = torch.softmax(logits, -1)
    conf, tok = p.max(-1)
    if kind == "margin":
        top = p.sort(-1, descending=True).values
        conf = top[:, 0] - top[:, 1]
    elif kind == "entropy":
        conf = (p * torch.log(p + 1e-10)).sum(-1)
    elif kind == "l2r":
        conf = -torch.arange(len(tok), dtype=torch.float64)
    return conf, tok


def pb_generate(model, prompt, G, B, steps=None, kind="confidence", threshold=None, factor=None):
    """ParallelBench's LLaDA loop: top-k by ``kind`` with ``steps``, or the threshold / factor rule."""
    x, P = _start(prompt, G)
    s = steps // (G // B) if steps else None
    for b in range(G // B):
        lo, hi = P + b * B, P + (b + 1) * B
        counts, i = (_uniform(B, s) if s else None), 0
        while (x[0, lo:hi] == MASK).any():
            conf, tok = pb_scores(_logits(model, x), kind)
            cand = (x[0] == MASK) & (torch.arange(x.shape[1]) < hi)
            score = torch.where(cand, conf, torch.tensor(NEG, dtype=conf.dtype))
            m = int(cand.sum())
            order = _best(score, m)
            if factor is not None:
                n = 0  # the first failing rank (0-based); thresholds compared in the score's dtype
                while n < m and not (n > 0 and score[order[n]] < 1 - factor / (n + 2)):
                    n += 1
                take = order[: m if n in (m, m - 1) else n]
            elif threshold is not None:
                take = order[[0] + [r for r in range(1, m) if not score[order[r]] < threshold]]
            else:
                take = order[: counts[i]]
            x[0, take] = tok[take]
            i += 1
    return x[0, P:]


def klass(model, prompt, G, B, steps, tau_conf=0.9, tau_kl=0.01, H=2, reset=True):
    """ParallelBench's KLASS port (``reset``) or the original KLASS-LLaDA buffers (not reset)."""
    x, P = _start(prompt, G)
    L, s = x.shape[1], steps // (G // B)
    buf, prev = torch.zeros(L, H, dtype=torch.float64), None
    for b in range(G // B):
        lo, hi = P + b * B, P + (b + 1) * B
        if reset or prev is None:
            buf, prev = torch.zeros(L, H, dtype=torch.float64), torch.zeros(L, 1, dtype=torch.float64)
        counts = _uniform(B, s)
        for step in range(s):
            inside = (x[0] == MASK) & (torch.arange(L) >= lo) & (torch.arange(L) < hi)
            if not inside.any():
                break
            p = torch.softmax(_logits(model, x).double(), -1)
            conf, tok = p.max(-1)
            kl = (p * (torch.log(p + 1e-12) - torch.log(prev + 1e-12))).sum(-1)
            buf = torch.cat([buf[:, 1:], kl[:, None]], 1)
            prev = p
            stable = (buf < tau_kl).all(-1) if step >= H - 1 else torch.zeros(L, dtype=torch.bool)
            ready = stable & (conf > tau_conf) & inside
            if ready.any():
                take = ready.nonzero().flatten()
            else:
                take = _best(torch.where(inside, conf, torch.tensor(NEG, dtype=conf.dtype)), counts[step])
            x[0, take] = tok[take]
    return x[0, P:]


def dus_levels(B: int) -> list[list[int]]:
    """The DUS plan at base 2: offsets at stride B/2, then each halved stride's new offsets;
    leftovers last, a last level smaller than the one before merged into it."""
    levels, seen, stride = [], set(), B // 2
    while stride >= 1:
        new = [o for o in range(0, B, stride) if o not in seen]
        if new:
            levels.append(new)
            seen.update(new)
        stride //= 2
    if len(levels) >= 2 and len(levels[-1]) < len(levels[-2]):
        levels[-2] += levels.pop()
    return levels


def dus(model, prompt, G, B, tau_r=0.3):
    """ParallelBench's DUS port: one forward per level; low-confidence slots go back to masks."""
    x, P = _start(prompt, G)
    for b in range(G // B):
        lo = P + b * B
        plan = dus_levels(B)
        for li, level in enumerate(plan):
            if not (x[0, lo:lo + B] == MASK).any():
                break
            logits = _logits(model, x)
            tok = logits.argmax(-1)
            conf = torch.softmax(logits.double(), -1).gather(-1, tok[:, None])[:, 0]
            pos = torch.tensor([lo + o for o in level])
            x[0, pos] = torch.where(x[0, pos] == MASK, tok[pos], x[0, pos])
            if tau_r > 0 and li < len(plan) - 1:
                x[0, pos[conf[pos] < tau_r]] = MASK
    return x[0, P:]


def slowfast(model, prompt, G, B, K=6, tau_cyc=0.3, tau_hi=0.9, window=2, sigma=1.0, cycles=256):
    """ParallelBench's SlowFast port (full forward passes)."""
    x, P = _start(prompt, G)

    def scores():
        logits = _logits(model, x)[P:]
        tok = logits.argmax(-1)
        c = torch.softmax(logits, -1).gather(-1, tok[:, None])[:, 0]
        return tok, torch.where(x[0, P:] == MASK, c, torch.tensor(NEG, dtype=c.dtype))

    def commit(tok, c, lo, hi):
        scope = x[0, P + lo:P + hi] == MASK
        if not scope.any():
            return
        high = (c[lo:hi] >= tau_hi) & scope
        if int(high.sum()) > 1:
            idx = lo + high.nonzero().flatten()
        else:
            idx = lo + torch.where(scope, c[lo:hi], torch.tensor(NEG, dtype=c.dtype)).argmax().view(1)
        x[0, P + idx] = tok[idx]

    for b in range(G // B):
        b0, e_prev, n = b * B, 0, 0
        while n < cycles and (x[0, P + b0:P + b0 + B] == MASK).any():
            n += 1
            hist, e, fixed = [], B, False
            for k in range(K):
                tok, c = scores()
                if not fixed:
                    obs = c[b0 + e_prev:b0 + B]
                    above = (obs >= tau_cyc).nonzero().flatten()
                    est = max(1, min(e_prev + (int(above.max()) + 1 if len(above) else 1), B))
                    hist = (hist + [est])[-window:]
                    if len(hist) >= window and float(torch.tensor(hist, dtype=torch.float64).std(unbiased=False)) < sigma:
                        e, fixed = hist[-1], True
                    elif k == K - 1:
                        e = int(sum(hist) / len(hist))
                commit(tok, c, b0 + e_prev, b0 + B)
            e = max(1, min(e, B))
            while (x[0, P + b0 + e_prev:P + b0 + e] == MASK).any():
                tok, c = scores()
                commit(tok, c, b0 + e_prev, b0 + e)
            e_prev = e
    return x[0, P:]


def wino(model, prompt, G, B, tau1=0.6, tau2=0.9):
    """ParallelBench's WINO port: [prompt | generation | shadow block] with a 4-D mask; its shadow
    slots are draft candidates too (the port's quirk)."""
    x, P = _start(prompt, G)
    L = P + G + B
    xb = torch.cat([x, torch.full((1, B), MASK, dtype=torch.long)], 1)
    for b in range(G // B):
        lo, hi, ex = P + b * B, P + (b + 1) * B, P + G
        masked = xb[0] == MASK
        masked[hi:ex] = False
        known = torch.zeros(L, dtype=torch.bool)
        known[ex:] = ~masked[lo:hi]
        pos = torch.cat([torch.arange(P + G), torch.arange(lo, hi)])[None]
        att = torch.ones(1, 1, L, L, dtype=torch.bool)
        att[:, :, :, ex:] = False
        att[:, :, ex:, ex:] = True
        att[:, :, ex:, lo:hi] = ~torch.eye(B, dtype=torch.bool)
        last = 30
        while masked[lo:hi].any():
            cap = min(max(int(int(masked[lo:hi].sum()) * 0.7), 5), 20)
            logits = model(xb, attention_mask=att, position_ids=pos)
            logits = getattr(logits, "logits", logits)[0]
            tok = logits.argmax(-1)
            tok[ex:][known[ex:]] = xb[0, lo:hi][known[ex:]]
            c = torch.softmax(logits.double(), -1).gather(-1, tok[:, None])[:, 0]
            tok = torch.where(masked, tok, xb[0])
            conf = torch.where(masked, c, torch.tensor(NEG, dtype=torch.float64))
            back = torch.where(known, c, torch.tensor(math.inf, dtype=torch.float64))
            take = conf > tau1
            if int(take.sum()) > cap:
                take = torch.zeros(L, dtype=torch.bool)
                take[_best(conf, cap)] = True
            elif not take.any():
                take[_best(conf, 1)] = True
            xb[0, take] = tok[take]
            accepted = int(take.sum())
            revoke = torch.zeros(L, dtype=torch.bool)
            if accepted > 1:
                revoke = back < tau2
                if int(revoke.sum()) >= last:
                    revoke = torch.zeros(L, dtype=torch.bool)
                    revoke[_best(-back, last - 1)] = True
            shifted = torch.zeros(L, dtype=torch.bool)
            shifted[lo:hi] = revoke[ex:]
            xb[0, shifted] = MASK
            masked[take] = False
            masked[shifted] = True
            moved = torch.zeros(L, dtype=torch.bool)
            moved[ex:] = take[lo:hi]
            known[moved] = True
            known[revoke] = False
            last = accepted
    return xb[0, P:P + G]
