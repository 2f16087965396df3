"""Per-run decoding state and the per-step view a strategy sees.

All bookkeeping is per row: each row has its own block pointer, step counter, schedule, NFE and
random generator, so rows of a batch never influence each other (a row decodes the same alone or
in a batch) and adaptive strategies let every row take its own number of steps.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import torch

from .config import DecodeConfig
from .schedules import SCHEDULES

NEG_INF = float("-inf")


class DecodeState:
    """Everything that persists across steps of one ``decode`` call."""

    def __init__(self, input_ids, attention_mask, cfg: DecodeConfig, canvas=None):
        device = input_ids.device
        B, P = input_ids.shape
        if canvas is None:
            canvas = torch.full((B, cfg.gen_length), cfg.mask_id, dtype=torch.long, device=device)
        self.cfg, self.P, self.G = cfg, P, canvas.shape[1]
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
            if cfg.pad_id is not None and cfg.pad_id != cfg.mask_id:
                attention_mask = (input_ids != cfg.pad_id).long()
        self.x = torch.cat([input_ids.long(), canvas.to(device).long()], dim=1)
        self.attn = torch.cat([attention_mask.long(), torch.ones_like(canvas, dtype=torch.long)], 1)
        self.block_len = cfg.block_length or self.G
        self.num_blocks = self.G // self.block_len
        self.order = torch.zeros(B, self.G, dtype=torch.long, device=device)
        self.nfe = torch.zeros(B, dtype=torch.long, device=device)
        self.remasked = torch.zeros(B, dtype=torch.long, device=device)
        self.n_gen = (canvas == cfg.mask_id).sum(1).to(device)
        self.block = torch.zeros(B, dtype=torch.long, device=device)
        self.step_in_block = torch.zeros(B, dtype=torch.long, device=device)
        self.schedule: list[list[int]] = [[] for _ in range(B)]
        # The same schedules as a tensor (-1 past the planned steps) for a loop-free lookup.
        self.plan = torch.full((B, self.block_len + 1), -1, dtype=torch.long, device=device)
        self._scratch: torch.Tensor | None = None
        self.generators = [torch.Generator().manual_seed(int(s)) for s in cfg.row_seeds(B)]
        self.memory: dict[str, Any] = {}  # strategy-owned per-row buffers (full batch size)
        self.history: list[list[torch.Tensor]] | None = [[] for _ in range(B)] if cfg.record_history else None

    @property
    def batch(self) -> int:
        return self.x.shape[0]

    @property
    def gen(self) -> torch.Tensor:
        """The generated region (a view of ``x``)."""
        return self.x[:, self.P:]

    def block_bounds(self, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        start = self.block[rows] * self.block_len
        return start, start + self.block_len

    def block_masks(self, rows: torch.Tensor) -> torch.Tensor:
        """Bool [b, G]: still-masked positions of each row's current block."""
        start, end = self.block_bounds(rows)
        pos = torch.arange(self.G, device=self.x.device)
        inside = (pos >= start[:, None]) & (pos < end[:, None])
        return inside & (self.gen[rows] == self.cfg.mask_id)

    def plan_block(self, rows: torch.Tensor, steps_per_block: int | None) -> None:
        """Compute the fixed-count schedule of each row's (new) current block."""
        if steps_per_block is None:
            return
        counts = self.block_masks(rows).sum(1).tolist()
        name = self.cfg.schedule
        if name == "dream" and self.cfg.params.get("faithful_dream_float_schedule") is False:
            name = "dream_exact"  # the old switch, explicitly off: the exact schedule
        fn = SCHEDULES[name]
        if name == "dream":  # float32 arithmetic: on the model's device, as the reference
            fn = functools.partial(fn, device=self.x.device)
        plan = torch.full((len(counts), self.block_len + 1), -1, dtype=torch.long)
        for i, (r, m) in enumerate(zip(rows.tolist(), counts)):
            self.schedule[r] = fn(int(m), steps_per_block)
            plan[i, : len(self.schedule[r])] = torch.tensor(self.schedule[r], dtype=torch.long)
        self.plan[rows] = plan.to(self.plan.device)

    def planned_counts(self, rows: torch.Tensor) -> torch.Tensor:
        """Tokens each row's schedule commits at its current step (-1 past the planned steps)."""
        j = self.step_in_block[rows].clamp(max=self.block_len)
        return self.plan[rows].gather(1, j[:, None]).squeeze(1)

    def forward(self, model, rows: torch.Tensor) -> torch.Tensor:
        """One model call on the given rows; returns float logits of the generated region (as the
        model computed them: the mask token is not yet suppressed, see ``StepView.logits``)."""
        out = model(self.x[rows], self.attn[rows])
        logits = getattr(out, "logits", out)
        if self.cfg.shift_logits:  # Dream: row i-1 predicts position i (the prompt is never empty)
            logits = logits[:, self.P - 1 : self.P - 1 + self.G]
        else:
            logits = logits[:, self.P : self.P + self.G]
        if logits.dtype not in (torch.float32, torch.float64):
            logits = logits.float()
        # The mask token is suppressed lazily by StepView: no full-vocabulary copy per step here.
        return logits

    def scratch(self, shape: torch.Size, dtype: torch.dtype) -> torch.Tensor:
        """A reusable work buffer of ``shape`` (avoids one large allocation per step)."""
        buf = self._scratch
        if buf is None or buf.dtype != dtype or buf.device != self.x.device or buf.shape[1:] != shape[1:] \
                or buf.shape[0] < shape[0]:
            buf = self._scratch = torch.empty(shape, dtype=dtype, device=self.x.device)
        return buf[: shape[0]]

    def result(self) -> "DecodeResult":
        nfe = self.nfe.clamp(min=1).to(torch.float64)
        return DecodeResult(
            tokens=self.gen.clone(),
            nfe=self.nfe.clone(),
            tokens_per_step=(self.n_gen.to(torch.float64) / nfe),
            order=self.order.clone(),
            history=self.history,
            remasked=self.remasked.clone(),
        )


@dataclass
class DecodeResult:
    """What ``decode`` returns (tensors on the input's device)."""

    tokens: torch.Tensor
    """LongTensor [B, G]: the generated region."""
    nfe: torch.Tensor
    """LongTensor [B]: forward passes that touched each row."""
    tokens_per_step: torch.Tensor
    """FloatTensor [B]: generated positions (canvas masks) / NFE."""
    order: torch.Tensor
    """LongTensor [B, G]: 1-based step (the row's NFE count) at which each position was last
    committed; 0 for positions the caller's canvas fixed."""
    history: list[list[torch.Tensor]] | None = None
    """Per row, the generated region after each of its steps (``record_history=True``)."""
    remasked: torch.Tensor | None = None
    """LongTensor [B]: tokens re-masked by revising strategies."""


class StepView:
    """What a strategy sees at one step, for the ``b`` rows that take part in it.

    ``logits`` (mask token at -inf when ``suppress_mask``) and ``probs`` are computed on first
    use: greedy confidence-based strategies never pay for a full-vocabulary copy or softmax.
    """

    def __init__(self, state, rows, logits, candidates, n_commit, step_in_block, block_start, block_end,
                 candidates_only: bool = False):
        self.state, self.rows = state, rows
        self.raw_logits = logits
        """Logits of the generated region as the model returned them (not to be modified)."""
        self.candidates, self.n_commit, self.step_in_block = candidates, n_commit, step_in_block
        self.block_start, self.block_end = block_start, block_end
        self.candidates_only = candidates_only
        """True when the strategy reads ``x_hat``/``confidence`` at candidates only (then, at
        temperature 0, only those are computed; elsewhere x_hat is the current token, confidence 0)."""
        from .scores import propose

        self.x_hat, self.confidence = propose(self)

    @property
    def cfg(self) -> DecodeConfig:
        return self.state.cfg

    @property
    def suppressing(self) -> bool:
        """True when the mask token's logit must be treated as -inf."""
        return self.cfg.suppress_mask and self.cfg.mask_id < self.raw_logits.shape[-1]

    @property
    def generators(self) -> list[torch.Generator]:
        return [self.state.generators[r] for r in self.rows.tolist()]

    @cached_property
    def logits(self) -> torch.Tensor:
        """Float logits [b, G, V] with the mask token's logit at -inf (a copy when suppressing)."""
        if not self.suppressing:
            return self.raw_logits
        logits = self.raw_logits.clone()
        logits[..., self.cfg.mask_id] = NEG_INF
        return logits

    @cached_property
    def probs(self) -> torch.Tensor:
        """Untempered softmax of the logits (float64 when the model returns float64)."""
        return torch.softmax(self.logits, dim=-1)
