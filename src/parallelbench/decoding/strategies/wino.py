"""WINO: wide-in, narrow-out revokable decoding (arXiv 2507.18578; DECODING.md 4.9).

Every forward runs on an extended sequence ``[prompt | generation | B shadow slots]``. Shadow
slot j is always a mask, carries the position id of block slot j and, through a custom 4-D
attention mask, sees everything except block slot j itself, so it re-predicts slot j with that
slot hidden. Each step drafts generously (confidence > tau1, capped) and then revokes earlier
tokens whose shadow ("back") confidence fell below tau2.

Models must opt in to the extended call (a tiny protocol, see ``supports_4d_attention``).
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import torch

from ...errors import ConfigError
from .. import scores
from .base import Strategy, strategy

NEG_INF = float("-inf")


def supports_4d_attention(model) -> bool:
    """The optional model protocol WINO needs: a model whose attribute ``supports_4d_attention``
    is true accepts ``model(input_ids, attention_mask=mask4d, position_ids=pos)`` with ``mask4d``
    a bool tensor ``[b, 1, L, L]`` (True = the query row may attend to the key column) and ``pos``
    a long tensor ``[b, L]``, and returns logits ``[b, L, V]`` (or an object with ``.logits``)."""
    return bool(getattr(model, "supports_4d_attention", False))


def extended_inputs(x, attn, P: int, G: int, block_start, B: int, shadow_ids):
    """Build ids, 4-D mask and position ids of the extended WINO sequence for ``b`` rows.

    ``x``/``attn``: [b, P+G]; ``block_start``: [b] block offsets within the generation;
    ``shadow_ids``: [b, B]. Main positions follow cumsum(attention) - 1 (pad-aware)."""
    b, device = x.shape[0], x.device
    L = P + G + B
    ids = torch.cat([x, shadow_ids], dim=1)
    pos_main = (attn.long().cumsum(1) - 1).clamp(min=0)
    mirror = P + block_start[:, None] + torch.arange(B, device=device)  # [b, B] main columns
    pos = torch.cat([pos_main, pos_main.gather(1, mirror)], dim=1)
    mask = torch.zeros(b, L, L, dtype=torch.bool, device=device)
    mask[:, : P + G, : P + G] = True  # main rows never see shadow columns
    mask[:, P + G :, :] = True  # shadow rows see every column ...
    shadow_rows = torch.arange(P + G, L, device=device).expand(b, -1)
    mask[torch.arange(b, device=device)[:, None], shadow_rows, mirror] = False  # ... but their mirror
    keys = torch.cat([attn.bool(), torch.ones(b, B, dtype=torch.bool, device=device)], dim=1)
    return ids, (mask & keys[:, None, :])[:, None], pos


@strategy("wino", aliases=("wino_dllm", "wino-dllm"))
class WINO(Strategy):
    """Draft with tau1, verify with tau2 on the shadow block (see the module docstring).

    Parameters: ``tau1`` (0.6, strict pass), ``tau2`` (0.9). As in the ParallelBench port the
    benchmark ran, still-masked shadow slots also compete for draft places (a shadow slot whose
    mirror is committed drafts the mirror's token, and an accepted shadow slot keeps its token);
    ``variant='corrected'`` drafts from the block's masks only, as the original WINO code.
    ``steps``/``k`` are ignored (adaptive). Confidences in float64 (the references' precision).
    """

    revises = True
    params = {"tau1": 0.6, "tau2": 0.9}
    corrections = ("only the block's masked slots are draft candidates (the original WINO code); "
                   "the ParallelBench port also drafts into still-masked shadow slots",)
    precision = "float64"
    source = "WINO 2507.18578 (ParallelBench's LLaDA port; the original candidate set as the corrected variant)"

    def check(self):
        for name in ("tau1", "tau2"):
            v = self.p[name]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or not 0 <= v <= 1:
                raise ConfigError(f"wino: {name} must be in [0, 1], got {v!r}")
        if self.cfg.shift_logits:
            raise ConfigError("wino needs a model without logit shift (LLaDA-style); shift_logits is set")

    def setup(self, state):
        dev = state.x.device
        state.memory["wino_last"] = torch.full((state.batch,), 30, dtype=torch.long, device=dev)
        state.memory["wino_accepted"] = torch.zeros(state.batch, dtype=torch.long, device=dev)
        # Shadow tokens persist only in the reference variant (the PB port never resets them).
        state.memory["wino_shadow_ids"] = torch.full((state.batch, state.block_len), self.cfg.mask_id,
                                                     dtype=torch.long, device=dev)
        state.memory["wino_generated"] = state.gen == self.cfg.mask_id  # canvas slots never revoked

    def on_block_start(self, state, rows):
        state.memory["wino_last"][rows] = 30

    def forward(self, model, state, rows):
        if not supports_4d_attention(model):
            raise ConfigError(
                "wino needs a model that accepts a 4-D attention mask and position ids: set "
                "`supports_4d_attention = True` on the model callable and accept "
                "model(input_ids, attention_mask=mask4d, position_ids=pos)"
            )
        P, G, B = state.P, state.G, state.block_len
        start, _ = state.block_bounds(rows)
        ids, mask4d, pos = extended_inputs(state.x[rows], state.attn[rows], P, G, start, B,
                                           state.memory["wino_shadow_ids"][rows])
        out = model(ids, attention_mask=mask4d, position_ids=pos)
        logits = getattr(out, "logits", out)
        logits = state.cast_logits(logits, self.precision)
        if self.cfg.suppress_mask and self.cfg.mask_id < logits.shape[-1]:
            logits = logits.clone()
            logits[..., self.cfg.mask_id] = NEG_INF
        self._shadow_logits = logits[:, P + G :]  # [b, B, V] for select/remask of this step
        return logits[:, P : P + G]

    # -- draft -------------------------------------------------------------------------------
    def select(self, view):
        state, rows, B = view.state, view.rows, view.state.block_len
        cand = view.candidates
        conf = view.confidence.double().masked_fill(~cand, NEG_INF)
        n_masked = cand.sum(1)
        cap = (n_masked.double() * 0.7).floor().long().clamp(min=5).clamp(max=20)
        if not self.corrected:
            return self._select_with_shadow(view, conf, cap)
        passed = cand & (conf > self.p["tau1"])
        sub = SimpleNamespace(candidates=passed, cfg=view.cfg, generators=view.generators)
        accept = scores.top_n(sub, conf, cap)  # at most `cap` of the passing candidates
        best = scores.top_n(view, conf, torch.ones_like(cap))
        accept = torch.where(passed.any(1, keepdim=True), accept, best)
        state.memory["wino_accepted"][rows] = accept.sum(1)
        return accept

    def _select_with_shadow(self, view, conf, cap):
        """PB quirk: still-masked shadow slots compete for draft places; a shadow slot whose
        mirror is committed drafts the mirror's token. Accepted shadow slots keep their token."""
        state, rows, B, mask_id = view.state, view.rows, view.state.block_len, self.cfg.mask_id
        start, _ = state.block_bounds(rows)
        mirror = start[:, None] + torch.arange(B, device=rows.device)
        main_tok = state.gen[rows].gather(1, mirror)
        sp = torch.softmax(self._shadow_logits.double(), dim=-1)
        draft = torch.where(main_tok != mask_id, main_tok, sp.argmax(-1))
        shadow_ids = state.memory["wino_shadow_ids"][rows]
        s_cand = shadow_ids == mask_id
        s_conf = sp.gather(-1, draft[..., None]).squeeze(-1).masked_fill(~s_cand, NEG_INF)
        both = torch.cat([conf, s_conf], 1)
        cand = torch.cat([view.candidates, s_cand], 1)
        passed = cand & (both > self.p["tau1"])
        sub = SimpleNamespace(candidates=passed, cfg=view.cfg, generators=view.generators)
        accept = scores.top_n(sub, both, cap)
        sub_all = SimpleNamespace(candidates=cand, cfg=view.cfg, generators=view.generators)
        best = scores.top_n(sub_all, both, torch.ones_like(cap))
        accept = torch.where(passed.any(1, keepdim=True), accept, best)
        G = conf.shape[1]
        take = accept[:, G:]
        state.memory["wino_shadow_ids"][rows] = torch.where(take, draft, shadow_ids)
        state.memory["wino_accepted"][rows] = accept.sum(1)
        return accept[:, :G]

    # -- verify ------------------------------------------------------------------------------
    def remask(self, view, committed):
        state, rows, B = view.state, view.rows, view.state.block_len
        n_acc = state.memory["wino_accepted"][rows]
        last = state.memory["wino_last"][rows]
        state.memory["wino_last"][rows] = n_acc
        start, _ = state.block_bounds(rows)
        mirror = start[:, None] + torch.arange(B, device=rows.device)
        gen = state.gen[rows]  # the state before this step's commits
        tok = gen.gather(1, mirror)
        back_b = torch.softmax(self._shadow_logits.double(), dim=-1).gather(
            -1, tok.clamp(min=0)[..., None]).squeeze(-1)
        before = (tok != self.cfg.mask_id) & state.memory["wino_generated"][rows].gather(1, mirror)
        back_b = back_b.masked_fill(~before, math.inf)
        low = before & (back_b < self.p["tau2"]) & (n_acc > 1)[:, None]
        # Never revoke as many as the previous step accepted: keep the (last - 1) lowest.
        too_many = low.sum(1) >= last
        sub = SimpleNamespace(candidates=low, cfg=view.cfg, generators=view.generators)
        lowest = scores.top_n(sub, -back_b, (last - 1).clamp(min=0))
        low = torch.where(too_many[:, None], lowest, low)
        remask = torch.zeros_like(committed).scatter(1, mirror, low)
        return remask
