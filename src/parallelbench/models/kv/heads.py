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

``HeadBuffer`` lets an ``nn.Linear`` head write those rows into a buffer kept across calls: on
CPU a fresh logits tensor of tens of megabytes per step is a fresh mapping of pages, and the page
faults cost more than the product's own output traffic. The product is the same matrix product
(``mm`` / ``addmm`` with ``out=``, as ``F.linear`` computes it), so the rows are bit-identical.
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


class HeadBuffer:
    """The model's output projection, when it is an ``nn.Linear`` (``get_output_embeddings``),
    computed into a buffer reused from one call to the next (see the module docstring)."""

    def __init__(self, model: Any):
        import torch

        get = getattr(model, "get_output_embeddings", None)
        try:
            head = get() if callable(get) else None
        except (NotImplementedError, AttributeError):
            head = None
        self.module = head if type(head) is torch.nn.Linear else None
        self.buffer = None

    @contextmanager
    def reused(self, active: bool = True) -> Iterator[None]:
        """While active, the head's output is a view of the reused buffer (valid until the next
        call); with gradients enabled, without an ``nn.Linear`` head, or when something else
        (e.g. an offloading hook) already replaced the head's ``forward``, nothing changes."""
        import torch

        module = self.module
        if not active or module is None or torch.is_grad_enabled() or "forward" in vars(module):
            yield
            return

        def forward(x):
            weight, bias = module.weight, module.bias
            flat = x.reshape(-1, x.shape[-1])
            n = flat.shape[0] * weight.shape[0]
            dtype = torch.result_type(flat, weight)
            buf = self.buffer
            if buf is None or buf.numel() < n or buf.dtype != dtype or buf.device != flat.device:
                buf = self.buffer = torch.empty(n, dtype=dtype, device=flat.device)
            out = buf[:n].view(flat.shape[0], weight.shape[0])
            if bias is None:
                torch.mm(flat, weight.t(), out=out)
            else:
                torch.addmm(bias, flat, weight.t(), out=out)
            return out.view(*x.shape[:-1], weight.shape[0])

        module.forward = forward
        try:
            yield
        finally:
            del module.forward


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
