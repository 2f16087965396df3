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

    def __init__(self, input_ids, attention_mask, cfg: DecodeConfig, canvas=None, runner=None):
        device = input_ids.device
        B, P = input_ids.shape
        if canvas is None:
            canvas = torch.full((B, cfg.gen_length), cfg.mask_id, dtype=torch.long, device=device)
        self.cfg, self.P, self.G = cfg, P, canvas.shape[1]
        if runner is None:
            from .cache import FullRunner

            runner = FullRunner(None, cfg)
        self.runner = runner
        self.logits_start = 0  # offset of the logits window the runner returned last (cache modes)
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

    def forward(self, model, rows: torch.Tensor, precision: str | None = None) -> torch.Tensor:
        """One model call on the given rows through the run's runner (cache mode); returns the
        logits ``[b, G, V]`` of the generated region, or of the runner's window of it (as the model
        computed them: the mask token is not yet suppressed, see ``StepView.logits``), in the
        precision ``cast_logits`` picks. A runner that computes the candidates' logits only
        returns them as ``[N, V]`` rows, left in the model's dtype: ``StepView`` casts them to
        ``logits_dtype`` chunk by chunk as it scores them (no full-size copy)."""
        logits = self.runner.logits(model, self, rows)
        return logits if logits.dim() == 2 else self.cast_logits(logits, precision)

    def logits_dtype(self, dtype: torch.dtype, precision: str | None = None) -> torch.dtype:
        """The dtype ``cast_logits`` gives logits of ``dtype``: ``precision`` (a strategy's fixed
        reference precision, ``float32``/``float64``) or the config's ``confidence_dtype``
        (``model``: unchanged; ``float32``: half precision upcast). Never downcasts."""
        want = precision or self.cfg.confidence_dtype
        if want == "model" or dtype == torch.float64:
            return dtype
        return torch.float64 if want == "float64" else torch.float32

    def cast_logits(self, logits: torch.Tensor, precision: str | None = None) -> torch.Tensor:
        """Logits in the precision the confidences are taken in (``logits_dtype``)."""
        target = self.logits_dtype(logits.dtype, precision)
        return logits if logits.dtype == target else logits.to(target)

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

    The model may have computed the logits of a *window* of generated positions only (a KV-cache
    runner computes the current block): ``window`` holds them, from offset ``window_start``;
    ``raw_logits`` is the whole region, zero outside the window (built on first use). For a
    ``candidates_only`` strategy the runner may have computed the candidates' logits only:
    ``candidate_logits`` ``[N, V]`` (the True positions of ``candidates`` in row-major order, in
    the model's dtype; ``dtype`` is the precision they are scored in); ``window`` is then built
    from them on first use (zero at every other position).
    """

    window_start: int = 0
    candidate_logits: torch.Tensor | None = None

    def __init__(self, state, rows, logits, candidates, n_commit, step_in_block, block_start, block_end,
                 candidates_only: bool = False, window_start: int = 0, dtype: torch.dtype | None = None):
        self.state, self.rows = state, rows
        self.dtype = dtype or logits.dtype
        """The precision of the confidences (and of ``window``)."""
        self.vocab = logits.shape[-1]
        if logits.dim() == 2:
            self.candidate_logits = logits
        else:
            self.window, self.window_start = logits, window_start
            """Logits [b, w, V] of generated positions [window_start, window_start + w) as the
            model returned them (not to be modified)."""
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
    def shape(self) -> tuple[int, int, int]:
        """(rows, generated positions G, vocabulary size) of the step's logits."""
        return self.rows.numel(), self.state.G, self.vocab

    @property
    def device(self) -> torch.device:
        """Where the step's logits are."""
        return (self.candidate_logits if self.candidate_logits is not None else self.window).device

    @cached_property
    def window(self) -> torch.Tensor:
        """(Only reached when the runner returned ``candidate_logits``.) Logits [b, G, V] in
        ``dtype``: the candidates' rows, zero elsewhere."""
        dense = torch.zeros(self.shape, dtype=self.dtype, device=self.device)
        dense[self.candidates] = self.candidate_logits.to(self.dtype)
        return dense

    @cached_property
    def raw_logits(self) -> torch.Tensor:
        """Logits [b, G, V] of the whole generated region (zeros outside the window)."""
        w, s = self.window, self.window_start
        if s == 0 and w.shape[1] == self.state.G:
            return w
        dense = w.new_zeros(self.shape)
        dense[:, s: s + w.shape[1]] = w
        return dense

    @property
    def suppressing(self) -> bool:
        """True when the mask token's logit must be treated as -inf."""
        return self.cfg.suppress_mask and self.cfg.mask_id < self.vocab

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
        """Untempered softmax of the logits, in their dtype (bf16 logits give bf16 probabilities,
        as in the references; float64 when the model returns float64)."""
        return torch.softmax(self.logits, dim=-1)
