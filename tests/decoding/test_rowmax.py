"""``row_max`` equals ``torch.max(dim=-1)``: values and first-occurrence indices, ties, tails, NaN."""
from __future__ import annotations

import pytest
import torch

from parallelbench.decoding.rowmax import row_max


@pytest.mark.parametrize("V", [300, 512, 1000, 126464 // 16])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
def test_blockwise_row_max_equals_max(V, dtype):
    g = torch.Generator().manual_seed(V)
    x = torch.randn((8, V), generator=g).mul_(3).to(dtype)
    x[1, [7, V - 2]] = 50.0  # a tie: the first occurrence wins
    x[2, V - 1] = 60.0  # the maximum in the tail after the last whole block
    x[3] = float("-inf")  # nothing but -inf
    x[4, [3, 9]] = float("nan")  # NaN propagates, with the index of the first NaN
    x[5] = torch.round(x[5])  # many ties everywhere
    x[6, 300 % V] = -0.0
    x[6].clamp_(max=0.0)  # zeros of both signs as the maximum
    top, index = row_max(x)
    expected = x.max(dim=-1)
    assert torch.equal(index, expected.indices)
    assert torch.equal(top[~top.isnan()], expected.values[~top.isnan()]) and bool(top[4].isnan())
