"""The ideal dLLM as an ordinary decoding model for ``parallelbench.decoding.decode``.

Vocabulary (shared by a batch): id 0 = mask, id 1 = "sink" (never a valid item; it pads rows
shorter than the batch), id 2 + v = the row's item ``v``. The prompt is one token,
``VOCAB + row``, naming the row's problem, so the model does not depend on which rows the sampler
forwards together.

The paper's *unbiased* model breaks ties at random through tiny zero-mean logit noise. Exact
float marginals alone do not achieve that: the sampler's argmax keeps the lowest id among equal
probabilities, and its confidence ``1 / sum_v exp(l_v - l_max)`` of two positions with the same
marginals can differ in the last bit (summation order), which would break position ties by
rounding and push a confidence that equals a threshold just below it. So the model perturbs its
log-marginals by far less than any real probability gap (relative 1e-10 .. 2e-9):

* greedy (temperature 0): among equally likely items one is chosen with the row's seeded
  generator and the others are lowered by a relative 1e-10; the chosen item's logit is then
  raised by a random ``log1p(beta)``, ``beta`` in [1e-9, 2e-9]. Confidences are the exact
  marginals raised by a random ~1e-9 relative amount: equal positions are ordered uniformly at
  random, and ``c >= gamma`` holds exactly when the true marginal is >= gamma. For the strict
  rule ``c > gamma`` the confidence must land just *below* the marginal instead; lowering the
  chosen item would hand the argmax to a tied loser (lowest id: no longer random), so the model
  keeps the same nudges and puts a tiny mass ``SINK_MASS`` (> any nudge) on the sink token,
  which only enlarges the softmax denominator.
* sampling (temperature > 0): every item logit gets independent noise in [-1e-9, 1e-9], which
  orders equal positions at random; a sampled confidence exactly equal to gamma passes with
  probability 1/2 (the exact walk in ``theory.enumerate`` uses the same rule).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .problems import Problem, batch_marginals

MASK_ID = 0
SINK_ID = 1
OFFSET = 2
TIE_EPS = 1e-10   # relative lowering of the items that lose a greedy tie
BOOST = 1e-9      # relative raise of the greedy item (random in [BOOST, 2 BOOST])
NOISE = 1e-9      # half-width of the zero-mean logit noise when sampling
SINK_MASS = 4e-9  # strict rule: sink mass pushing greedy confidences just below the marginal


class IdealModel:
    """Exact conditional marginals for a batch of problems (``model(input_ids, attn)``)."""

    kv_unsupported = ("the ideal model computes exact marginals and has no keys or values to cache "
                      "(a cache would change nothing)")

    def __init__(self, problems: Sequence[Problem], seeds: Sequence[int] | None = None,
                 break_ties: bool = True, strict: bool = False):
        """``break_ties``: greedy mode (temperature 0: random token ties, nudged confidence);
        ``False`` = sampling mode (zero-mean noise). ``seeds``: one per problem. ``strict``: the
        threshold rule is c > gamma, so greedy confidences are nudged down instead of up."""
        self.problems = list(problems)
        if not self.problems:
            raise ValueError("IdealModel needs at least one problem")
        self.vocab_size = OFFSET + max(p.vocab_size for p in self.problems)
        self.gen_length = max(p.length for p in self.problems)
        seeds = list(seeds) if seeds is not None else list(range(len(self.problems)))
        if len(seeds) != len(self.problems):
            raise ValueError("IdealModel needs one seed per problem")
        self._rngs = [np.random.default_rng(int(s)) for s in seeds]
        self.break_ties = break_ties
        self.strict = strict
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
        """Float64 [b, G, V] (perturbed) log-marginals for ``rows`` given their generated ids."""
        G, V = self.gen_length, self.vocab_size
        probs = [self.problems[r] for r in rows]
        assigns = [self.assignment(r, gen[i]) for i, r in enumerate(rows)]
        width = V - OFFSET
        q = np.zeros((len(rows), G, width))
        free = np.zeros((len(rows), G), dtype=bool)
        # Per-row draws of the row's own shape: a row's noise never depends on its batch.
        u = np.zeros((len(rows), G, width + 1))
        for i, (r, p, m) in enumerate(zip(rows, probs, batch_marginals(probs, assigns))):
            q[i, : p.length, : p.vocab_size] = m
            free[i, : p.length] = assigns[i] < 0
            u[i, : p.length, : p.vocab_size + 1] = self._rngs[r].random((p.length, p.vocab_size + 1))
        with np.errstate(divide="ignore"):
            logq = self._break_ties(q, free, u) if self.break_ties else self._noise(q, free, u)
        out = np.full((len(rows), G, V), -np.inf)
        out[:, :, OFFSET:] = logq
        if self.break_ties and self.strict:
            top = q.max(2)
            uncertain = free & (top < 1.0) & (top > 0)
            out[uncertain, SINK_ID] = np.log(SINK_MASS)
        pad = np.ones((len(rows), G), dtype=bool)
        for i, p in enumerate(probs):
            pad[i, : p.length] = False
        out[pad, SINK_ID] = 0.0  # padding beyond a row's answer: certain sink
        out[pad, OFFSET:] = -np.inf
        return out

    @staticmethod
    def _break_ties(q: np.ndarray, free: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Greedy mode: a random winner among tied top items, then a random upward nudge."""
        top = q.max(2, keepdims=True)
        tied = (q == top) & (top > 0) & free[:, :, None]
        # Lower the losers by less than a quarter of the gap to the next distinct value.
        second = np.where(q < top, q, 0.0).max(2, keepdims=True)
        eps = np.minimum(TIE_EPS, 0.25 * (top - second) / np.where(top > 0, top, 1.0))
        pick = np.argmax(np.where(tied, u[:, :, :-1], -1.0), axis=2)
        lower = tied.copy()
        np.put_along_axis(lower, pick[:, :, None], False, axis=2)
        logq = np.log(np.where(lower, q * (1.0 - eps), q))
        beta = BOOST * (1.0 + u[:, :, -1])
        raise_ = free & (top[:, :, 0] < 1.0) & (top[:, :, 0] > 0)
        rows, pos = np.nonzero(raise_)
        logq[rows, pos, pick[rows, pos]] += np.log1p(beta[rows, pos])
        return logq

    @staticmethod
    def _noise(q: np.ndarray, free: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Sampling mode: independent zero-mean noise on the logits of free positions."""
        logq = np.log(q)
        return logq + free[:, :, None] * (2.0 * u[:, :, :-1] - 1.0) * NOISE

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
