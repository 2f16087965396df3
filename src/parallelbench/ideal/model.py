"""The ideal dLLM as an ordinary decoding model for ``parallelbench.decoding.decode``.

Vocabulary (shared by a batch): id 0 = mask, id 1 = "sink" (never a valid item; it pads rows
shorter than the batch and absorbs the tie-breaking mass, see below), id 2 + v = the row's item
``v``. The prompt is one token, ``VOCAB + row``, naming the row's problem, so the model does not
depend on which rows the sampler forwards together.

Greedy decoding of the paper's *unbiased* model breaks ties uniformly at random. The sampler's
argmax keeps the lowest id among equal probabilities, so at temperature 0 the model realises the
tie-break itself: for a position whose most likely value is shared by several items it picks one
of them with the row's seeded generator and lowers the others by a relative 1e-10 (the removed
mass goes to the sink). The chosen item keeps its exact marginal, so confidences are the exact
marginals up to float rounding; equal positions stay exactly equal and the sampler's
``tie_break='random'`` orders them at random.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .problems import Problem, batch_marginals

MASK_ID = 0
SINK_ID = 1
OFFSET = 2
TIE_EPS = 1e-10


class IdealModel:
    """Exact conditional marginals for a batch of problems (``model(input_ids, attn)``)."""

    def __init__(self, problems: Sequence[Problem], seeds: Sequence[int] | None = None,
                 break_ties: bool = True):
        """``break_ties``: realise greedy token ties at random (use at temperature 0 only).
        ``seeds``: one per problem, for the tie-breaking draws."""
        self.problems = list(problems)
        if not self.problems:
            raise ValueError("IdealModel needs at least one problem")
        self.vocab_size = OFFSET + max(p.vocab_size for p in self.problems)
        self.gen_length = max(p.length for p in self.problems)
        seeds = list(seeds) if seeds is not None else list(range(len(self.problems)))
        self._rngs = [np.random.default_rng(int(s)) for s in seeds]
        self.break_ties = break_ties
        self.calls = 0

    @property
    def mask_id(self) -> int:
        return MASK_ID

    def prompt_ids(self, rows: Sequence[int] | None = None) -> torch.Tensor:
        """LongTensor [B, 1]: the one-token prompt of each row."""
        rows = range(len(self.problems)) if rows is None else rows
        return torch.tensor([[self.vocab_size + r] for r in rows], dtype=torch.long)

    def canvas(self, rows: Sequence[int] | None = None) -> torch.Tensor:
        """LongTensor [B, G]: masks over each row's answer positions, sink padding after."""
        rows = range(len(self.problems)) if rows is None else rows
        out = torch.full((len(rows), self.gen_length), SINK_ID, dtype=torch.long)
        for i, r in enumerate(rows):
            out[i, : self.problems[r].length] = MASK_ID
        return out

    def assignment(self, row: int, tokens: Sequence[int]) -> np.ndarray:
        """Token ids of a row's generated region -> item assignment (-1 = still masked)."""
        t = np.asarray(tokens[: self.problems[row].length], dtype=np.int64)
        return np.where(t >= OFFSET, t - OFFSET, -1)

    def logits_for(self, rows: Sequence[int], gen: np.ndarray) -> np.ndarray:
        """Float64 [b, G, V] log-marginals for ``rows`` given their generated token ids."""
        G, V = self.gen_length, self.vocab_size
        probs = [self.problems[r] for r in rows]
        assigns = [self.assignment(r, gen[i]) for i, r in enumerate(rows)]
        out = np.zeros((len(rows), G, V), dtype=np.float64)
        out[:, :, SINK_ID] = 1.0  # padding beyond a row's answer
        width = max(p.vocab_size for p in probs)
        q = np.zeros((len(rows), G, width))
        free = np.zeros((len(rows), G), dtype=bool)
        for i, (p, m) in enumerate(zip(probs, batch_marginals(probs, assigns))):
            q[i, : p.length, : p.vocab_size] = m
            free[i, : p.length] = assigns[i] < 0
            out[i, : p.length, SINK_ID] = 0.0
        if self.break_ties:
            q, deficit = self._break_ties(rows, q, free)
            out[:, :, SINK_ID] += deficit
        out[:, :, OFFSET: OFFSET + width] = q
        with np.errstate(divide="ignore"):
            return np.log(np.clip(out, 0.0, None))

    def _break_ties(self, rows: Sequence[int], q: np.ndarray, free: np.ndarray):
        """Keep one uniformly chosen item of each tied maximum at its exact probability."""
        top = q.max(2, keepdims=True)
        tied = (q == top) & (top > 0) & free[:, :, None]
        multi = tied.sum(2) > 1
        deficit = np.zeros(q.shape[:2])
        if not multi.any():
            return q, deficit
        u = np.stack([self._rngs[r].random(q.shape[1:]) for r in rows])
        pick = np.argmax(np.where(tied, u, -1.0), axis=2)
        lower = tied & multi[:, :, None]
        np.put_along_axis(lower, pick[:, :, None], False, axis=2)
        deficit = (q * lower).sum(2) * TIE_EPS
        return np.where(lower, q * (1.0 - TIE_EPS), q), deficit

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        self.calls += 1
        ids = input_ids.detach().cpu().numpy()
        G = self.gen_length
        rows = ids[:, -G - 1] - self.vocab_size
        if np.any(rows < 0) or np.any(rows >= len(self.problems)):
            raise ValueError("input does not carry IdealModel prompt tokens")
        full = np.zeros((ids.shape[0], ids.shape[1], self.vocab_size), dtype=np.float64)
        full[:, -G:] = self.logits_for([int(r) for r in rows], ids[:, -G:])
        return torch.from_numpy(full)
