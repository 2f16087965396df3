"""Block-causal decoding (block-diffusion models such as LLaDA2): layout and runner.

Block-diffusion models are trained with *block-causal* attention over absolute positions: a
position sees every position of its own block and of the blocks before it, blocks being aligned
at position 0 (the prompt's last, partial block is the first block the sampler decodes). They
must be decoded the same way, and because nothing after a block is visible, the keys and values
of committed blocks never change: caching them is exact ("committed blocks are encoded once").

* ``BlockLayout`` turns left-padded prompts into that layout for the unchanged sampler loop: each
  row's prompt is cut at its last block boundary, the tail goes into the canvas (fixed tokens),
  followed by the masks up to the end of the block that holds the last requested position (the
  reference decodes whole blocks); rows are left-padded by whole blocks, so a row decodes exactly
  as alone. ``restore`` maps the result back to the requested positions.
* ``BlockRunner``: ``cache="none"`` runs ``x[:, :block_end]`` with the block-causal mask at every
  step (the reference's execution); ``cache="prefix"`` keeps the keys/values of committed blocks:
  a block's first step feeds the previous block (now final) together with the current one, so
  encoding a committed block costs no extra forward.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ...errors import ConfigError
from .protocol import KV
from .runners import FullRunner


@dataclass
class BlockLayout:
    """The block-aligned inputs of a batch and how to map results back."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    canvas: torch.Tensor
    tails: list[int]  # canvas offset of each row's first requested position
    width: int  # requested positions per row
    mask_id: int
    block: int

    @classmethod
    def build(cls, input_ids, attention_mask, canvas, cfg, block: int, absolute: bool = True) -> "BlockLayout":
        """``absolute``: blocks aligned at position 0 (block-causal models); otherwise the first
        block starts after the prompt (canvas models) and only the last block is completed."""
        if not absolute:
            return cls._after_prompt(input_ids, attention_mask, canvas, cfg, block)
        B, P = input_ids.shape
        mask, pad = cfg.mask_id, cfg.pad_id if cfg.pad_id is not None else cfg.mask_id
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
            if cfg.pad_id is not None and cfg.pad_id != cfg.mask_id:
                attention_mask = (input_ids != cfg.pad_id).long()
        M = canvas.shape[1] if canvas is not None else cfg.gen_length
        prompts = [input_ids[r][attention_mask[r].bool()] for r in range(B)]
        cut = [(len(p) // block) * block for p in prompts]
        widths = [math.ceil((len(p) + M) / block) * block - c for p, c in zip(prompts, cut)]
        head, width = max(cut), max(widths)
        ids = torch.full((B, head), pad, dtype=torch.long, device=input_ids.device)
        attn = torch.zeros_like(ids)
        out = torch.full((B, width), pad, dtype=torch.long, device=input_ids.device)
        for r, p in enumerate(prompts):
            ids[r, head - cut[r]:] = p[:cut[r]]
            attn[r, head - cut[r]:] = 1
            tail = p[cut[r]:]
            body = canvas[r].to(out.device) if canvas is not None else torch.full((M,), mask, device=out.device)
            out[r, :len(tail)] = tail
            out[r, len(tail): len(tail) + M] = body
            out[r, len(tail) + M: widths[r]] = mask  # the rest of the last block, decoded as well
        return cls(ids, attn, out, [len(p) - c for p, c in zip(prompts, cut)], M, mask, block)

    @classmethod
    def _after_prompt(cls, input_ids, attention_mask, canvas, cfg, block: int) -> "BlockLayout":
        M = canvas.shape[1] if canvas is not None else cfg.gen_length
        width = math.ceil(M / block) * block
        out = torch.full((input_ids.shape[0], width), cfg.mask_id, dtype=torch.long, device=input_ids.device)
        if canvas is not None:
            out[:, :M] = canvas.to(out.device)
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
            if cfg.pad_id is not None and cfg.pad_id != cfg.mask_id:
                attention_mask = (input_ids != cfg.pad_id).long()
        return cls(input_ids, attention_mask, out, [0] * input_ids.shape[0], M, cfg.mask_id, block)

    def config(self, cfg):
        """``cfg`` for the aligned run: blocks of ``block``; a total ``steps`` keeps its steps per
        block (``steps`` over the requested blocks, ceil(width / block) of them)."""
        import dataclasses

        changes = {"block_length": self.block}
        if cfg.steps is not None:
            requested = math.ceil(self.width / self.block)
            if cfg.steps < 1 or cfg.steps % requested or cfg.steps // requested > self.block:
                raise ConfigError(f"steps {cfg.steps} is not a multiple of the {requested} blocks of "
                                  f"gen_length {self.width} (block_length {self.block}) with at most "
                                  f"{self.block} steps per block")
            changes["steps"] = cfg.steps // requested * (self.canvas.shape[1] // self.block)
        return dataclasses.replace(cfg, **changes)

    def restore(self, result):
        """The result for the requested positions (NFE unchanged; tokens per step counts the
        requested positions only)."""
        idx = torch.stack([torch.arange(t, t + self.width) for t in self.tails]).to(result.tokens.device)
        tokens, order = result.tokens.gather(1, idx), result.order.gather(1, idx)
        given = self.canvas.gather(1, idx.to(self.canvas.device)).to(tokens.device)
        n_gen = (given == self.mask_id).sum(1).to(torch.float64)
        result.tokens, result.order = tokens, order
        result.tokens_per_step = n_gen / result.nfe.clamp(min=1).to(torch.float64)
        if result.history is not None:
            result.history = [[h[t: t + self.width] for h in hist] for hist, t in zip(result.history, self.tails)]
        return result


class BlockRunner(FullRunner):
    """Block-causal steps; with ``cached`` the keys/values of committed blocks are reused."""

    def __init__(self, model, cfg, strategy=None, cached: bool = False):
        super().__init__(model, cfg, strategy)
        self.cached, self.mode = cached, "prefix" if cached else "none"
        self.store: KV | None = None
        self.kv_len: torch.Tensor | None = None  # positions of each row already in the cache

    def rows(self, state) -> torch.Tensor:
        if self.kv_len is None:
            self.kv_len = torch.zeros_like(state.block)
        active = (state.block < state.num_blocks).nonzero().squeeze(1)
        if active.numel() == 0:
            return active
        blocks = state.block[active]
        group = active[blocks == blocks.min()]
        lens = self.kv_len[group]
        return group[lens == lens.min()]  # rows that still have to encode a finished block first

    def logits(self, model, state, rows):
        start, end = state.block_bounds(rows[:1])
        s, e = state.P + int(start), state.P + int(end)
        B, which = state.block_len, self._positions(state, rows, s, e)
        if not self.cached:
            logits, _ = self.backend.forward(state.x[rows, :e], state.attn[rows], logits_range=(s, e), block=B,
                                             **which)
            return self._place(state, rows, logits, s, e)
        n = int(self.kv_len[rows[0]])
        past = None if n == 0 else self.store.upto(n).rows(None if rows.numel() == state.batch else rows)
        logits, kv = self.backend.forward(state.x[rows, n:e], state.attn[rows], start=n, past=past,
                                          logits_range=(s, e), block=B, return_kv=n < s, **which)
        if n < s:  # positions [n, s) are final now: keep them
            self._keep(state, rows, kv, n, s)
            self.kv_len[rows] = s
        return self._place(state, rows, logits, s, e)

    def _keep(self, state, rows, kv: KV, n: int, s: int) -> None:
        L = state.x.shape[1]
        if self.store is None:
            self.store = KV([(k.new_zeros(_with_len(k, kv.seq_dim, state.batch, L)),
                              v.new_zeros(_with_len(v, kv.seq_dim, state.batch, L))) for k, v in kv.layers],
                            kv.seq_dim)
        d = kv.seq_dim
        for (k, v), (k2, v2) in zip(self.store.layers, kv.layers):
            k.narrow(d, n, s - n)[rows] = k2.narrow(d, n, s - n)
            v.narrow(d, n, s - n)[rows] = v2.narrow(d, n, s - n)


def _with_len(t: torch.Tensor, seq_dim: int, batch: int, length: int) -> tuple[int, ...]:
    shape = list(t.shape)
    shape[0], shape[seq_dim] = batch, length
    return tuple(shape)


def block_layout(model, input_ids, attention_mask, canvas, cfg, strategy_cls) -> BlockLayout | None:
    """The block-aligned layout when ``model`` is block-causal (its backend says so), else None."""
    from .protocol import kv_backend

    backend = kv_backend(model)
    canvas_model = backend is not None and getattr(backend, "canvas_decoder", False)
    if backend is None or not (backend.causal_blocks or canvas_model):
        return None
    if canvas_model:
        from .canvas import check_canvas

        check_canvas(cfg, strategy_cls, backend.canvas_length)
    else:
        check_block_causal(cfg, strategy_cls)
    if cfg.mask_id is None:
        raise ConfigError("mask_id is required (the model's mask token id)")
    width = canvas.shape[1] if canvas is not None else cfg.gen_length
    block = backend.canvas_length if canvas_model else cfg.block_length or width
    if not isinstance(block, int) or isinstance(block, bool) or block < 1 or width < 1:
        raise ConfigError(f"block_length and gen_length must be positive integers, got {block!r}, {width!r}")
    return BlockLayout.build(input_ids, attention_mask, canvas, cfg, block, absolute=not canvas_model)


def check_block_causal(cfg, strategy_cls) -> None:
    """Errors of a block-causal run, before any forward."""
    if cfg.cache == "dual":
        raise ConfigError("cache='dual' has nothing to cache after the block of a block-causal model "
                          "(no position sees later blocks); use cache='prefix' (exact) or 'none'")
    if cfg.shift_logits:
        raise ConfigError("block-causal decoding does not support shift_logits")
    from ..strategies import Strategy

    reason = getattr(strategy_cls, "kv_cache", True)
    if reason is not True or strategy_cls.forward is not Strategy.forward:
        raise ConfigError(f"strategy {strategy_cls.id!r} cannot decode a block-causal model: "
                          f"{reason if reason is not True else 'it runs its own model call'}")
