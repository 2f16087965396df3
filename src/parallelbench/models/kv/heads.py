"""Compute the output projection only for the rows the sampler reads.

A cached step needs the logits of the current block only (a greedy candidates-only strategy: of
its still-masked positions only), but a model's forward projects every query position onto the
vocabulary (the largest matrix product of a small-hidden model). A forward hook on the module that
feeds the projection (the final norm) keeps just the wanted rows, so the projection runs on them
alone. Row ``i`` of the result is the same product as in a full forward.

Selected rows are padded (with zero rows, dropped afterwards) to at least ``MIN_ROWS``: a BLAS
may multiply a matrix of a few rows with other kernels than a tall one (on the development
machine's MKL, fewer than 12 rows give other last bits), and the rows must be bit-identical to
those of a full forward, so that tokens do not depend on how many candidates share a step.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator


MIN_ROWS = 16


@contextmanager
def head_rows(module: Any, lo: int, hi: int, positions: Any = None) -> Iterator[None]:
    """While active, ``module``'s output ``[b, L, d]`` is cut to rows ``[lo, hi)``; with
    ``positions`` (bool ``[b, hi - lo]``) to the True rows of that range, flattened to
    ``[1, max(N, MIN_ROWS), d]`` (row-major, zero rows after the N selected ones), so the
    model's head returns ``[1, max(N, MIN_ROWS), V]``."""
    if module is None:
        yield
        return

    def cut(_mod, _inputs, output):
        out = output[:, lo:hi]
        if positions is None:
            return out
        rows = out[positions]
        if rows.shape[0] < MIN_ROWS:
            import torch

            rows = torch.cat([rows, rows.new_zeros((MIN_ROWS - rows.shape[0], rows.shape[1]))])
        return rows[None]

    handle = module.register_forward_hook(cut)
    try:
        yield
    finally:
        handle.remove()


def head_logits(out_logits: Any, head_input: Any, lo: int, hi: int, positions: Any = None) -> Any:
    """The logits ``head_rows`` asked for, from the model's output logits: ``[b, hi - lo, V]``,
    or ``[N, V]`` with ``positions``. Without a hooked module (``head_input`` None) the model
    projected every position and the rows are taken here."""
    if head_input is None:
        out_logits = out_logits[:, lo:hi]
        return out_logits if positions is None else out_logits[positions]
    return out_logits if positions is None else out_logits[0, :int(positions.sum())]


def find_module(model: Any, *paths: str) -> Any:
    """The first submodule of ``model`` found at one of the dotted ``paths`` (or None)."""
    for path in paths:
        obj = model
        for part in path.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is not None:
            return obj
    return None
