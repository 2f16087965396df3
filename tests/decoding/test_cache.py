"""The KV-cache runners' bookkeeping (rows, windows, logits ranges, per-row storage), checked with
an *oracle* backend: its "keys/values" are the token ids themselves, and every cached call
rebuilds the whole sequence from them and runs the full model. Prefix and suffix tokens do not
change between a block's refresh and its later steps, so a correct runner decodes exactly like
``cache="none"`` with this backend - for every cacheable strategy, left padding, a canvas and the
Dream logit shift. The cache's approximation itself is tested on real models (tests/models)."""
from __future__ import annotations

import pytest
import torch

from decoding_testkit import BertAdapter, left_padded, tiny_bert
from parallelbench.decoding import decode, get_strategy, list_strategies
from parallelbench.decoding.cache import KV
from parallelbench.decoding.config import DecodeConfig
from parallelbench.decoding.strategies import Strategy
from parallelbench.errors import ConfigError

pytest.importorskip("transformers")
VOCAB, MASK, PAD, G, BLOCK = 40, 39, 0, 16, 4


class OracleBackend:
    """A ``KVBackend`` whose cache holds token ids; it checks the protocol's shapes as it goes.
    (With ``cache="none"`` the runner also goes through it, asking only for the rows it reads.)"""

    modes = frozenset({"prefix", "dual"})
    causal_blocks = False

    def __init__(self, model):
        self.model, self.calls, self.rows = model, 0, 0

    def forward(self, ids, attn, *, start=0, past=None, logits_range, block=None, return_kv=False):
        self.calls += 1
        self.rows += ids.shape[0]
        L, w = attn.shape[1], ids.shape[1]
        if past is None:
            assert start == 0 and w == L
            x = ids
        else:
            tokens = past.layers[0][0][..., 0].long()
            assert past.length in (start, L) and tokens.shape[0] == ids.shape[0]
            x = torch.cat([tokens[:, :start], ids, tokens[:, start + w:]], 1) if past.length == L \
                else torch.cat([tokens, ids], 1)
            assert x.shape[1] == L
        lo, hi = logits_range
        assert start <= lo < hi <= start + w
        logits = self.model(x, attn)[:, lo:hi]
        kv = KV([(x[..., None].double(), x[..., None].double())], seq_dim=1) if return_kv else None
        return logits, kv


class CachedBert(BertAdapter):
    def __init__(self, model, scale=1.0):
        super().__init__(model, scale)
        self.kv_backend = OracleBackend(super().__call__)


@pytest.fixture(scope="module")
def bert():
    return tiny_bert(VOCAB, torch.float64)


def strategy_kwargs(strategy):
    kw = {"steps": 8} if get_strategy(strategy).fixed_count else {}
    if strategy == "confidence-factor":
        kw["factor"] = 1.0
    if strategy == "remdm":
        kw.update(steps=16, remdm_steps=2)
    return kw


CACHEABLE = [s for s in list_strategies()
             if get_strategy(s).kv_cache is True and get_strategy(s).forward is Strategy.forward
             and not getattr(get_strategy(s), "requires", "")]


@pytest.mark.parametrize("shift", [False, True])
@pytest.mark.parametrize("mode", ["none", "prefix", "dual"])
@pytest.mark.parametrize("strategy", CACHEABLE)
def test_runner_with_exact_cache_equals_no_cache(bert, strategy, mode, shift):
    ids, attn = left_padded([6, 3, 5], VOCAB, PAD, MASK)
    cfg = dict(strategy=strategy, gen_length=G, block_length=BLOCK, mask_id=MASK, pad_id=PAD,
               shift_logits=shift, seed=[3, 4, 5], **strategy_kwargs(strategy))
    plain = decode(BertAdapter(bert, 4.0), ids, attn, cfg)
    model = CachedBert(bert, 4.0)
    cached = decode(model, ids, attn, cfg, cache=mode)
    assert torch.equal(cached.tokens, plain.tokens)
    assert torch.equal(cached.nfe, plain.nfe) and torch.equal(cached.order, plain.order)
    assert int(cached.nfe.sum()) == model.kv_backend.rows == model.rows


@pytest.mark.parametrize("mode", ["prefix", "dual"])
def test_canvas_and_uneven_rows(bert, mode):
    """Rows that skip a block the canvas filled, and rows that finish blocks at different steps
    (threshold), still get their own windows and caches."""
    ids, attn = left_padded([2, 6, 4], VOCAB, PAD, MASK, seed=3)
    canvas = torch.full((3, G), MASK)
    canvas[0, :2 * BLOCK] = 7
    canvas[2, 5] = 9
    cfg = dict(strategy="confidence-threshold", threshold=0.3, gen_length=G, block_length=BLOCK,
               mask_id=MASK, pad_id=PAD)
    plain = decode(BertAdapter(bert, 6.0), ids, attn, cfg, canvas=canvas)
    cached = decode(CachedBert(bert, 6.0), ids, attn, cfg, canvas=canvas, cache=mode)
    assert torch.equal(cached.tokens, plain.tokens) and torch.equal(cached.nfe, plain.nfe)
    assert len(set(plain.nfe.tolist())) > 1  # rows really progress at different speeds


def test_errors_before_any_forward(bert):
    ids, attn = left_padded([3], VOCAB, PAD, MASK)
    base = dict(gen_length=G, block_length=BLOCK, mask_id=MASK, strategy="confidence-topk", steps=8)
    plain = BertAdapter(bert)
    with pytest.raises(ConfigError, match="cannot use cache='prefix'.*kv_backend"):
        decode(plain, ids, attn, base, cache="prefix")
    with pytest.raises(ConfigError, match="cache must be"):
        decode(plain, ids, attn, base, cache="full")
    cached = CachedBert(bert)
    cached.kv_backend.modes = frozenset({"prefix"})
    with pytest.raises(ConfigError, match="does not support cache='dual'"):
        decode(cached, ids, attn, base, cache="dual")
    with pytest.raises(ConfigError, match="'rcr' cannot use cache.*earlier blocks"):
        decode(cached, ids, attn, base, strategy="rcr", cache="prefix")
    with pytest.raises(ConfigError, match="'wino' cannot use cache.*own model call"):
        decode(cached, ids, attn, {**base, "strategy": "wino", "steps": None}, cache="prefix")
    assert plain.calls == cached.calls == cached.kv_backend.calls == 0



class SelectingOracle(OracleBackend):
    """The oracle with ``selects_positions``: it returns the candidates' rows ``[N, V]`` when the
    runner passes ``positions`` (and counts those calls)."""

    selects_positions = True

    def __init__(self, model):
        super().__init__(model)
        self.selected = 0

    def forward(self, ids, attn, *, positions=None, **kw):
        logits, kv = super().forward(ids, attn, **kw)
        if positions is not None:
            assert positions.dtype == torch.bool and positions.shape == logits.shape[:2]
            self.selected += 1
            logits = logits[positions]
        return logits, kv


class SelectingBert(BertAdapter):
    def __init__(self, model, scale=1.0):
        super().__init__(model, scale)
        self.kv_backend = SelectingOracle(super().__call__)


@pytest.mark.parametrize("temperature", [0.0, 0.8])
@pytest.mark.parametrize("shift", [False, True])
@pytest.mark.parametrize("mode", ["none", "prefix", "dual"])
@pytest.mark.parametrize("strategy", CACHEABLE)
def test_candidate_rows_equal_the_window(bert, strategy, mode, shift, temperature):
    """A backend that returns the candidates' logits only gives the same tokens, NFE and order as
    one that returns windows; it is asked for them exactly when the strategy reads candidates only."""
    ids, attn = left_padded([6, 3, 5], VOCAB, PAD, MASK)
    cfg = dict(strategy=strategy, gen_length=G, block_length=BLOCK, mask_id=MASK, pad_id=PAD,
               shift_logits=shift, seed=[3, 4, 5], temperature=temperature, **strategy_kwargs(strategy))
    windows = decode(CachedBert(bert, 4.0), ids, attn, cfg, cache=mode)
    model = SelectingBert(bert, 4.0)
    rows = decode(model, ids, attn, cfg, cache=mode)
    assert torch.equal(rows.tokens, windows.tokens)
    assert torch.equal(rows.nfe, windows.nfe) and torch.equal(rows.order, windows.order)
    backend = model.kv_backend
    if get_strategy(strategy)(DecodeConfig.build(cfg)).candidates_only:
        assert backend.selected == backend.calls > 0
    else:
        assert backend.selected == 0
