"""Runners: which rows take the next step, and how the model is called for them.

A runner is the sampler's iteration manager and KV-cache manager in one small object, chosen once
per ``decode`` from ``DecodeConfig.cache`` (``make_runner``), so the sampler loop has no cache
branch. It answers ``rows(state)`` (the rows of the next step) and ``logits(model, state, rows)``
(float logits of the generated region, or of a window of it: the current block, whose offset it
leaves in ``state.logits_start``).

* ``none``: every unfinished row, one full forward (the reference's loop).
* ``prefix`` / ``dual`` (Fast-dLLM): the first step of a block is a full forward that also stores
  every position's keys/values (it commits tokens like any step). Later steps of the block feed
  the window ``x[block_start:]`` with the cached prefix (``prefix``), or only the block with the
  cached prefix and suffix (``dual``). Rows are stepped in groups that share a block (lowest block
  first), so each step is one model call and rows that finish a block early wait for the others.
"""
from __future__ import annotations

import torch

from ...errors import ConfigError
from .protocol import KV, kv_backend, kv_unsupported_reason

CACHE_MODES = ("none", "prefix", "dual")


class FullRunner:
    """No cache: every unfinished row, the whole sequence, each step.

    With a model that offers a ``kv_backend``, the full forward goes through it and projects onto
    the vocabulary only the rows the sampler reads: the current blocks (or the whole generated
    region for strategies that are not block-local), and for a strategy that reads candidates only
    just the masked positions of the current blocks (``candidate_rows``); the forward itself is
    unchanged."""

    mode = "none"

    def __init__(self, model, cfg, strategy=None):
        self.model, self.cfg = model, cfg
        self.backend = kv_backend(model) if model is not None else None
        self.block_local = strategy is not None and getattr(strategy, "kv_cache", True) is True
        self.candidate_rows = (self.backend is not None and getattr(self.backend, "selects_positions", False)
                               and _reads_candidates_only(strategy))
        """True when the backend returns the candidates' logits only, ``[N, V]`` (see ``_positions``)."""

    def rows(self, state) -> torch.Tensor:
        return (state.block < state.num_blocks).nonzero().squeeze(1)

    def logits(self, model, state, rows: torch.Tensor) -> torch.Tensor:
        """Logits ``[b, G, V]`` of the generated region as the model computed them, or
        ``[b, w, V]`` of the window starting at ``state.logits_start``, or (``candidate_rows``)
        ``[N, V]`` of the masked positions of the rows' current blocks in row-major order (the
        mask token is suppressed lazily by ``StepView``)."""
        shift = 1 if self.cfg.shift_logits else 0
        if self.backend is not None:
            s, e = state.P, state.P + state.G
            if self.block_local:
                start, end = state.block_bounds(rows)
                s, e = state.P + int(start.min()), state.P + int(end.max())
            logits, _ = self.backend.forward(state.x[rows], state.attn[rows], logits_range=(s - shift, e - shift),
                                             **self._positions(state, rows, s, e))
            return self._place(state, rows, logits, s, e)
        out = model(state.x[rows], state.attn[rows])
        logits = getattr(out, "logits", out)
        return logits[:, state.P - shift: state.P - shift + state.G]  # Dream: row i-1 predicts i

    def _positions(self, state, rows, s: int, e: int) -> dict:
        """``positions=`` for the backend: the candidates (masked positions of each row's current
        block) inside absolute positions ``[s, e)``, when ``candidate_rows``; else nothing."""
        if not self.candidate_rows:
            return {}
        return {"positions": state.block_masks(rows)[:, s - state.P: e - state.P]}

    @staticmethod
    def _place(state, rows, logits: torch.Tensor, s: int, e: int) -> torch.Tensor:
        """Logits of absolute positions ``[s, e)`` in the model's dtype (``DecodeState.cast_logits``
        picks the precision); the sampler reads their offset in the generated region from
        ``state.logits_start`` (no ``[b, G, V]`` tensor is built)."""
        state.logits_start = s - state.P
        return logits


def _reads_candidates_only(strategy) -> bool:
    """True for a strategy instance that reads the candidates' logits only (``candidates_only``,
    the instance's own flag) through the sampler's model call (no ``forward`` of its own)."""
    from ..strategies import Strategy

    if strategy is None or isinstance(strategy, type):
        return False
    return bool(strategy.candidates_only) and type(strategy).forward is Strategy.forward


class _CachedRunner(FullRunner):
    """Shared by the cache modes: row groups and the per-row cache store."""

    def __init__(self, model, cfg, strategy=None):
        super().__init__(model, cfg, strategy)
        self.store: KV | None = None  # keys/values of every row (full batch), filled at refresh
        self.kv_block: torch.Tensor | None = None  # block each row's cache was computed for

    def rows(self, state) -> torch.Tensor:
        """The unfinished rows of the lowest block; those that still need its refresh first."""
        if self.kv_block is None:
            self.kv_block = torch.full_like(state.block, -1)
        active = (state.block < state.num_blocks).nonzero().squeeze(1)
        if active.numel() == 0:
            return active
        blocks = state.block[active]
        group = active[blocks == blocks.min()]
        fresh = self.kv_block[group] != state.block[group]
        return group[fresh] if bool(fresh.any()) else group

    def _window(self, state, rows) -> tuple[int, int, int, bool]:
        """Absolute (block start, block end, logits offset, refresh needed) of the group."""
        start, end = state.block_bounds(rows[:1])
        s, e = state.P + int(start), state.P + int(end)
        shift = 1 if self.cfg.shift_logits else 0
        return s, e, shift, bool(self.kv_block[rows[0]] != state.block[rows[0]])

    def _keep(self, state, rows, kv: KV) -> None:
        if self.store is None or rows.numel() == state.batch:
            if rows.numel() == state.batch:
                self.store = kv
                return
            self.store = KV([(k.new_zeros((state.batch, *k.shape[1:])), v.new_zeros((state.batch, *v.shape[1:])))
                             for k, v in kv.layers], kv.seq_dim)
        self.store.assign(rows, kv)

    def _past(self, state, rows) -> KV:
        return self.store.rows(None if rows.numel() == state.batch else rows)

    def logits(self, model, state, rows):
        s, e, shift, refresh = self._window(state, rows)
        which = {"logits_range": (s - shift, e - shift), **self._positions(state, rows, s, e)}
        if refresh:
            logits, kv = self.backend.forward(state.x[rows], state.attn[rows], return_kv=True, **which)
            self._keep(state, rows, kv)
            self.kv_block[rows] = state.block[rows]
        else:
            logits = self._cached_step(state, rows, s - shift, e, which)
        return self._place(state, rows, logits, s, e)

    def _cached_step(self, state, rows, w0: int, e: int, which: dict) -> torch.Tensor:
        """Logits of a later step of the block: the window starts at ``w0``, the block ends at
        ``e``; ``which`` names the logits to return (``logits_range``, maybe ``positions``)."""
        raise NotImplementedError


class PrefixRunner(_CachedRunner):
    """Fast-dLLM prefix cache: steps feed ``x[block_start:]`` with the prefix's cached keys."""

    mode = "prefix"

    def _cached_step(self, state, rows, w0, e, which):
        past = self._past(state, rows).upto(w0)
        logits, _ = self.backend.forward(state.x[rows, w0:], state.attn[rows], start=w0, past=past, **which)
        return logits


class DualRunner(_CachedRunner):
    """Fast-dLLM dual cache: steps feed only the block; prefix and suffix keys come from the cache."""

    mode = "dual"

    def _cached_step(self, state, rows, w0, e, which):
        logits, _ = self.backend.forward(state.x[rows, w0:e], state.attn[rows], start=w0,
                                         past=self._past(state, rows), **which)
        return logits


_RUNNERS = {"none": FullRunner, "prefix": PrefixRunner, "dual": DualRunner}


def make_runner(model, cfg, strategy) -> FullRunner:
    """The runner for ``cfg.cache`` and the ``strategy`` (an instance: its own ``candidates_only``
    decides whether only the candidates' logits are computed); every reason it cannot run is a
    ConfigError raised here, before any forward pass (``check_runner``)."""
    strategy_cls = strategy if isinstance(strategy, type) else type(strategy)
    runner, options = _choose(model, cfg, strategy_cls)
    return runner(model, cfg, strategy, **options)


def check_runner(model, cfg, strategy_cls) -> None:
    """Raise the ConfigError ``make_runner`` would raise for this model, config and strategy
    (cache mode, block-causal or canvas model, model-specific strategy), building nothing."""
    _choose(model, cfg, strategy_cls)


def _choose(model, cfg, strategy_cls) -> tuple[type, dict]:
    mode = cfg.cache
    backend = kv_backend(model)
    if backend is not None and getattr(backend, "canvas_decoder", False):
        from .canvas import CanvasRunner, check_canvas

        check_canvas(cfg, strategy_cls, backend.canvas_length)
        return CanvasRunner, {}
    requires = getattr(strategy_cls, "requires", None)
    if requires:  # a model's own sampler (e.g. native): only that kind of model runs it
        raise ConfigError(f"strategy {strategy_cls.id!r} needs {requires}; this model is not one")
    if backend is not None and backend.causal_blocks:
        from .blocks import BlockRunner, check_block_causal

        check_block_causal(cfg, strategy_cls)
        return BlockRunner, {"cached": mode == "prefix"}
    if mode == "none":
        return FullRunner, {}
    from ..strategies import Strategy

    reason = getattr(strategy_cls, "kv_cache", True)
    if reason is not True:
        raise ConfigError(f"strategy {strategy_cls.id!r} cannot use cache={mode!r}: "
                          f"{reason or 'it is not block-local'}; use cache='none'")
    if strategy_cls.forward is not Strategy.forward:
        raise ConfigError(f"strategy {strategy_cls.id!r} cannot use cache={mode!r}: it runs its own "
                          f"model call; use cache='none'")
    if backend is None:
        raise ConfigError(f"this model cannot use cache={mode!r}: {kv_unsupported_reason(model)}; "
                          f"use cache='none'")
    if mode not in backend.modes:
        supported = ", ".join(sorted(backend.modes)) or "none"
        raise ConfigError(f"this model does not support cache={mode!r} (supported: {supported})")
    return _RUNNERS[mode], {}
