"""The greedy confidence scored chunk by chunk (``scores._greedy_rows``) equals the softmax of
the whole tensor: same argmax, same probability bit for bit, whatever the chunking, the source
layout (rows of a window, or the candidates' rows) and the precision cast."""
from __future__ import annotations

import pytest
import torch

from parallelbench.decoding import scores
from parallelbench.decoding.config import DecodeConfig
from parallelbench.decoding.state import DecodeState

V, MASK = 50, 7


def _state():
    return DecodeState(torch.zeros((1, 2), dtype=torch.long), None, DecodeConfig.build(mask_id=MASK, gen_length=4))


def _logits(n: int, dtype=torch.float32) -> torch.Tensor:
    g = torch.Generator().manual_seed(n)
    x = torch.randn((n, V), generator=g, dtype=torch.float64).mul_(4).to(dtype)
    x[1, MASK] = x[1].max() + 3  # a row whose argmax is the (suppressed) mask token
    return x


def _expected(x: torch.Tensor, dtype, mask_id):
    suppressed = x.to(dtype).clone()
    if mask_id is not None:
        suppressed[:, mask_id] = float("-inf")
    top, arg = suppressed.max(-1)
    return arg, 1 / torch.exp(suppressed - top[:, None]).sum(-1)


@pytest.mark.parametrize("chunk_bytes", [1, 700, 1 << 30])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("mask_id", [MASK, None])
def test_chunked_greedy_equals_whole(monkeypatch, chunk_bytes, dtype, mask_id):
    monkeypatch.setattr(scores, "_CHUNK_BYTES", chunk_bytes)
    x = _logits(23)
    # candidates' rows as given (cast per chunk when dtype is float64)
    arg, conf = scores._greedy_rows(x, None, dtype, mask_id, _state())
    # rows of a window: the same rows scattered in a [b, w, V] tensor, picked by an index
    window = torch.zeros((4, 9, V), dtype=dtype)
    idx = torch.zeros((4, 9), dtype=torch.bool)
    idx.view(-1)[torch.randperm(36, generator=torch.Generator().manual_seed(1))[:23].sort().values] = True
    window[idx] = x.to(dtype)
    src, index = scores._rows(window, idx, 0)
    arg_w, conf_w = scores._greedy_rows(src, index, dtype, mask_id, _state())
    whole_arg, whole_conf = scores._greedy(x.to(dtype).clone(), x.to(dtype).clone(), mask_id)
    exp_arg, exp_conf = _expected(x, dtype, mask_id)
    for a, c in ((arg, conf), (arg_w, conf_w)):
        assert c.dtype == dtype
        assert torch.equal(a, whole_arg) and torch.equal(c, whole_conf)
        assert torch.equal(a, exp_arg) and torch.allclose(c, exp_conf, rtol=1e-5)
    if mask_id is not None:
        assert int(arg[1]) != MASK


@pytest.mark.parametrize("chunk_bytes", [1, 20, 33, 1000])
def test_chunks_cover_every_row_without_single_row_chunks(monkeypatch, chunk_bytes):
    monkeypatch.setattr(scores, "_CHUNK_BYTES", chunk_bytes)
    for n in range(1, 60):
        for row_bytes in (1, 5, 13):
            chunks = scores._chunks(n, row_bytes)
            assert chunks[0][0] == 0 and chunks[-1][1] == n
            assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:]))
            assert all(hi - lo >= 2 for lo, hi in chunks) or n == 1
