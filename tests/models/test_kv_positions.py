"""``positions`` in the model-side KV backends: the logits of the selected positions only, as
rows ``[N, V]``, are exactly the rows of the window the backend returns without it (same product
of the same head), and decoding through it changes no token for the strategies that use it."""
from __future__ import annotations

import pytest
import torch

from parallelbench.decoding import decode
from parallelbench.models import compat
from parallelbench.models.families import Family
from parallelbench.models.hf_dllm import DllmAdapter

import kv_kit as kit
import upstream_kit as ukit


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """(name, adapter, mask id, prompt token range) of every backend family we can build here."""
    out = []
    llada, _ = kit.fast_dllm_llada(tmp_path_factory.mktemp("pos_llada"), sharpen=80.0)
    out.append(("llada", DllmAdapter(llada, Family("llada", mask_id=kit.FAST_LLADA_MASK, eos_id=None,
                                                    pad_id=None, shift_logits=False)), kit.FAST_LLADA_MASK,
                (0, kit.FAST_LLADA_MASK - 2)))
    dream, _ = kit.fast_dllm_dream(tmp_path_factory.mktemp("pos_dream"), sharpen=40.0)
    out.append(("dream", DllmAdapter(dream, Family("dream", mask_id=kit.DREAM_MASK, eos_id=None, pad_id=None,
                                                    shift_logits=True)), kit.DREAM_MASK, (0, kit.DREAM_MASK - 2)))
    if ukit.available("llada2"):
        folder = ukit.build("llada2", tmp_path_factory.mktemp("pos_llada2") / "m", seed=3)
        model = compat.load_remote(str(folder), dtype=torch.float32).eval()
        with torch.no_grad():
            model.lm_head.weight.mul_(3.0)
        ids = ukit.special_ids("llada2")
        out.append(("llada2", DllmAdapter(model, Family("llada2", mask_id=ids["mask"], eos_id=None,
                                                         pad_id=ids["pad"], shift_logits=False)), ids["mask"],
                    (5, 100)))
    return out


class Windows:
    """The adapter with its backend's ``selects_positions`` hidden: the runners ask for windows."""

    def __init__(self, adapter):
        self.adapter, inner = adapter, adapter.kv_backend
        self.kv_backend = type("WindowsOnly", (), {"modes": inner.modes, "causal_blocks": inner.causal_blocks,
                                                   "forward": staticmethod(inner.forward)})()

    def __call__(self, *args, **kwargs):
        return self.adapter(*args, **kwargs)


@torch.no_grad()  # as in decoding: the head then writes into its reused buffer
def test_positions_are_rows_of_the_window(models):
    g = torch.Generator().manual_seed(0)
    for name, adapter, mask, (lo, hi) in models:
        backend = adapter.kv_backend
        assert backend.selects_positions and backend.head.module is not None
        x = torch.randint(lo, hi, (3, 24), generator=g)
        attn = torch.ones_like(x)
        block = 8 if backend.causal_blocks else None
        pick = torch.rand((3, 8), generator=g) < 0.5
        pick[:, 0] = True
        window, kv = backend.forward(x, attn, logits_range=(8, 16), block=block, return_kv=True)
        rows, _ = backend.forward(x, attn, logits_range=(8, 16), block=block, positions=pick)
        assert rows.shape == (int(pick.sum()), window.shape[-1])
        assert torch.equal(rows, window[pick]), name
        one = torch.zeros((1, 8), dtype=torch.bool)
        one[0, 3] = True  # a single row (padded to MIN_ROWS for the product)
        rows, _ = backend.forward(x[:1], attn[:1], logits_range=(8, 16), block=block, positions=one)
        assert rows.shape[0] == 1 and torch.equal(rows, window[:1][one]), name
        calls = [dict(start=8, past=kv.upto(8))]  # a prefix cache
        if "dual" in backend.modes:
            calls.append(dict(start=8, past=kv, end=16))
        for call in calls:
            end = call.pop("end", 24)
            window, _ = backend.forward(x[:, 8:end], attn, logits_range=(8, 16), block=block, **call)
            rows, _ = backend.forward(x[:, 8:end], attn, logits_range=(8, 16), block=block, positions=pick, **call)
            assert torch.equal(rows, window[pick]), name


@pytest.mark.parametrize("strategy,extra", [("confidence-topk", {"steps": 8}), ("confidence-threshold", {"threshold": 0.5}),
                                            ("topk-margin", {"steps": 8}), ("confidence-factor", {"factor": 1.0})])
def test_decoding_through_positions_changes_no_token(models, strategy, extra):
    g = torch.Generator().manual_seed(1)
    for name, adapter, mask, (lo, hi) in models:
        prompts = torch.randint(lo, hi, (2, 10), generator=g)
        modes = ("none", "prefix") if adapter.kv_backend.causal_blocks else ("none", "prefix", "dual")
        for cache in modes:
            cfg = dict(strategy=strategy, gen_length=16, block_length=8, mask_id=mask, cache=cache,
                       shift_logits=name == "dream", confidence_dtype="float64", **extra)
            if name == "llada2":
                cfg.pop("shift_logits")
            rows = decode(adapter, prompts, None, cfg)
            windows = decode(Windows(adapter), prompts, None, cfg)
            assert torch.equal(rows.tokens, windows.tokens), (name, cache)
            assert torch.equal(rows.nfe, windows.nfe) and torch.equal(rows.order, windows.order)
