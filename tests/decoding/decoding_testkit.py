"""Shared test models for the decoding tests: scripted float64 models whose predictions are set
exactly, and a tiny random-init ``transformers`` masked LM (built from a config, no download)."""
from __future__ import annotations

import math

import torch

V, MASK, PAD = 16, 15, 0  # vocabulary, mask id, pad id of the scripted models


def log_dist(probs: dict[int, float], vocab: int = V, mask: int = MASK) -> torch.Tensor:
    """Float64 log-probabilities: the given token -> probability entries, the rest spread evenly
    over the other non-mask tokens; the mask token gets (almost) nothing."""
    out = torch.zeros(vocab, dtype=torch.float64)
    rest = 1.0 - sum(probs.values())
    others = [t for t in range(vocab) if t not in probs and t != mask]
    for t in others:
        out[t] = rest / len(others)
    for t, p in probs.items():
        out[t] = p
    out[mask] = 1e-30
    return out.clamp_min(1e-300).log()


def entropy_of(logits: torch.Tensor) -> torch.Tensor:
    """Shannon entropy (nats) of softmax(logits) with the mask token removed (independent of the
    sampler's own helper)."""
    logits = logits.clone()
    logits[..., MASK] = -math.inf
    p = torch.softmax(logits, -1)
    return -(p * torch.log(p.clamp_min(1e-300))).sum(-1)


def _count_call(model, ids) -> torch.Tensor:
    """Count one forward pass of ``ids`` and return zero float64 logits to fill in."""
    model.calls += 1
    model.rows += ids.shape[0]
    return torch.zeros(*ids.shape, V, dtype=torch.float64)


class TableModel:
    """Static predictions: generated offset j of a row gets ``table[key][j]`` (log-probs [G, V]),
    where the key is the row's last prompt token (so left padding changes nothing). Counts calls
    and the rows passed to each call."""

    def __init__(self, tables, gen_length: int):
        self.tables = tables if isinstance(tables, dict) else {None: tables}
        self.G, self.calls, self.rows = gen_length, 0, 0

    def __call__(self, ids, attention_mask=None):
        out = _count_call(self, ids)
        b, L = ids.shape
        for i in range(b):
            key = int(ids[i, L - self.G - 1]) if None not in self.tables else None
            out[i, L - self.G:] = self.tables[key]
        return out


class RuleModel:
    """Predictions that depend on the context: ``rule(key, j, gen) -> log-probs [V]`` for
    generated offset j, where ``gen`` is the row's current generated region (a list with MASK
    where still masked). Counts calls and rows."""

    def __init__(self, rule, gen_length: int):
        self.rule, self.G, self.calls, self.rows = rule, gen_length, 0, 0

    def __call__(self, ids, attention_mask=None):
        out = _count_call(self, ids)
        b, L = ids.shape
        for i in range(b):
            key, gen = int(ids[i, L - self.G - 1]), ids[i, L - self.G:].tolist()
            for j in range(self.G):
                out[i, L - self.G + j] = self.rule(key, j, gen)
        return out


def tiny_bert(vocab: int = 48, dtype=torch.float64, seed: int = 0):
    """A 2-layer, hidden-32 ``BertForMaskedLM`` with random weights (eager attention, so padded
    and unpadded rows follow the same arithmetic)."""
    import transformers

    torch.manual_seed(seed)
    cfg = transformers.BertConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2,
                                  num_attention_heads=2, intermediate_size=64,
                                  max_position_embeddings=128, attn_implementation="eager")
    return transformers.BertForMaskedLM(cfg).to(dtype).eval()


class BertAdapter:
    """A BERT masked LM as a sampler model: pad-aware position ids (cumsum of the attention mask)
    and an additive mask, logits scaled so that some predictions are confident. Also takes WINO's
    extended call (a 4-D boolean mask with explicit position ids). Counts calls and rows (to check
    NFE and that finished rows are not recomputed)."""

    supports_4d_attention = True

    def __init__(self, model, scale: float = 1.0):
        self.model, self.scale, self.calls, self.rows = model, scale, 0, 0

    def __call__(self, ids, attention_mask=None, position_ids=None):
        self.calls += 1
        self.rows += ids.shape[0]
        if attention_mask is None:
            attention_mask = torch.ones_like(ids)
        dtype = next(self.model.parameters()).dtype
        if attention_mask.dim() == 4:
            allowed, pos = attention_mask.bool(), position_ids
        else:
            pos = (attention_mask.long().cumsum(1) - 1).clamp(min=0) if position_ids is None else position_ids
            allowed = attention_mask.bool()[:, None, None, :].expand(-1, 1, ids.shape[1], -1)
        bias = torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed, torch.finfo(dtype).min)
        out = self.model(input_ids=ids, attention_mask=bias, position_ids=pos)
        return out.logits * self.scale


def left_padded(lengths: list[int], vocab: int, pad: int, mask: int, seed: int = 1):
    """Random prompts of the given lengths, left-padded: (ids [B, max], attention [B, max])."""
    g = torch.Generator().manual_seed(seed)
    P = max(lengths)
    ids = torch.full((len(lengths), P), pad, dtype=torch.long)
    attn = torch.zeros_like(ids)
    for i, n in enumerate(lengths):
        ids[i, P - n:] = torch.randint(1, mask, (n,), generator=g)
        attn[i, P - n:] = 1
    return ids, attn


def commits_per_step(res, row: int = 0) -> list[int]:
    """Positions committed at each step of a row (from ``order``; non-revising strategies)."""
    nfe = int(res.nfe[row])
    return [int((res.order[row] == t).sum()) for t in range(1, nfe + 1)]
