"""What the sampler loop promises whatever the strategy: NFE accounting, ``order`` and ``history``,
canvas infilling, Dream's shifted logits, the mask token never emitted, per-row adaptive step
counts, and seeded sampling."""
from __future__ import annotations

import pytest
import torch

from decoding_testkit import MASK, V, RuleModel, TableModel, log_dist
from parallelbench.decoding import decode, get_strategy, list_strategies
from parallelbench.errors import ConfigError

PROMPT = torch.ones(1, 2, dtype=torch.long)


def table(G: int, seed: int = 0, scale: float = 3.0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(G, V, generator=g, dtype=torch.float64) * scale


def chain_rule(key: int, j: int, gen: list[int]) -> torch.Tensor:
    """Position j is confident once position j-1 is filled (a left-to-right dependency)."""
    ready = j == 0 or gen[j - 1] != MASK
    return log_dist({(key + j) % MASK: 0.97 if ready else 0.2})


def test_nfe_equals_model_calls_and_tokens_per_step_counts_generated_positions():
    orders = {}
    for strategy, kw in [("confidence-topk", {"steps": 4}), ("confidence-threshold", {"threshold": 0.9}),
                         ("eb", {"gamma": 0.5})]:
        model = RuleModel(chain_rule, 8)
        res = decode(model, PROMPT, strategy=strategy, gen_length=8, mask_id=MASK, **kw)
        assert int(res.nfe[0]) == model.calls
        assert res.tokens_per_step[0].item() == pytest.approx(8 / model.calls)
        orders[strategy] = res.order[0].tolist()
    # The chain model makes threshold sequential: exactly one position per step, left to right.
    assert orders["confidence-threshold"] == list(range(1, 9))
    assert orders["confidence-topk"] == [1, 1, 2, 2, 3, 3, 4, 4]  # ties: lowest position first


def test_order_and_history_semantics():
    model = RuleModel(chain_rule, 6)
    res = decode(model, PROMPT, strategy="confidence-threshold", threshold=0.5, gen_length=6,
                 block_length=3, mask_id=MASK, record_history=True)
    hist = res.history[0]
    assert len(hist) == int(res.nfe[0]) == 6
    assert torch.equal(hist[-1], res.tokens[0])
    for t, snap in enumerate(hist, start=1):
        filled = snap != MASK
        # history[t-1] holds exactly the positions committed at steps <= t.
        assert torch.equal(filled, (res.order[0] >= 1) & (res.order[0] <= t))
    assert decode(model, PROMPT, strategy="l2r", k=1, gen_length=6, mask_id=MASK).history is None


def test_canvas_infilling_fixes_given_positions_and_counts_only_masks():
    G = 10
    canvas = torch.full((2, G), MASK, dtype=torch.long)
    canvas[0, [0, 3, 4, 9]] = torch.tensor([7, 8, 9, 10])
    canvas[1, :5] = torch.tensor([1, 2, 3, 4, 5])  # the whole first block is given
    model = TableModel(table(G), G)
    res = decode(model, torch.ones(2, 2, dtype=torch.long), strategy="confidence-topk", k=1,
                 gen_length=99, block_length=5, mask_id=MASK, canvas=canvas)  # gen_length ignored
    assert res.tokens.shape == (2, G)
    fixed = canvas != MASK
    assert torch.equal(res.tokens[fixed], canvas[fixed]) and (res.order[fixed] == 0).all()
    assert not (res.tokens == MASK).any() and (res.order[~fixed] > 0).all()
    assert res.nfe.tolist() == [6, 5]  # one step per mask at k = 1; a given block costs nothing
    assert res.tokens_per_step.tolist() == [1.0, 1.0]
    thr = decode(TableModel(table(G), G), torch.ones(2, 2, dtype=torch.long), strategy="confidence-threshold",
                 threshold=1e-9, gen_length=G, mask_id=MASK, canvas=canvas)
    assert thr.nfe.tolist() == [1, 1] and thr.tokens_per_step.tolist() == [6.0, 5.0]


def test_shift_logits_reads_the_previous_row():
    G, P = 6, 3

    class Shifted:
        """Row r carries the prediction for position r+1 (Dream); row r itself predicts junk."""

        def __call__(self, ids, attention_mask=None):
            L = ids.shape[1]
            out = torch.stack([log_dist({14: 0.9}) for _ in range(L)])[None].clone()
            for j in range(G):
                out[0, P - 1 + j] = log_dist({j + 1: 0.9})
            return out

    prompt = torch.ones(1, P, dtype=torch.long)
    res = decode(Shifted(), prompt, strategy="confidence-topk", k=2, gen_length=G, mask_id=MASK,
                 shift_logits=True)
    assert res.tokens[0].tolist() == [1, 2, 3, 4, 5, 6]
    plain = decode(Shifted(), prompt, strategy="confidence-topk", k=2, gen_length=G, mask_id=MASK)
    assert plain.tokens[0].tolist() == [2, 3, 4, 5, 6, 14]  # unshifted: one position off


class MaskLovingModel:
    """The mask token is by far the most likely prediction everywhere. Accepts WINO's extended
    call (4-D attention and position ids)."""

    supports_4d_attention = True

    def __call__(self, ids, attention_mask=None, position_ids=None):
        row = table(1, seed=3)[0]
        row[MASK] = 50.0
        return row.expand(ids.shape[0], ids.shape[1], V).clone()


def default_kwargs(strategy: str) -> dict:
    cls = get_strategy(strategy)
    kw = {"steps": 8} if cls.fixed_count else {}
    if strategy == "confidence-factor":
        kw["factor"] = 1.0
    return kw


@pytest.mark.parametrize("temperature", [0.0, 1.0])
@pytest.mark.parametrize("strategy", [s for s in list_strategies() if not getattr(get_strategy(s), "requires", "")])
def test_mask_token_is_never_emitted(strategy, temperature):
    kw = dict(strategy=strategy, gen_length=8, block_length=4, mask_id=MASK, temperature=temperature,
              **default_kwargs(strategy))
    if strategy == "rcr" and temperature > 0:  # greedy only, and says so
        with pytest.raises(ConfigError, match="rcr is greedy only"):
            decode(MaskLovingModel(), PROMPT, **kw)
        return
    res = decode(MaskLovingModel(), PROMPT, **kw)
    assert not (res.tokens == MASK).any() and int(res.nfe[0]) >= 1


def test_rows_take_their_own_number_of_steps_and_finished_rows_are_not_recomputed():
    G = 8
    tables = {1: torch.stack([log_dist({2: 0.99})] * G),  # all confident: one step
              2: torch.stack([log_dist({3: 0.2})] * G),  # none confident: G steps
              3: torch.stack([log_dist({4: 0.99 if j % 2 else 0.2}) for j in range(G)])}
    prompts = torch.tensor([[5, 1], [5, 2], [5, 3]])
    model = TableModel(tables, G)
    res = decode(model, prompts, strategy="confidence-threshold", threshold=0.9, gen_length=G, mask_id=MASK)
    assert res.nfe.tolist() == [1, G, 1 + G // 2]
    assert model.calls == G and model.rows == int(res.nfe.sum())  # done rows left the batch
    for i in range(3):
        alone = decode(TableModel(tables, G), prompts[i:i + 1], strategy="confidence-threshold",
                       threshold=0.9, gen_length=G, mask_id=MASK)
        assert torch.equal(alone.order[0], res.order[i]) and torch.equal(alone.tokens[0], res.tokens[i])


@pytest.mark.parametrize("convention", ["gumbel_clean", "tempered"])
def test_temperature_sampling_is_determined_by_the_seed(convention):
    G = 16
    t = table(G, seed=4, scale=0.3)  # flat distributions: samples differ from the argmax
    kw = dict(strategy="confidence-topk", steps=8, gen_length=G, mask_id=MASK, temperature=1.0,
              noise_convention=convention)
    a = decode(TableModel(t, G), PROMPT, seed=1, **kw)
    b = decode(TableModel(t, G), PROMPT, seed=1, **kw)
    c = decode(TableModel(t, G), PROMPT, seed=2, **kw)
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.order, b.order)
    assert not torch.equal(a.tokens, c.tokens)
    greedy = decode(TableModel(t, G), PROMPT, **{**kw, "temperature": 0.0})
    assert not torch.equal(a.tokens, greedy.tokens)
    # Per-row seeds: a row of a batch draws exactly what it draws alone with its seed.
    batch = decode(TableModel(t, G), torch.ones(3, 2, dtype=torch.long), seed=[2, 1, 7], **kw)
    assert torch.equal(batch.tokens[0], c.tokens[0]) and torch.equal(batch.tokens[1], a.tokens[0])


def test_gumbel_sampling_follows_the_softmax():
    # One position, two tokens with probabilities 0.8 / 0.2, 2000 rows with their own seeds.
    n = 2000
    row = torch.full((V,), float("-inf"), dtype=torch.float64)
    row[3], row[4] = torch.log(torch.tensor(0.8)), torch.log(torch.tensor(0.2))
    res = decode(TableModel(row[None], 1), torch.ones(n, 2, dtype=torch.long), strategy="l2r", k=1,
                 gen_length=1, mask_id=MASK, temperature=1.0, seed=list(range(n)))
    share = (res.tokens[:, 0] == 3).double().mean().item()
    assert abs(share - 0.8) < 0.03 and set(res.tokens[:, 0].tolist()) == {3, 4}


def test_random_tie_break_is_seeded():
    G = 8
    flat = torch.zeros(G, V, dtype=torch.float64)  # every position ties
    kw = dict(strategy="confidence-topk", k=1, gen_length=G, mask_id=MASK, tie_break="random")
    a = decode(TableModel(flat, G), PROMPT, seed=1, **kw)
    assert torch.equal(a.order, decode(TableModel(flat, G), PROMPT, seed=1, **kw).order)
    assert not torch.equal(a.order, decode(TableModel(flat, G), PROMPT, seed=2, **kw).order)
    by_position = decode(TableModel(flat, G), PROMPT, strategy="confidence-topk", k=1, gen_length=G, mask_id=MASK)
    assert by_position.order[0].tolist() == list(range(1, G + 1))
