"""Pure helpers: token proposals, per-position scores and rank-based selection.

Scores follow DECODING.md section 1 (higher = commit earlier). Non-candidates always get -inf.
Random draws use each row's own generator in float64 so results do not depend on the batch.
"""
from __future__ import annotations

import torch

NEG_INF = float("-inf")


def row_uniform(view, shape: tuple[int, ...]) -> torch.Tensor:
    """Float64 U(0,1) draws of ``shape`` per row of the view, each from that row's generator
    (so a row's draws do not depend on which other rows share the step)."""
    draws = [torch.rand(shape, generator=g, dtype=torch.float64) for g in view.generators]
    return torch.stack(draws).to(view.logits.device)


_per_row_uniform = row_uniform  # old private name, kept for strategies written against it


def propose(view) -> tuple[torch.Tensor, torch.Tensor]:
    """Token choice x_hat and its confidence for every generated position of the view's rows.

    Greedy at temperature 0. Otherwise ``gumbel_clean``: argmax(l + T*g) with float64 Gumbel
    noise, confidence from the untempered softmax; ``tempered``: sample from softmax(l/T) and take
    the confidence from that distribution.
    """
    cfg, logits = view.cfg, view.raw_logits
    if cfg.temperature == 0:
        return _greedy(view)
    u = row_uniform(view, tuple(logits.shape[1:])).clamp_(1e-300, 1.0)
    gumbel = -torch.log(-torch.log(u))
    if cfg.noise_convention == "gumbel_clean":
        x_hat = (view.logits.double() + cfg.temperature * gumbel).argmax(-1)
        conf = view.probs.gather(-1, x_hat[..., None]).squeeze(-1)
        return x_hat, conf.to(view.probs.dtype)
    tempered = torch.softmax(view.logits.double() / cfg.temperature, dim=-1)
    x_hat = (torch.log(tempered.clamp_min(1e-300)) + gumbel).argmax(-1)  # a draw from `tempered`
    conf = tempered.gather(-1, x_hat[..., None]).squeeze(-1)
    return x_hat, conf.to(view.probs.dtype)


def _greedy(view) -> tuple[torch.Tensor, torch.Tensor]:
    """argmax and its softmax probability ``1 / sum_v exp(l_v - l_max)``, without materialising
    the softmax or a suppressed copy of the logits (the sampler's hot path).

    The mask token is excluded by subtracting its term from the sum; where it is not the argmax
    its term is <= 1 while the sum is >= 1, so the subtraction is exact to a few ulps. Positions
    whose argmax *is* the mask token are recomputed from a suppressed copy of those rows only.
    """
    raw = view.raw_logits
    top, x_hat = raw.max(dim=-1)
    buf = view.state.scratch(raw.shape, raw.dtype)
    torch.sub(raw, top[..., None], out=buf)
    denom = buf.exp_().sum(-1)
    if view.suppressing:
        mask_id = view.cfg.mask_id
        denom -= buf[..., mask_id]
        bad = x_hat == mask_id
        if bad.any():
            sub = raw[bad].clone()
            sub[:, mask_id] = NEG_INF
            top_b, x_b = sub.max(dim=-1)
            x_hat[bad] = x_b
            denom[bad] = torch.exp(sub - top_b[:, None]).sum(-1)
    return x_hat, denom.reciprocal_()


def margin(view) -> torch.Tensor:
    """p1 - p2: the gap between the two most likely tokens."""
    top2 = view.probs.topk(2, dim=-1).values
    return top2[..., 0] - top2[..., 1]


def neg_entropy(view) -> torch.Tensor:
    """sum_v q(v) log(q(v) + 1e-10) (<= 0; higher = more certain)."""
    p = view.probs
    return (p * torch.log(p + 1e-10)).sum(-1)


def random_scores(view) -> torch.Tensor:
    """A fresh U(0,1) per position per step."""
    return _per_row_uniform(view, (view.logits.shape[1],)).to(view.logits.device)


def left_to_right(view) -> torch.Tensor:
    """-(position): the leftmost masked position ranks first."""
    pos = torch.arange(view.logits.shape[1], device=view.logits.device, dtype=torch.float64)
    return (-pos).expand(view.logits.shape[0], -1)


def rank(view, scores: torch.Tensor) -> torch.Tensor:
    """0-based rank of every candidate by descending score (non-candidates rank last).

    Ties: lowest position first, or uniformly random with ``tie_break='random'``.
    """
    s = scores.to(torch.float64).masked_fill(~view.candidates, NEG_INF)
    G = s.shape[1]
    if view.cfg.tie_break == "random":
        perm = torch.stack([torch.randperm(G, generator=g) for g in view.generators]).to(s.device)
        order = torch.sort(s.gather(1, perm), dim=1, descending=True, stable=True).indices
        order = perm.gather(1, order)
    else:
        order = torch.sort(s, dim=1, descending=True, stable=True).indices
    ranks = torch.empty_like(order)
    ranks.scatter_(1, order, torch.arange(G, device=s.device).expand_as(order))
    return ranks


def top_n(view, scores: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """Bool [b, G]: each row's ``n[row]`` best candidates by score."""
    return (rank(view, scores) < n[:, None]) & view.candidates


def at_least_best(view, scores: torch.Tensor, passed: torch.Tensor) -> torch.Tensor:
    """``passed`` candidates plus, in rows where none passed, the single best candidate."""
    passed = passed & view.candidates
    best = top_n(view, scores, torch.ones_like(view.n_commit))
    return passed | (best & ~passed.any(1, keepdim=True))
