"""Pure helpers: token proposals, per-position scores and rank-based selection.

Scores follow DECODING.md section 1 (higher = commit earlier). Non-candidates always get -inf.
Random draws use each row's own generator in float64 so results do not depend on the batch.
"""
from __future__ import annotations

import torch

NEG_INF = float("-inf")


def _per_row_uniform(view, shape: tuple[int, ...]) -> torch.Tensor:
    draws = [torch.rand(shape, generator=g, dtype=torch.float64) for g in view.generators]
    return torch.stack(draws).to(view.logits.device)


def propose(view) -> tuple[torch.Tensor, torch.Tensor]:
    """Token choice x_hat and its confidence for every generated position of the view's rows.

    Greedy at temperature 0. Otherwise ``gumbel_clean``: argmax(l + T*g) with float64 Gumbel
    noise, confidence from the untempered softmax; ``tempered``: sample from softmax(l/T) and take
    the confidence from that distribution.
    """
    cfg, logits = view.cfg, view.logits
    if cfg.temperature == 0:
        probs = view.probs
        conf, x_hat = probs.max(dim=-1)
        return x_hat, conf
    u = _per_row_uniform(view, tuple(logits.shape[1:])).clamp_(1e-300, 1.0)
    gumbel = -torch.log(-torch.log(u))
    if cfg.noise_convention == "gumbel_clean":
        x_hat = (logits.double() + cfg.temperature * gumbel).argmax(-1)
        conf = view.probs.gather(-1, x_hat[..., None]).squeeze(-1)
        return x_hat, conf.to(view.probs.dtype)
    tempered = torch.softmax(logits.double() / cfg.temperature, dim=-1)
    x_hat = (torch.log(tempered.clamp_min(1e-300)) + gumbel).argmax(-1)  # a draw from `tempered`
    conf = tempered.gather(-1, x_hat[..., None]).squeeze(-1)
    return x_hat, conf.to(view.probs.dtype)


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
