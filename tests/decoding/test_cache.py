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


def test_check_model_says_what_decode_would_refuse_without_a_forward(bert):
    """``check_model`` raises decode's own errors from the model and settings alone (what a
    backend's ``ModelAPI.check`` calls before a run writes anything), and passes what decode runs."""
    from parallelbench.decoding import check_model

    class NoCache:
        kv_unsupported = "this test model has no cache"

        def __call__(self, ids, attn=None):
            raise AssertionError("check_model must not call the model")

    settings = dict(strategy="confidence-topk", k=2, gen_length=G, block_length=BLOCK, mask_id=MASK)
    check_model(NoCache(), settings)  # no cache: fine
    with pytest.raises(ConfigError, match="cannot use cache='prefix': this test model has no cache"):
        check_model(NoCache(), settings, cache="prefix")
    with pytest.raises(ConfigError, match="'native' needs a canvas model"):
        check_model(NoCache(), strategy="native", gen_length=G, mask_id=MASK)
    with pytest.raises(ConfigError, match="strategy 'rcr' cannot use cache='dual'"):
        check_model(CachedBert(bert), settings, strategy="rcr", cache="dual")
    check_model(CachedBert(bert), settings, cache="dual")
    with pytest.raises(ConfigError, match="unknown strategy"):
        check_model(NoCache(), strategy="nosuch", mask_id=MASK)
