"""Compute the output projection only for the rows the sampler reads.

A cached step needs the logits of the current block only, but a model's forward projects every
query position onto the vocabulary (the largest matrix product of a small-hidden model). A forward
hook on the module that feeds the projection (the final norm) keeps just the wanted rows, so the
projection runs on them alone. Row ``i`` of the result is the same product as in a full forward.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def head_rows(module: Any, lo: int, hi: int) -> Iterator[None]:
    """While active, ``module``'s output ``[b, L, d]`` is cut to rows ``[lo, hi)``."""
    if module is None:
        yield
        return

    def cut(_mod, _inputs, output):
        return output[:, lo:hi]

    handle = module.register_forward_hook(cut)
    try:
        yield
    finally:
        handle.remove()


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
