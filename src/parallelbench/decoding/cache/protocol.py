"""The contract between the sampler's KV-cache runners and a model: ``KVBackend`` and ``KV``.

A model callable that can reuse keys and values exposes a backend as its attribute
``kv_backend`` (the ``hf-dllm`` adapter does for the families it knows, see
``parallelbench.models.kv``). The sampler never looks inside the cached tensors: it only selects
rows, truncates to a prefix and appends, through ``KV``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import torch


@dataclass
class KV:
    """Keys and values of every layer for ``b`` rows and ``length`` positions.

    ``layers[i] = (keys, values)`` in the model's own layout; ``seq_dim`` is the position axis of
    those tensors (the batch axis is 0). Backends build it; runners only use the methods below.
    """

    layers: list[tuple[torch.Tensor, torch.Tensor]]
    seq_dim: int

    @property
    def length(self) -> int:
        return self.layers[0][0].shape[self.seq_dim] if self.layers else 0

    def rows(self, idx: torch.Tensor | None) -> "KV":
        """The cache of rows ``idx`` (``None`` = all rows, no copy)."""
        if idx is None:
            return self
        return KV([(k[idx], v[idx]) for k, v in self.layers], self.seq_dim)

    def upto(self, n: int) -> "KV":
        """The first ``n`` positions (a view, no copy)."""
        return KV([(k.narrow(self.seq_dim, 0, n), v.narrow(self.seq_dim, 0, n)) for k, v in self.layers],
                  self.seq_dim)

    def cat(self, other: "KV") -> "KV":
        """This cache followed by ``other``'s positions (same rows)."""
        return KV([(torch.cat([k, k2], self.seq_dim), torch.cat([v, v2], self.seq_dim))
                   for (k, v), (k2, v2) in zip(self.layers, other.layers)], self.seq_dim)

    def assign(self, idx: torch.Tensor, other: "KV") -> "KV":
        """Write ``other`` (rows ``idx``, same length) into this cache in place; returns self."""
        for (k, v), (k2, v2) in zip(self.layers, other.layers):
            k[idx] = k2
            v[idx] = v2
        return self


@runtime_checkable
class KVBackend(Protocol):
    """What a model offers the KV-cache runners (``decoding/cache/runners.py``).

    One method, ``forward``, runs the model on a *window* of positions ``[start, start + w)`` of
    sequences of total length ``L``:

    * ``ids [b, w]``: the window's tokens; ``attn [b, L]``: the key padding mask of the whole
      sequence (1 = real token); position ids follow the model's own convention.
    * ``past``: keys/values of the positions outside the window. ``None``: the window is all the
      model sees (``start`` is 0). ``past.length == start``: a prefix cache (keys = past ++ window).
      ``past.length == L``: a full cache whose window positions are replaced by the window's own
      keys/values (dual cache).
    * ``logits_range = (lo, hi)``: the absolute positions whose logits are returned, ``[b, hi-lo, V]``
      (a backend may compute only those rows of the output projection).
    * ``positions``: optional, only for backends with ``selects_positions = True``: a boolean
      ``[b, hi - lo]`` over the range; then only the logits of its True positions are returned,
      as rows ``[N, V]`` in row-major order (row 0's positions first), and the output projection
      runs on those rows alone (each row is the same product as in a full forward). Runners pass
      it for strategies that read the candidates only (the masked positions of the block).
    * ``block``: when set, block-causal attention with that block length over absolute positions
      (a position sees every position of its own and earlier blocks); only for backends with
      ``causal_blocks``. ``None``: the model's own (bidirectional) attention.
    * ``return_kv``: also return the keys/values of every key position (past ++ window, or the
      updated full cache), else ``None``.

    Attributes: ``modes``, the cache modes the model supports (a subset of ``{"prefix", "dual"}``);
    ``causal_blocks``, True for block-diffusion models trained with block-causal attention (they
    must be decoded with it, and their committed blocks are cached exactly). Optional:
    ``selects_positions``, True when ``forward`` takes ``positions`` (read with ``getattr``; a
    backend without it gets windows only).
    """

    modes: frozenset[str]
    causal_blocks: bool

    def forward(self, ids: torch.Tensor, attn: torch.Tensor, *, start: int = 0, past: KV | None = None,
                logits_range: tuple[int, int], block: int | None = None, return_kv: bool = False,
                positions: torch.Tensor | None = None) -> tuple[torch.Tensor, KV | None]:
        ...


def kv_backend(model: Any) -> KVBackend | None:
    """The model's backend (its ``kv_backend`` attribute), or None."""
    backend = getattr(model, "kv_backend", None)
    usable = backend is not None and (hasattr(backend, "forward") or getattr(backend, "canvas_decoder", False))
    return backend if usable else None


def kv_unsupported_reason(model: Any) -> str:
    """Why the model has no backend, for the error message (``kv_unsupported`` attribute)."""
    reason = getattr(model, "kv_unsupported", None)
    return str(reason) if reason else (
        "it exposes no `kv_backend` (see parallelbench.decoding.cache.KVBackend)")
