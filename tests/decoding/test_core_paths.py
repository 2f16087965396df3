"""Core paths of the sampler not covered elsewhere: the candidates-only scoring fast path equals
the dense path, the Strategy protocol for a strategy written outside the package (the example of
docs/decoding.md, and a revising one: order/history/remasked semantics), model outputs with
``.logits`` or half precision, attention derived from ``pad_id``, a fully given canvas, and
Dream's shifted logits in a padded batch."""
from __future__ import annotations

import pytest
import torch

from decoding_testkit import MASK, V, BertAdapter, TableModel, left_padded, log_dist, tiny_bert
from parallelbench.decoding import Strategy, decode, get_strategy, list_strategies, scores, strategy
from parallelbench.decoding.strategies import base as registry

VOCAB, BMASK, PAD = 40, 39, 0
FAST = [s for s in list_strategies()
        if get_strategy(s).candidates_only and not getattr(get_strategy(s), "requires", "")]


@pytest.fixture(scope="module")
def bert32():
    return tiny_bert(VOCAB, torch.float32, seed=3)


@pytest.fixture
def scratch_registry():
    """Strategies registered inside a test are removed afterwards (the registry is global)."""
    saved = dict(registry._REGISTRY), dict(registry._ALIASES)
    yield
    registry._REGISTRY.clear(), registry._REGISTRY.update(saved[0])
    registry._ALIASES.clear(), registry._ALIASES.update(saved[1])


def kwargs_for(name: str) -> dict:
    kw = {"steps": 8} if get_strategy(name).fixed_count else {}
    return {**kw, "factor": 1.0} if name == "confidence-factor" else kw


def test_the_fast_path_covers_the_simple_strategies():
    assert set(FAST) >= {"random", "l2r", "confidence-topk", "topk-margin", "entropy-topk",
                         "confidence-threshold", "confidence-factor", "eb", "origin", "pc"}


@pytest.mark.parametrize("name", FAST)
def test_candidates_only_scoring_equals_dense_scoring(bert32, name, monkeypatch):
    # float32 model, padded batch, two blocks and a canvas with fixed tokens: scoring only the
    # candidates must change nothing, bit for bit, compared with scoring every position.
    ids, attn = left_padded([5, 2, 3], VOCAB, PAD, BMASK, seed=4)
    canvas = torch.full((3, 16), BMASK, dtype=torch.long)
    canvas[1, [2, 9, 10]] = torch.tensor([5, 6, 7])
    kw = dict(strategy=name, block_length=8, mask_id=BMASK, canvas=canvas, seed=[1, 2, 3], **kwargs_for(name))
    fast = decode(BertAdapter(bert32, 20.0), ids, attn, **kw)
    monkeypatch.setattr(get_strategy(name), "candidates_only", False)
    dense = decode(BertAdapter(bert32, 20.0), ids, attn, **kw)
    assert torch.equal(fast.tokens, dense.tokens) and torch.equal(fast.order, dense.order)
    assert torch.equal(fast.nfe, dense.nfe)


def test_fast_path_handles_a_model_that_prefers_the_mask_and_non_contiguous_logits(monkeypatch):
    class Transposed:
        """Logits laid out [L, B, V] in memory (a transposed view); the mask token on top at
        every other position, so the suppressed argmax has to be recomputed there."""

        def __call__(self, ids, attention_mask=None):
            g = torch.Generator().manual_seed(ids.shape[0])
            out = torch.randn(ids.shape[1], ids.shape[0], V, generator=g, dtype=torch.float64) * 3
            out[::2, :, MASK] = 30.0
            return out.transpose(0, 1)

    ids = torch.ones(2, 3, dtype=torch.long)
    for name in ("confidence-topk", "confidence-threshold", "eb"):
        kw = dict(strategy=name, gen_length=8, mask_id=MASK, **kwargs_for(name))
        fast = decode(Transposed(), ids, **kw)
        with monkeypatch.context() as m:
            m.setattr(get_strategy(name), "candidates_only", False)
            dense = decode(Transposed(), ids, **kw)
        assert not (fast.tokens == MASK).any()
        assert torch.equal(fast.tokens, dense.tokens) and torch.equal(fast.order, dense.order)


def test_docs_example_strategy(scratch_registry):
    # The "write your own strategy" example of docs/decoding.md, verbatim apart from the model.
    @strategy("top2-or-sure", aliases=("my_rule",))
    class Top2OrSure(Strategy):
        """Commit every candidate with confidence >= ``sure``; if none is, the two best."""

        params = {"sure": 0.99}
        candidates_only = True  # select() reads confidences of candidates only

        def select(self, view):
            sure = (view.confidence >= self.p["sure"]) & view.candidates
            two = scores.top_n(view, view.confidence, torch.full_like(view.n_commit, 2))
            return torch.where(sure.any(1, keepdim=True), sure, two)

    confs = [0.97, 0.3, 0.96, 0.5, 0.4, 0.2]
    table = torch.stack([log_dist({i + 1: c}) for i, c in enumerate(confs)])
    res = decode(TableModel(table, 6), torch.ones(1, 2, dtype=torch.long), strategy="my_rule", sure=0.95,
                 gen_length=6, mask_id=MASK)
    assert res.order[0].tolist() == [1, 3, 1, 2, 2, 3] and int(res.nfe[0]) == 3
    assert res.tokens[0].tolist() == [1, 2, 3, 4, 5, 6]
    assert "top2-or-sure" in list_strategies()


def test_revising_strategy_protocol_order_history_and_remasked(scratch_registry):
    @strategy("commit-all-then-revise")
    class Revise(Strategy):
        """Step 1 commits everything; step 2 re-masks positions 1 and 3; step 3 commits them again."""

        revises = True

        def select(self, view):
            return view.candidates

        def remask(self, view, committed):
            out = torch.zeros_like(committed)
            if int(view.state.nfe[view.rows[0]]) == 2:
                out[:, [1, 3]] = True
            return out

        def block_done(self, state, rows):
            return (state.nfe[rows] >= 3) & ~state.block_masks(rows).any(1)

    table = torch.stack([log_dist({j + 1: 0.9}) for j in range(5)])
    res = decode(TableModel(table, 5), torch.ones(1, 2, dtype=torch.long), strategy="commit-all-then-revise",
                 gen_length=5, mask_id=MASK, record_history=True)
    assert int(res.nfe[0]) == 3 and int(res.remasked[0]) == 2
    # order is the step of the *last* commit: re-masked positions carry the step that refilled them.
    assert res.order[0].tolist() == [1, 3, 1, 3, 1]
    hist = [h.tolist() for h in res.history[0]]
    assert hist[0] == [1, 2, 3, 4, 5] and hist[1] == [1, MASK, 3, MASK, 5] and hist[2] == [1, 2, 3, 4, 5]
    assert res.tokens_per_step[0].item() == pytest.approx(5 / 3)  # generated positions / NFE


def test_model_outputs_with_logits_attribute_and_half_precision():
    table = torch.stack([log_dist({j + 2: 0.6 + 0.05 * j}) for j in range(4)])

    class Out:
        def __init__(self, logits):
            self.logits = logits

    class Wrapped(TableModel):
        def __call__(self, ids, attention_mask=None):
            return Out(super().__call__(ids, attention_mask).to(torch.bfloat16))

    res = decode(Wrapped(table, 4), torch.ones(2, 2, dtype=torch.long), strategy="confidence-topk", k=1,
                 gen_length=4, mask_id=MASK)
    assert res.tokens.tolist() == [[2, 3, 4, 5]] * 2 and res.order[0].tolist() == [4, 3, 2, 1]


def test_pad_id_gives_the_attention_mask_when_none_is_passed():
    bert = tiny_bert(VOCAB, torch.float64, seed=5)
    ids, attn = left_padded([4, 1], VOCAB, PAD, BMASK, seed=6)
    kw = dict(strategy="confidence-threshold", threshold=0.5, gen_length=8, mask_id=BMASK)
    with_mask = decode(BertAdapter(bert, 20.0), ids, attn, **kw)
    from_pad = decode(BertAdapter(bert, 20.0), ids, pad_id=PAD, **kw)
    no_pad = decode(BertAdapter(bert, 20.0), ids, **kw)  # pads attended: row 1 sees 3 extra tokens
    assert torch.equal(with_mask.tokens, from_pad.tokens) and torch.equal(with_mask.order, from_pad.order)
    assert not torch.equal(with_mask.tokens[1], no_pad.tokens[1])


def test_a_fully_given_canvas_costs_no_forward_pass():
    model = TableModel(torch.zeros(4, V, dtype=torch.float64), 4)
    canvas = torch.tensor([[1, 2, 3, 4], [5, MASK, 6, 7]])
    res = decode(model, torch.ones(2, 2, dtype=torch.long), strategy="confidence-topk", k=1, mask_id=MASK,
                 canvas=canvas, record_history=True)
    assert res.nfe.tolist() == [0, 1] and model.rows == 1  # the full row never reaches the model
    assert res.tokens_per_step.tolist() == [0.0, 1.0]
    assert res.tokens[0].tolist() == [1, 2, 3, 4] and res.order[0].tolist() == [0, 0, 0, 0]
    assert res.history[0] == [] and len(res.history[1]) == 1


def test_shift_logits_batch_equals_alone():
    # Any masked LM read with shift_logits behaves like a Dream model: left padding must still not
    # change a row's decode (float64, so padding cannot perturb the logits).
    bert = tiny_bert(VOCAB, torch.float64, seed=7)
    ids, attn = left_padded([5, 1, 3], VOCAB, PAD, BMASK, seed=8)
    kw = dict(strategy="confidence-threshold", threshold=0.3, gen_length=8, block_length=4, mask_id=BMASK,
              shift_logits=True)
    batch = decode(BertAdapter(bert, 20.0), ids, attn, **kw)
    for i in range(3):
        alone = decode(BertAdapter(bert, 20.0), ids[i:i + 1, attn[i].bool()], **kw)
        assert torch.equal(alone.tokens[0], batch.tokens[i]) and torch.equal(alone.order[0], batch.order[i])
    unshifted = decode(BertAdapter(bert, 20.0), ids, attn, **{**kw, "shift_logits": False})
    assert not torch.equal(unshifted.tokens, batch.tokens)


@pytest.mark.parametrize("fast", [True, False])
def test_tempered_sampling_follows_the_tempered_softmax(fast, monkeypatch):
    # One position, tokens 3/4 with probabilities 0.8/0.2; at T = 0.5 the tempered distribution is
    # 0.64/0.04 normalised = 0.941/0.059. 2000 rows with their own seeds, on both scoring paths.
    monkeypatch.setattr(get_strategy("l2r"), "candidates_only", fast)
    n = 2000
    row = torch.full((V,), float("-inf"), dtype=torch.float64)
    row[3], row[4] = torch.log(torch.tensor(0.8)), torch.log(torch.tensor(0.2))
    res = decode(TableModel(row[None], 1), torch.ones(n, 2, dtype=torch.long), strategy="l2r", k=1,
                 gen_length=1, mask_id=MASK, temperature=0.5, noise_convention="tempered", seed=list(range(n)))
    share = (res.tokens[:, 0] == 3).double().mean().item()
    assert abs(share - 0.64 / 0.68) < 0.02 and set(res.tokens[:, 0].tolist()) == {3, 4}
