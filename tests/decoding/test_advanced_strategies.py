"""Hand-checked behaviour of the advanced strategies (klass, slowfast, dus, wino, remdm, rcr) on a
tiny deterministic float64 toy model whose predictions depend only on the position and on how many
generated tokens the query can see."""
from __future__ import annotations

import math

import pytest
import torch

from parallelbench.decoding import decode, get_strategy
from parallelbench.decoding.strategies.dus import dilated_levels
from parallelbench.decoding.strategies.rcr import maskgit_schedule
from parallelbench.decoding.strategies.remdm import LOOP, remdm_plan
from parallelbench.decoding.strategies.wino import extended_inputs
from parallelbench.errors import ConfigError

V, MASK, P = 16, 15, 3  # vocabulary, mask id, prompt length


def target(p: int) -> int:
    return (3 * p + 1) % 13  # the "right" token of generated position p (never the mask)


def other(p: int) -> int:
    return (3 * p + 7) % 13 + 1 if (3 * p + 7) % 13 + 1 != target(p) else 14


class Toy:
    """``rule(p, n_known) -> (token, confidence)`` for generated position p, where n_known is the
    number of non-mask generated tokens the query row can see (a dict of rules picks one by the
    row's first prompt token). Accepts a 2-D attention mask (full
    visibility) or, for WINO, a 4-D boolean mask with explicit position ids."""

    supports_4d_attention = True

    def __init__(self, rule):
        self.rule, self.calls = rule, 0

    def __call__(self, ids, attention_mask=None, position_ids=None):
        self.calls += 1
        b, L = ids.shape
        if attention_mask is None or attention_mask.dim() == 2:
            am = torch.ones(b, L, dtype=torch.bool) if attention_mask is None else attention_mask.bool()
            vis = am[:, None, :].expand(b, L, L)
            pos = (am.long().cumsum(1) - 1).clamp(min=0) if position_ids is None else position_ids
        else:
            vis, pos = attention_mask[:, 0], position_ids
        out = torch.full((b, L, V), math.log(1.0 / V), dtype=torch.float64)
        known = (ids != MASK) & (pos >= P)  # [b, L]
        for i in range(b):
            rule = self.rule[int(ids[i, 0])] if isinstance(self.rule, dict) else self.rule
            for q in range(L):
                p = int(pos[i, q]) - P
                if p < 0:
                    continue
                tok, conf = rule(p, int((known[i] & vis[i, q]).sum()))
                conf -= 1e-6 * p  # equal confidences are not exactly equal after the softmax;
                # a tiny decrement makes the order explicit (earlier position first)
                probs = torch.full((V,), (1 - conf) / (V - 2), dtype=torch.float64)
                probs[MASK], probs[tok] = 1e-30, conf
                out[i, q] = probs.log()
        return out


def run(rule, strategy, G, B=None, **kw):
    model = Toy(rule)
    res = decode(model, torch.full((1, P), 2), strategy=strategy, gen_length=G, block_length=B,
                 mask_id=MASK, record_history=True, **kw)
    assert int(res.nfe[0]) == model.calls  # NFE counts every forward
    return res


def filled(res, step: int) -> set[int]:
    """Generated positions that are not masks after the given (1-based) step."""
    return set((res.history[0][step - 1] != MASK).nonzero().flatten().tolist())


def right_tokens(G: int) -> list[int]:
    return [target(p) for p in range(G)]


# ---------------------------------------------------------------------------------- dus
def test_dus_level_plan_sizes():
    sizes = {B: [len(level) for level in dilated_levels(B)] for B in (1, 2, 4, 8, 32, 64)}
    assert sizes == {1: [1], 2: [2], 4: [2, 2], 8: [2, 2, 4], 32: [2, 2, 4, 8, 16],
                     64: [2, 2, 4, 8, 16, 32]}
    assert dilated_levels(32)[:2] == [[0, 16], [8, 24]]
    assert dilated_levels(5) == [[0, 2, 4, 1, 3]]  # a smaller last level is merged
    assert [len(x) for x in dilated_levels(32, base=2, skip_exponent=2)] == [4, 4, 8, 16]
    assert dilated_levels(6, base=1) == [list(range(6))]


def test_dus_commits_level_by_level_and_counts_levels():
    res = run(lambda p, n: (target(p), 0.95), "dus", G=64, B=32)
    assert int(res.nfe[0]) == 10  # 5 levels per block, 2 blocks
    assert res.tokens[0].tolist() == right_tokens(64)
    expected = torch.zeros(64, dtype=torch.long)
    for blk in range(2):
        for lv, level in enumerate(dilated_levels(32)):
            for o in level:
                expected[blk * 32 + o] = blk * 5 + lv + 1
    assert torch.equal(res.order[0], expected)
    assert int(res.remasked[0]) == 0


def low_at_2(p, n):
    return (target(p), 0.2 if p == 2 and n < 4 else 0.95)


def test_dus_remasks_low_confidence_and_the_reference_never_reschedules_it():
    # B = 8: levels {0, 4}, {2, 6}, {1, 3, 5, 7}; position 2 has confidence 0.2 < tau_r at level 2.
    ref = run(low_at_2, "dus", G=8)
    assert int(ref.nfe[0]) == 3 and int(ref.remasked[0]) == 1
    assert filled(ref, 2) == {0, 4, 6}  # 2 was committed and re-masked ...
    assert int(ref.tokens[0, 2]) == MASK  # ... and stays masked, as in the references
    # The corrected variant carries it into the next level.
    res = run(low_at_2, "dus", G=8, variant="corrected")
    assert int(res.nfe[0]) == 3 and int(res.remasked[0]) == 1
    assert filled(res, 2) == {0, 4, 6}
    assert int(res.order[0, 2]) == 3 and res.tokens[0].tolist() == right_tokens(8)
    # tau_r = 0 disables re-masking.
    assert int(run(low_at_2, "dus", G=8, tau_r=0.0).remasked[0]) == 0


# ---------------------------------------------------------------------------------- remdm
def test_remdm_plan_inserts_loop_steps_at_seven_eighths():
    assert remdm_plan(16, 4, 16, 2) == [4, 4, 4, 4, LOOP, LOOP]  # theta = 14 >= s: at the end
    assert remdm_plan(8, 8, 8, 1) == [1] * 7 + [LOOP, 1]  # theta = 7
    assert remdm_plan(2, 2, 2, 1) == [1, LOOP, 1]  # theta clamped to [1, B - 1]


CONF = [0.61, 0.93, 0.72, 0.55, 0.88, 0.97, 0.66, 0.81]


def fixed_conf(p, n):
    return (target(p), CONF[p % 8])


def test_remdm_nfe_and_remasks_the_least_confident_committed_slot():
    res = run(fixed_conf, "remdm", G=16, B=8, steps=8, remdm_steps=2)
    assert int(res.nfe[0]) == 8 + 2 * 2  # S + nb * R
    assert int(res.remasked[0]) == 2 * 2  # r = 1 per loop step
    assert res.tokens[0].tolist() == right_tokens(16)
    # Block 0, s = 4 steps of 2 tokens, theta = 7 >= 4: loops follow step 4. The slot with the
    # lowest confidence at commit (position 3, 0.55) is re-masked before each loop step.
    assert filled(res, 4) == set(range(8)) - {3}
    assert filled(res, 5) == set(range(8)) - {3}
    assert filled(res, 6) == set(range(8))


def test_remdm_has_no_corrected_variant():
    with pytest.raises(ConfigError, match="no corrected variant"):
        run(fixed_conf, "remdm", G=16, B=8, steps=4, variant="corrected")


# ---------------------------------------------------------------------------------- rcr
def test_maskgit_schedule_hand_values():
    assert maskgit_schedule(10, 4) == [3, 2, 3, 2]
    assert maskgit_schedule(8, 4) == [2, 2, 2, 2]
    assert maskgit_schedule(8, 2, "cosine") == [3, 5]
    assert maskgit_schedule(8, 2, "pow2") == [2, 6]  # 1 - 0.25 -> floor(6) = 6 masked
    for mode in ("linear", "cosine", "pow0.5", "log", "exp"):
        assert sum(maskgit_schedule(32, 8, mode)) == 32


def test_rcr_keeps_only_the_most_confident():
    res = run(fixed_conf, "rcr", G=8, steps=4)
    assert int(res.nfe[0]) == 4
    ranked = sorted(range(8), key=lambda p: -CONF[p])
    for step, N in zip(range(1, 5), (2, 4, 6, 8)):
        assert filled(res, step) == set(ranked[:N])
    assert res.tokens[0].tolist() == right_tokens(8)


def test_rcr_can_remask_slots_of_earlier_blocks():
    conf = [0.5, 0.99, 0.99, 0.99, 0.9, 0.9, 0.9, 0.9]
    res = run(lambda p, n: (target(p), conf[p]), "rcr", G=8, B=4, steps=4)
    # Block 1 step 0 fills 4..7 (0.9 each) and keeps the 2 best of 0..7: slot 0 (0.5) is re-masked.
    assert 0 not in filled(res, 3) and int(res.nfe[0]) == 4
    assert res.tokens[0].tolist() == right_tokens(8)


def test_rcr_running_false_is_plain_gamma_topk():
    res = run(fixed_conf, "rcr", G=8, steps=4, running=False)
    assert int(res.remasked[0]) == 0 and filled(res, 1) == {5, 1}


# ---------------------------------------------------------------------------------- wino
def trap(p, n):
    """Slot 0 is drafted wrongly (0.7) when nothing is known; with any context it is clear."""
    if p == 0:
        return (other(0), 0.7) if n == 0 else (target(0), 0.95)
    if p == 1:
        return target(1), 0.7 if n == 0 else 0.95
    return target(p), 0.5 if n == 0 else 0.95


def test_wino_revokes_a_token_with_low_back_confidence():
    res = run(trap, "wino", G=8, variant="corrected")
    # step 1 accepts slots 0 (wrong) and 1; step 2 accepts 5 more and the shadow of slot 0, which
    # now sees slot 1, gives the wrong token ~0 -> revoked; step 3 redrafts it correctly with 7.
    assert filled(res, 1) == {0, 1}
    assert int(res.history[0][0][0]) == other(0)
    assert filled(res, 2) == {1, 2, 3, 4, 5, 6}
    assert int(res.remasked[0]) == 1 and int(res.nfe[0]) == 3
    assert res.tokens[0].tolist() == right_tokens(8)
    # without verification the wrong token stays
    assert int(run(trap, "wino", G=8, tau2=0.0, variant="corrected").tokens[0, 0]) == other(0)


def test_wino_extended_attention_pattern():
    x = torch.tensor([[5, 6, MASK, MASK, MASK, MASK]])
    attn = torch.tensor([[0, 1, 1, 1, 1, 1]])
    ids, mask, pos = extended_inputs(x, attn, 2, 4, torch.tensor([2]), 2, torch.full((1, 2), MASK))
    m = mask[0, 0]
    assert ids.shape == (1, 8) and pos[0].tolist() == [0, 0, 1, 2, 3, 4, 3, 4]
    assert not m[:6, 6:].any()  # main rows never see the shadow block
    assert not m[:, 0].any()  # padding is never attended
    assert not m[6, 4] and not m[7, 5] and m[6, 5] and m[7, 4]  # shadow j hides its mirror only
    assert m[6:, 6:].all()


def test_wino_needs_a_4d_capable_model():
    with pytest.raises(ConfigError, match="4-D attention"):
        decode(lambda ids, attn: Toy(trap)(ids, attn), torch.full((1, P), 2), strategy="wino",
               gen_length=8, mask_id=MASK)


def test_wino_reference_shadow_candidates_completes():
    res = run(trap, "wino_dllm", G=8)  # the ParallelBench port: shadow slots draft too
    assert not (res.tokens == MASK).any()


# ---------------------------------------------------------------------------------- slowfast
def test_slowfast_spends_k_passes_in_the_slow_phase():
    rule = lambda p, n: (target(p), 0.95 if p < 4 else 0.1)  # noqa: E731
    res = run(rule, "slowfast", G=8)
    # The first slow pass commits 0..3 (>= 2 above tau_hi); span estimates 4, 1, 1 fix e = 1; the
    # next passes commit 4..7 one by one and the 6th finds nothing; the fast phase has no work.
    assert int(res.nfe[0]) == 6
    assert res.order[0].tolist() == [1, 1, 1, 1, 2, 3, 4, 5]


def test_slowfast_fast_phase_fills_the_span_in_parallel():
    rule = lambda p, n: (target(p), 0.5 if n < 6 else 0.95)  # noqa: E731
    res = run(rule, "slowfast", G=16)
    assert int(res.nfe[0]) == 7  # 6 slow passes (1 token each) + 1 fast pass for the other 10
    assert res.order[0].tolist() == [1, 2, 3, 4, 5, 6] + [7] * 10
    assert res.tokens[0].tolist() == right_tokens(16)


# ---------------------------------------------------------------------------------- klass
def flip(p, n):
    """Slots 0-3 have a fixed distribution; 4-7 flip their token with the parity of n_known."""
    if p < 4:
        return target(p), 0.95
    return (target(p) if n % 2 == 0 else other(p)), 0.95


def test_klass_commits_only_kl_stable_confident_positions():
    res = run(flip, "klass", G=8)
    # steps 1-2: nothing stable yet (H = 2) -> 1 token fallback; step 3: 2 and 3 are stable;
    # 4..7 never are -> one token per step by confidence.
    assert res.order[0].tolist() == [1, 2, 3, 3, 4, 5, 6, 7]
    assert res.tokens[0].tolist()[4:] == [target(4), other(5), target(6), other(7)]
    thr = decode(Toy(flip), torch.full((1, P), 2), strategy="confidence-threshold", gen_length=8,
                 mask_id=MASK)
    assert int(thr.nfe[0]) == 1  # all confident: threshold alone would commit everything at once


def test_klass_fallback_follows_the_schedule_and_options():
    res = run(flip, "klass", G=8, steps=4)  # fallback commits 2 per step
    assert res.order[0].tolist() == [1, 1, 2, 2, 3, 3, 3, 3]
    loose = run(flip, "klass", G=8, tau_kl=1e9)  # every position stable from the 2nd step on
    assert res.tokens.shape == loose.tokens.shape and int(loose.nfe[0]) == 2
    for how in ("max_conf", "min_kl", "random"):  # one ready position per step
        one = run(flip, "klass", G=8, tau_kl=1e9, unmask_strategy=how)
        assert int(one.nfe[0]) == 8 and int(one.order[0].max()) == 8


# ---------------------------------------------------------------------------------- batches
@pytest.mark.parametrize("strategy, rules, kw", [
    ("wino", (trap, fixed_conf), {}),
    ("dus", (low_at_2, fixed_conf), {}),
    ("remdm", (fixed_conf, trap), {"steps": 8, "remdm_steps": 2}),
    ("rcr", (fixed_conf, trap), {"steps": 4}),
    ("klass", (flip, trap), {}),
    ("slowfast", (trap, low_at_2), {}),
])
def test_rows_with_different_behaviour_decode_as_alone(strategy, rules, kw):
    prompts = torch.tensor([[2] * P, [3] * P])
    model = Toy({2: rules[0], 3: rules[1]})
    batch = decode(model, prompts, strategy=strategy, gen_length=16, block_length=8, mask_id=MASK, **kw)
    assert int(batch.nfe.max()) == model.calls
    for i in range(2):
        alone = decode(Toy(rules[i]), prompts[i : i + 1], strategy=strategy, gen_length=16,
                       block_length=8, mask_id=MASK, **kw)
        for name in ("tokens", "nfe", "order", "remasked"):
            assert torch.equal(getattr(alone, name)[0], getattr(batch, name)[i]), (name, i)


# ---------------------------------------------------------------------------------- config
@pytest.mark.parametrize("strategy, kw, match", [
    ("klass", {"tau_kl": -1}, "tau_kl"),
    ("klass", {"unmask_strategy": "best"}, "unmask_strategy"),
    ("slowfast", {"explore_steps": 0}, "explore_steps"),
    ("dus", {"base": 0}, "base"),
    ("dus", {"tau_r": 2}, "tau_r"),
    ("wino", {"tau1": "high"}, "tau1"),
    ("remdm", {"remdm_number": 0}, "remdm_number"),
    ("rcr", {"gamma_schedule": "square"}, "gamma_schedule"),
    ("rcr", {"temperature": 0.7}, "temperature"),
    ("remdm", {}, "needs steps or k"),
    ("dus", {"nonsense": 1}, "unknown parameter"),
])
def test_bad_settings_raise_config_error(strategy, kw, match):
    kw = {"steps": 8, **kw} if strategy in ("rcr", "remdm") and match != "needs steps or k" else kw
    with pytest.raises(ConfigError, match=match):
        decode(Toy(fixed_conf), torch.full((1, P), 2), strategy=strategy, gen_length=8,
               mask_id=MASK, **kw)


def test_aliases_and_flags():
    assert get_strategy("wino_dllm") is get_strategy("wino")
    assert get_strategy("low_confidence_remdm") is get_strategy("remdm")
    assert get_strategy("low_confidence_rcr") is get_strategy("rcr")
    assert all(get_strategy(s).revises for s in ("wino", "remdm", "rcr", "dus"))
    assert get_strategy("remdm").fixed_count and get_strategy("rcr").fixed_count
    assert not any(get_strategy(s).fixed_count for s in ("klass", "slowfast", "dus", "wino"))
