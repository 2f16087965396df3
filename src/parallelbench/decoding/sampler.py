"""The sampler loop: one page, model-agnostic, batched, per-row accounting."""
from __future__ import annotations

import torch

from ..errors import ConfigError
from .cache import block_layout, check_runner, make_runner
from .config import DecodeConfig
from .state import DecodeResult, DecodeState, StepView
from .strategies import get_strategy


def decode(model, input_ids, attention_mask=None, config=None, *, canvas=None, **overrides) -> DecodeResult:
    """Fill the masked generation region after each (left-padded) prompt.

    ``model(input_ids, attention_mask) -> logits [B, L, V]`` is any callable (one taking only
    ``input_ids`` is called as ``model(input_ids)``). ``canvas``
    (LongTensor [B, G]) replaces the all-mask output: only its mask positions are generated and
    counted. See ``DecodeConfig`` for the settings (given as ``config`` and/or keyword overrides).
    ``cache="prefix"``/``"dual"`` needs a model with a ``kv_backend`` (``decoding.cache``).
    """
    cfg = DecodeConfig.build(config, **overrides)
    cls = get_strategy(cfg.strategy)
    _check_inputs(input_ids, attention_mask, canvas, cfg)
    layout = block_layout(model, input_ids, attention_mask, canvas, cfg, cls)  # block-causal models
    if layout is not None:
        input_ids, attention_mask, canvas = layout.input_ids, layout.attention_mask, layout.canvas
        cfg = layout.config(cfg)
    model = _ModelCall(model, cfg.mask_id)
    G = canvas.shape[1] if canvas is not None else cfg.gen_length
    cfg.validate(G, cls.fixed_count)
    strat = cls(cfg)
    runner = make_runner(model, cfg, strat)  # the iteration and KV-cache manager (cache mode)
    spb = cfg.steps_per_block(G) if cls.fixed_count else None
    with torch.no_grad():
        state = DecodeState(input_ids, attention_mask, cfg, canvas, runner=runner)
        strat.setup(state)
        _enter_block(state, strat, torch.arange(state.batch, device=state.x.device), spb, first=True)
        while True:
            rows = runner.rows(state)
            if rows.numel() == 0:
                break
            logits = strat.forward(model, state, rows)
            state.nfe[rows] += 1
            view = _view(state, rows, logits, strat)
            commit = strat.select(view) & (state.gen[rows] == cfg.mask_id)
            remask = strat.remask(view, commit)
            gen = torch.where(commit, view.x_hat, state.gen[rows])
            order = torch.where(commit, state.nfe[rows, None], state.order[rows])
            if remask is not None:
                gen = gen.masked_fill(remask, cfg.mask_id)
                order = order.masked_fill(remask, 0)
                state.remasked[rows] += remask.sum(1)
            state.x[rows, state.P:] = gen
            state.order[rows] = order
            state.step_in_block[rows] += 1
            if state.history is not None:
                for i, r in enumerate(rows.tolist()):
                    state.history[r].append(gen[i].clone())
            done = rows[strat.block_done(state, rows)]
            _enter_block(state, strat, done, spb)
    return layout.restore(state.result()) if layout is not None else state.result()


def check_model(model, config=None, **overrides) -> None:
    """Raise the ``ConfigError`` that ``decode`` would raise for ``model`` with these settings
    before its first forward pass, with no input and no forward: unknown strategy, a cache mode
    the model or strategy cannot use, a block-causal or canvas model's limits, a strategy that
    only one kind of model runs (``native``). Backends call it before a run writes anything."""
    cfg = DecodeConfig.build(config, **overrides)
    check_runner(model, cfg, get_strategy(cfg.strategy))


def _enter_block(state: DecodeState, strat, rows: torch.Tensor, spb, first: bool = False) -> None:
    """Move ``rows`` to their next block that still has masks, and plan its schedule."""
    if not first:
        state.block[rows] += 1
    pending = rows
    while pending.numel():  # a block the canvas already filled costs no step
        pending = pending[state.block[pending] < state.num_blocks]
        pending = pending[~state.block_masks(pending).any(1)] if pending.numel() else pending
        state.block[pending] += 1
    live = rows[state.block[rows] < state.num_blocks]
    state.step_in_block[live] = 0
    state.plan_block(live, spb)
    strat.on_block_start(state, live)


def _view(state: DecodeState, rows: torch.Tensor, logits: torch.Tensor, strat) -> StepView:
    start, end = state.block_bounds(rows)
    candidates = state.block_masks(rows)
    n_commit = state.planned_counts(rows)
    # Past the planned steps (only after re-masking) a fixed-count strategy finishes the block.
    n_commit = torch.where(n_commit < 0, candidates.sum(1), n_commit)
    # A runner may return the logits of a window of positions (the current block) only, or of the
    # candidates only ([N, V], in the model's dtype: the view casts them as it reads them).
    offset = 0 if logits.dim() == 2 or logits.shape[1] == state.G else state.logits_start
    return StepView(state, rows, logits, candidates, n_commit, state.step_in_block[rows], start, end,
                    candidates_only=strat.candidates_only, window_start=offset,
                    dtype=state.logits_dtype(logits.dtype, strat.precision))


def _check_inputs(input_ids, attention_mask, canvas, cfg: DecodeConfig) -> None:
    """Shape and type errors as one-line ConfigErrors, before any forward pass."""
    if not isinstance(input_ids, torch.Tensor) or input_ids.dim() != 2 or input_ids.is_floating_point():
        raise ConfigError(f"input_ids must be an integer tensor [batch, length], got {_describe(input_ids)}")
    if attention_mask is not None and (not isinstance(attention_mask, torch.Tensor)
                                       or attention_mask.shape != input_ids.shape):
        raise ConfigError(f"attention_mask must match input_ids {tuple(input_ids.shape)}, "
                          f"got {_describe(attention_mask)}")
    if canvas is not None and (not isinstance(canvas, torch.Tensor) or canvas.dim() != 2
                               or canvas.shape[0] != input_ids.shape[0] or canvas.is_floating_point()):
        raise ConfigError(f"canvas must be an integer tensor [batch={input_ids.shape[0]}, gen_length], "
                          f"got {_describe(canvas)}")
    if cfg.shift_logits and input_ids.shape[1] == 0:
        raise ConfigError("shift_logits needs a non-empty prompt (position i is read from row i-1)")
    if isinstance(cfg.mask_id, int) and cfg.mask_id < 0:
        raise ConfigError(f"mask_id must be >= 0, got {cfg.mask_id}")


def _vocab_size(model) -> int | None:
    """The vocabulary size where the model states it (a ``transformers`` config or embeddings)."""
    for obj in (model, getattr(model, "model", None)):
        size = getattr(getattr(obj, "config", None), "vocab_size", None)
        if size is None and callable(getattr(obj, "get_input_embeddings", None)):
            try:
                size = getattr(obj.get_input_embeddings(), "num_embeddings", None)
            except (NotImplementedError, AttributeError):
                size = None
        if isinstance(size, int):
            return size
    return None


class _ModelCall:
    """The caller's model as the sampler calls it: a one-argument callable gets ``model(ids)``;
    a mask id outside the vocabulary is a ConfigError before the first forward pass where the
    model states its vocabulary, else at the first pass (never a crash deep in torch)."""

    def __init__(self, model, mask_id: int):
        import inspect

        if not callable(model):
            raise ConfigError(f"model must be callable (ids -> logits), got {type(model).__name__}")
        try:
            params = list(inspect.signature(model).parameters.values())
        except (TypeError, ValueError):
            params = []
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self.one_arg = bool(params) and len(positional) == 1 and not any(
            p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)
        self.model, self.mask_id, self.checked = model, mask_id, False
        vocab = _vocab_size(model)
        if vocab is not None and not 0 <= mask_id < vocab:
            raise ConfigError(f"mask_id {mask_id} is outside the model's vocabulary (size {vocab})")

    def __getattr__(self, name):  # optional model protocols (e.g. supports_4d_attention)
        return getattr(self.model, name)

    def __call__(self, *args, **kwargs):  # the strategy's calling form is passed on unchanged
        if self.checked:
            return self.model(args[0]) if self.one_arg else self.model(*args, **kwargs)
        try:
            out = self.model(args[0]) if self.one_arg else self.model(*args, **kwargs)
        except (IndexError, RuntimeError) as exc:
            if "index" not in str(exc).lower() and "range" not in str(exc).lower():
                raise
            raise ConfigError(f"the model's first forward pass failed ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0][:120]}); is mask_id {self.mask_id} inside "
                              f"its vocabulary?") from None
        vocab = getattr(out, "logits", out).shape[-1]
        if self.mask_id >= vocab:
            raise ConfigError(f"mask_id {self.mask_id} is outside the model's vocabulary (size {vocab})")
        self.checked = True
        return out


def _describe(x) -> str:
    return f"shape {tuple(x.shape)} {x.dtype}" if isinstance(x, torch.Tensor) else type(x).__name__
