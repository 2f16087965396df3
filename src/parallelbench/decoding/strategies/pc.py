"""PC-Sampler: position-aware, calibrated top-k, DECODING.md 4.10 (arXiv 2508.13021)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import torch

from ...errors import ConfigError
from .. import scores
from .base import Strategy, strategy

_SCORES = ("confidence", "random")
_POSITIONS = ("exponential", "linear")


def parse_background(spec):
    """Validate a background spec without knowing the vocabulary: returns ``None``, a dict
    ``{token_id: value}`` or a 1-D float64 tensor (raises ConfigError naming the problem)."""
    if spec is None:
        return None
    if isinstance(spec, (str, Path)):
        try:
            spec = json.loads(Path(spec).read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"pc: cannot read background table {str(spec)!r}: {exc}") from None
    if isinstance(spec, dict):
        parsed = {}
        for key, value in spec.items():
            try:
                tid = int(key)
            except (TypeError, ValueError):
                raise ConfigError(f"pc: background key {key!r} is not a token id") from None
            if tid < 0:
                raise ConfigError(f"pc: background token id {tid} is negative")
            parsed[tid] = _number(value)
        values = torch.tensor(list(parsed.values()) or [0.0], dtype=torch.float64)
    else:
        try:
            parsed = values = torch.as_tensor(spec, dtype=torch.float64).flatten().cpu()
        except (TypeError, ValueError, RuntimeError):
            raise ConfigError(f"pc: background must be a table of numbers, got {type(spec).__name__}") from None
    if not torch.isfinite(values).all() or (values < 0).any() or values.sum() <= 0:
        raise ConfigError("pc: background values must be finite, >= 0 and not all zero")
    return parsed


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"pc: background value {value!r} is not a number") from None


def background_table(spec, vocab: int, device=None) -> torch.Tensor:
    """A unigram background frequency table f_bg of length ``vocab`` (float64, sums to 1).

    ``spec`` gives counts or frequencies per token id: a tensor/list of length ``vocab``, a dict
    ``{token_id: value}`` (JSON string keys accepted) or a path to a JSON file holding either.
    Values are normalised to sum to 1; tokens with no (or zero) entry get the smallest positive
    frequency, which for raw counts is the paper's 1/total. ``None`` = uniform 1/vocab.
    """
    parsed = parse_background(spec)  # idempotent: an already parsed spec passes through
    if parsed is None:
        return torch.full((vocab,), 1.0 / vocab, dtype=torch.float64, device=device)
    if isinstance(parsed, dict):
        table = torch.zeros(vocab, dtype=torch.float64)
        for tid, value in parsed.items():
            if tid >= vocab:
                raise ConfigError(f"pc: background token id {tid} is outside the vocabulary (size {vocab})")
            table[tid] = value
    else:
        table = parsed
        if table.numel() != vocab:
            raise ConfigError(f"pc: background has {table.numel()} entries but the vocabulary has {vocab}")
    table = table / table.sum()
    table = torch.where(table > 0, table, table[table > 0].min())
    return table.to(device)


@strategy("pc", aliases=("pc_sampler", "pc-sampler", "pc_sampler_confidence"))
class PCSampler(Strategy):
    """Commit the top n_j candidates (LLaDA-uniform schedule) by a calibrated, position-weighted
    score: ``w_i * min(-u_i * log(f_bg(x_i) + 1e-9), alpha)``, with u_i the confidence (or a fresh
    U(0,1) for ``score='random'``) and ``w_i = exp(-lam * (i - block_start))``.

    ``position='linear'`` is the paper's linear variant:
    ``(1-lam) * minmax(C) + lam * (B - offset) / B``, where, as in PC-Sampler's code, the min-max
    runs over every position of the current block (committed ones score the model's top
    probability there and the background frequency of their token). Without a ``background``
    table f_bg is uniform (no corpus can ship here): the calibration then only rescales u by
    log(V) and caps it.
    """

    fixed_count = True
    candidates_only = True
    params = {"lam": 0.25, "alpha": 10.0, "score": "confidence", "position": "exponential",
              "background": None, "lambda": None}
    source = (
        "PC-Sampler 2508.13021; f_bg defaults to uniform (documented) unless a table is passed; "
        "'lambda' is accepted as a synonym of 'lam'"
    )

    def check(self):
        if self.p["lambda"] is not None:
            self.p["lam"] = self.p["lambda"]
        for name in ("lam", "alpha"):
            v = self.p[name]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
                raise ConfigError(f"pc: {name} must be a finite number >= 0, got {v!r}")
        if self.p["score"] not in _SCORES:
            raise ConfigError(f"pc: score must be one of {', '.join(_SCORES)}, got {self.p['score']!r}")
        if self.p["position"] not in _POSITIONS:
            raise ConfigError(f"pc: position must be one of {', '.join(_POSITIONS)}, got {self.p['position']!r}")
        self._background = parse_background(self.p["background"])  # fail before any forward pass
        self._table: torch.Tensor | None = None
        # The linear variant normalises over the whole block, committed positions included.
        self.candidates_only = self.p["position"] == "exponential"

    def setup(self, state):
        self._table = None  # built lazily: the vocabulary size is known at the first step

    def score(self, view) -> torch.Tensor:
        b, G, V = view.shape
        if self._table is None or self._table.numel() != V:
            self._table = background_table(self._background, V, view.device)
        if self.p["score"] == "random":
            u = scores.row_uniform(view, (G,))
        else:
            u = view.confidence.to(torch.float64)
        offset = torch.arange(G, device=u.device)[None, :] - view.block_start[:, None]
        in_block = (offset >= 0) & (offset < view.state.block_len)
        # Candidates are scored with their proposal, committed block positions with their token;
        # elsewhere x_hat may be the mask id, outside the table.
        tokens = torch.where(view.candidates, view.x_hat, view.state.gen[view.rows]).masked_fill(~in_block, 0)
        calibrated = (-u * torch.log(self._table[tokens] + 1e-9)).clamp(max=float(self.p["alpha"]))
        lam = float(self.p["lam"])
        if self.p["position"] == "exponential":
            return torch.exp(-lam * offset.to(torch.float64)) * calibrated
        B = float(view.state.block_len)
        lo = calibrated.masked_fill(~in_block, math.inf).min(1, keepdim=True).values
        hi = calibrated.masked_fill(~in_block, -math.inf).max(1, keepdim=True).values
        norm = (calibrated - lo) / (hi - lo).clamp(min=1e-9)
        return (1 - lam) * norm + lam * (B - offset.to(torch.float64)) / B

    def select(self, view):
        return scores.top_n(view, self.score(view), view.n_commit)
