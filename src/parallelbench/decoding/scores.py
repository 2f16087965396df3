"""Pure helpers: token proposals, per-position scores and rank-based selection.

Scores follow DECODING.md section 1 (higher = commit earlier). Non-candidates always get -inf.
Random draws use each row's own generator in float64 so results do not depend on the batch.
"""
from __future__ import annotations

import torch

from .rowmax import row_max

NEG_INF = float("-inf")


def row_uniform(view, shape: tuple[int, ...]) -> torch.Tensor:
    """Float64 U(0,1) draws of ``shape`` per row of the view, each from that row's generator
    (so a row's draws do not depend on which other rows share the step)."""
    draws = [torch.rand(shape, generator=g, dtype=torch.float64) for g in view.generators]
    return torch.stack(draws).to(view.device)


_per_row_uniform = row_uniform  # old private name, kept for strategies written against it


def propose(view) -> tuple[torch.Tensor, torch.Tensor]:
    """Token choice x_hat and its confidence for every generated position of the view's rows.

    Greedy at temperature 0. Otherwise ``gumbel_clean``: argmax(l + T*g) with float64 Gumbel
    noise, confidence from the untempered softmax; ``tempered``: sample from softmax(l/T) and take
    the confidence from that distribution.

    For a ``candidates_only`` view only the candidates are scored (committed positions and later
    blocks cost nothing; at T > 0 only they draw noise); elsewhere x_hat keeps the current token
    and the confidence is 0.
    """
    cfg = view.cfg
    mask_id = cfg.mask_id if view.suppressing else None
    if not view.candidates_only:
        logits = view.raw_logits
        if cfg.temperature == 0:
            if logits.dtype in _LOW_PRECISION:
                return _greedy_softmax(logits, mask_id)
            b, G, V = logits.shape
            src, index = _rows(logits, torch.ones((b, G), dtype=torch.bool, device=logits.device), 0)
            x, c = _greedy_rows(src, index, logits.dtype, mask_id, view.state)
            return x.view(b, G), c.view(b, G)
        noise = row_uniform(view, tuple(logits.shape[1:]))
        return _sample(view.logits, noise, cfg, probs=view.probs if cfg.noise_convention == "gumbel_clean" else None)
    idx = view.candidates
    if cfg.temperature == 0 and view.dtype not in _LOW_PRECISION:
        src, index = _candidate_rows(view, idx)  # no copy: scored chunk by chunk
        x, c = _greedy_rows(src, index, view.dtype, mask_id, view.state)
    else:
        flat = _gather(view, idx)  # [N, V] in a reused buffer: scored in place
        if cfg.temperature == 0:
            x, c = _greedy_softmax(flat, mask_id)
        else:
            if mask_id is not None:
                flat[:, mask_id] = NEG_INF
            # Each row draws noise for its own candidates only, from its own generator.
            counts, V = idx.sum(1).tolist(), flat.shape[1]
            noise = torch.cat([torch.rand((n, V), generator=g, dtype=torch.float64)
                               for n, g in zip(counts, view.generators)]).to(flat.device)
            x, c = _sample(flat, noise, cfg)
    x_hat = view.state.gen[view.rows].clone()
    x_hat[idx] = x
    conf = torch.zeros(idx.shape, dtype=view.dtype, device=view.device)
    conf[idx] = c.to(view.dtype)
    return x_hat, conf


def _sample(logits: torch.Tensor, u: torch.Tensor, cfg, probs=None) -> tuple[torch.Tensor, torch.Tensor]:
    """x_hat and confidence at T > 0 from suppressed ``logits [..., V]`` and float64 U(0,1) draws
    ``u`` of the same shape (``probs``: the untempered softmax, when the caller already has it)."""
    gumbel = -torch.log(-torch.log(u.clamp_(1e-300, 1.0)))
    if cfg.noise_convention == "gumbel_clean":
        x_hat = (logits.double() + cfg.temperature * gumbel).argmax(-1)
        probs = torch.softmax(logits, dim=-1) if probs is None else probs
        return x_hat, probs.gather(-1, x_hat[..., None]).squeeze(-1)
    tempered = torch.softmax(logits.double() / cfg.temperature, dim=-1)
    x_hat = (torch.log(tempered.clamp_min(1e-300)) + gumbel).argmax(-1)  # a draw from `tempered`
    return x_hat, tempered.gather(-1, x_hat[..., None]).squeeze(-1).to(logits.dtype)


def _rows(raw: torch.Tensor, idx: torch.Tensor, start: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``(src, index)``: the logits ``raw [b, w, V]`` (generated positions from ``start``) at the
    True positions of ``idx [b, G]`` are rows ``index`` of the 2-D ``src [M, V]`` (``index`` None:
    every row of ``src``, in order). No copy in the usual layout (a position slice of a
    contiguous ``[b, L, V]`` output: every position is one row of the underlying storage)."""
    b, w, V = raw.shape
    rows, pos = idx.nonzero(as_tuple=True)
    s0, s1, s2 = raw.stride()
    if s2 == 1 and s1 == V and s0 % V == 0:
        storage_rows = raw.as_strided(((b - 1) * (s0 // V) + w, V), (V, 1))
        return storage_rows, rows * (s0 // V) + (pos - start)
    return raw[idx[:, start: start + w]], None


def _candidate_rows(view, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``_rows`` of the view's candidates: the runner's ``candidate_logits`` as they are, or
    rows of the window."""
    if view.candidate_logits is not None:
        return view.candidate_logits, None
    return _rows(view.window, idx, view.window_start)


def _gather(view, idx: torch.Tensor) -> torch.Tensor:
    """The logits at the True positions of ``idx [b, G]`` (the view's candidates) as an [N, V]
    copy in ``view.dtype`` in the state's reused work buffer (a fresh large allocation per step
    costs more than the copy itself); the caller may modify it."""
    src, index = _candidate_rows(view, idx)
    n = src.shape[0] if index is None else index.numel()
    out = view.state.scratch(torch.Size((n, src.shape[1])), view.dtype)
    if index is None:
        return out.copy_(src)
    if src.dtype == out.dtype:
        return torch.index_select(src, 0, index, out=out)
    return out.copy_(src[index])


_CHUNK_BYTES = 2 << 20
"""Work-buffer size of the greedy confidence: rows are scored in chunks of about this size, so
the exp and sum read the work buffer from the cache rather than from memory."""


def _chunks(n: int, row_bytes: int) -> list[tuple[int, int]]:
    """Row ranges ``[lo, hi)`` covering ``n`` rows in near-equal chunks of about ``_CHUNK_BYTES``
    (at least 4 rows each, so no chunk but a lone row is a single-row reduction)."""
    per = max(4, _CHUNK_BYTES // max(row_bytes, 1))
    k = max(1, -(-n // per))
    bounds = [n * i // k for i in range(k + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def _greedy_rows(src: torch.Tensor, index: torch.Tensor | None, dtype: torch.dtype, mask_id: int | None,
                 state) -> tuple[torch.Tensor, torch.Tensor]:
    """``_greedy`` of rows ``index`` of ``src [M, V]`` (None: all rows) in ``dtype``, chunk by
    chunk through the state's work buffer: the logits are read once and never copied whole (an
    upcast to ``dtype``, e.g. float64 confidences of float32 logits, happens per chunk). Each row's
    result is the same as ``_greedy`` of the whole [N, V] tensor (every operation is row-wise)."""
    n = src.shape[0] if index is None else index.numel()
    V = src.shape[1]
    x_hat = torch.empty(n, dtype=torch.long, device=src.device)
    conf = torch.empty(n, dtype=dtype, device=src.device)
    for lo, hi in _chunks(n, V * dtype.itemsize):
        work = state.scratch(torch.Size((hi - lo, V)), dtype)
        if index is None:
            raw = src[lo:hi]  # a lower precision is upcast by _greedy into `work`
        elif src.dtype == dtype:
            raw = torch.index_select(src, 0, index[lo:hi], out=work)
        else:
            raw = src[index[lo:hi]]
        x_hat[lo:hi], conf[lo:hi] = _greedy(raw, work, mask_id)
    return x_hat, conf


_LOW_PRECISION = (torch.bfloat16, torch.float16)


def _greedy_softmax(raw: torch.Tensor, mask_id: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy choice the way the LLaDA, Dream and ParallelBench references make it from
    half-precision logits: the softmax in that dtype, then the most probable token (the first one
    among probabilities that round to the same value) and its rounded probability."""
    logits = raw.clone() if mask_id is not None else raw
    if mask_id is not None:
        logits[..., mask_id] = NEG_INF
    confidence, x_hat = torch.softmax(logits, dim=-1).max(dim=-1)
    return x_hat, confidence


def passes(values: torch.Tensor, threshold, strict: bool = False) -> torch.Tensor:
    """``values >= threshold`` (``>`` when ``strict``) compared in the dtype of ``values``, as the
    references compare a confidence tensor with a Python number (a bf16 confidence meets 0.9
    rounded to bf16). ``threshold`` is a number or a tensor broadcastable to ``values``."""
    t = torch.as_tensor(threshold, dtype=values.dtype, device=values.device)  # one rounding
    return values > t if strict else values >= t


def _greedy(raw: torch.Tensor, work: torch.Tensor, mask_id: int | None) -> tuple[torch.Tensor, torch.Tensor]:
    """argmax of ``raw [n, V]`` and its softmax probability ``1 / sum_v exp(l_v - l_max)`` in
    ``work``'s dtype, without materialising the softmax or a suppressed copy of the logits.
    ``work`` (same shape; it may be ``raw`` itself when the caller owns it) is overwritten; a
    lower-precision ``raw`` is upcast into it (its maximum is found before, in its own dtype).

    The mask token (``mask_id``, or None when not suppressed) is excluded by subtracting its term
    from the sum; where it is not the argmax its term is <= 1 while the sum is >= 1, so the
    subtraction is exact to a few ulps. Positions whose argmax *is* the mask token are recomputed
    from a suppressed copy of those positions only.
    """
    top, x_hat = row_max(raw)
    bad = (x_hat == mask_id) if mask_id is not None else None
    redo = raw[bad].to(work.dtype, copy=True) if bad is not None and bad.any() else None  # before `work` overwrites raw
    if raw.dtype != work.dtype:
        raw = work.copy_(raw)  # exact: a float upcast changes no value
    torch.sub(raw, top.to(work.dtype)[:, None], out=work)
    denom = work.exp_().sum(-1)
    if mask_id is not None:
        denom -= work[:, mask_id]
        if redo is not None:
            redo[:, mask_id] = NEG_INF
            top_b, x_b = redo.max(dim=-1)
            x_hat[bad] = x_b
            denom[bad] = torch.exp(redo - top_b[:, None]).sum(-1)
    return x_hat, denom.reciprocal_()


def per_position(view, fn) -> torch.Tensor:
    """``fn(probs [..., V]) -> [...]`` for every position of the view, where ``probs`` is the
    untempered softmax with the mask token removed.

    A ``candidates_only`` view evaluates ``fn`` at its candidates only (0 elsewhere), so no
    full-vocabulary softmax of committed positions or later blocks is ever taken; when the dense
    ``view.probs`` already exists (sampling), it is reused instead.
    """
    if not view.candidates_only or "probs" in view.__dict__:
        return fn(view.probs)
    idx = view.candidates
    flat = _gather(view, idx)
    if view.suppressing:
        flat[:, view.cfg.mask_id] = NEG_INF
    values = fn(torch.softmax(flat, dim=-1))
    out = torch.zeros(idx.shape, dtype=values.dtype, device=values.device)
    out[idx] = values
    return out


def margin(view) -> torch.Tensor:
    """p1 - p2: the gap between the two most likely tokens."""
    def gap(p):
        top2 = p.topk(2, dim=-1).values
        return top2[..., 0] - top2[..., 1]
    return per_position(view, gap)


def neg_entropy(view) -> torch.Tensor:
    """sum_v q(v) log(q(v) + 1e-10) (<= 0; higher = more certain)."""
    return per_position(view, lambda p: (p * torch.log(p + 1e-10)).sum(-1))


def random_scores(view) -> torch.Tensor:
    """A fresh U(0,1) per position per step."""
    return row_uniform(view, (view.candidates.shape[1],))


def left_to_right(view) -> torch.Tensor:
    """-(position): the leftmost masked position ranks first."""
    b, G = view.candidates.shape
    pos = torch.arange(G, device=view.candidates.device, dtype=torch.float64)
    return (-pos).expand(b, -1)


def rank(view, scores: torch.Tensor) -> torch.Tensor:
    """0-based rank of every candidate by descending score (non-candidates rank last).

    Ties: lowest position first, or uniformly random with ``tie_break='random'``.
    """
    s = scores.to(torch.float64).masked_fill(~view.candidates, NEG_INF)
    G = s.shape[1]
    if view.cfg.tie_break == "random":
        perm = torch.stack([torch.randperm(G, generator=g) for g in view.generators]).to(s.device)
        order = torch.sort(s.gather(1, perm), dim=1, descending=True, stable=True).indices
        order = perm.gather(1, order)
    else:
        order = torch.sort(s, dim=1, descending=True, stable=True).indices
    ranks = torch.empty_like(order)
    ranks.scatter_(1, order, torch.arange(G, device=s.device).expand_as(order))
    return ranks


def top_n(view, scores: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """Bool [b, G]: each row's ``n[row]`` best candidates by score."""
    return (rank(view, scores) < n[:, None]) & view.candidates


def at_least_best(view, scores: torch.Tensor, passed: torch.Tensor) -> torch.Tensor:
    """``passed`` candidates plus, in rows where none passed, the single best candidate."""
    passed = passed & view.candidates
    best = top_n(view, scores, torch.ones_like(view.n_commit))
    return passed | (best & ~passed.any(1, keepdim=True))
