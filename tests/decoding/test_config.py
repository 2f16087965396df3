"""DecodeConfig: building, serialising, every invalid combination failing before any forward pass,
and the strategy registry's ids and aliases."""
from __future__ import annotations

import json

import pytest
import torch

from decoding_testkit import MASK, TableModel, V, log_dist
from parallelbench.decoding import DecodeConfig, decode, get_strategy, list_strategies
from parallelbench.errors import ConfigError, ParallelBenchError

LEADERBOARD_IDS = {"random", "l2r", "confidence-topk", "topk-margin", "entropy-topk",
                   "confidence-threshold", "confidence-factor", "eb", "klass", "slowfast", "dus",
                   "wino", "pc", "remdm", "rcr"}


class NoCallModel:
    """Fails the test if the sampler ever calls it: errors must come before any forward pass."""

    def __call__(self, *args, **kwargs):
        raise AssertionError("the model was called although the configuration is invalid")


def test_build_merges_dict_object_and_overrides_and_routes_unknown_keys_to_params():
    cfg = DecodeConfig.build({"strategy": "eb", "gen_length": 16, "gamma": 0.5}, mask_id=3, seed=7)
    assert (cfg.strategy, cfg.gen_length, cfg.mask_id, cfg.seed) == ("eb", 16, 3, 7)
    assert cfg.params == {"gamma": 0.5}
    again = DecodeConfig.build(cfg, order="margin", params={"gamma": 0.2})
    assert again.params == {"gamma": 0.2, "order": "margin"} and again.gen_length == 16
    assert cfg.params == {"gamma": 0.5}  # building from an object never mutates it
    with pytest.raises(ConfigError, match="config must be a DecodeConfig or a dict"):
        DecodeConfig.build(["strategy", "eb"])


def test_to_dict_is_json_and_round_trips():
    cfg = DecodeConfig.build(strategy="pc", gen_length=8, steps=8, mask_id=MASK, seed=(1, 2),
                             background=torch.arange(1, V + 1, dtype=torch.float64))
    d = cfg.to_dict()
    text = json.dumps(d, sort_keys=True)  # what the runner hashes
    assert d["seed"] == [1, 2] and d["params"]["background"][:3] == [1.0, 2.0, 3.0]
    back = DecodeConfig.build(json.loads(text))
    assert json.dumps(back.to_dict(), sort_keys=True) == text


GOOD = dict(strategy="confidence-topk", gen_length=32, steps=8, mask_id=MASK)
BAD = [
    (dict(steps=6, block_length=8), "not divisible by the number of blocks 4"),
    (dict(gen_length=30, block_length=8), "not a multiple of block_length 8"),
    (dict(steps=None, k=0), "k must be >= 1"),
    (dict(k=2), "either steps or k"),
    (dict(steps=40), r"steps must be in \[1, gen_length=32\]"),
    (dict(steps=0), "steps must be in"),
    (dict(steps=None), "needs steps or k"),
    (dict(mask_id=None), "mask_id is required"),
    (dict(strategy="nope"), "unknown strategy 'nope'"),
    (dict(strategy="confidence-threshold", threshold=0.0), r"threshold must be in \(0, 1\]"),
    (dict(strategy="confidence-threshold", threshold=1.5), r"threshold must be in \(0, 1\]"),
    (dict(strategy="confidence-factor"), "needs factor"),
    (dict(strategy="confidence-factor", factor=0.0), "factor must be > 0"),
    (dict(temperature=-0.5), "temperature must be >= 0"),
    (dict(temperature=float("nan")), "temperature must be >= 0"),
    (dict(tie_break="left"), "tie_break must be"),
    (dict(schedule="cosine"), "schedule must be"),
    (dict(noise_convention="plain"), "unknown noise_convention"),
    (dict(gen_length=32.0), "gen_length must be an integer"),
    (dict(seed="abc"), "seed must be an integer"),
    (dict(seed=[1, 2, 3]), "seed has 3 entries but the batch has 2 rows"),
    (dict(wibble=1), r"unknown parameter\(s\) wibble for strategy 'confidence-topk'"),
    (dict(strategy="eb", steps=None, gamma=-1.0), "gamma must be a number >= 0"),
    (dict(strategy="eb", steps=None, order="position"), "order must be one of"),
    (dict(strategy="origin", eps=1.0), r"eps must be in \[0, 1\)"),
    (dict(strategy="pc", score="margin"), "score must be one of"),
    (dict(strategy="pc", variant="margin"), "variant must be 'reference' or 'corrected'"),
    (dict(strategy="confidence-topk", variant="corrected"), "no corrected variant"),
    (dict(strategy="confidence-topk", confidence_dtype="float16"), "confidence_dtype must be"),
    (dict(strategy="pc", lam=-1.0), "lam must be a finite number >= 0"),
    (dict(strategy="pc", position="cosine"), "position must be one of"),
]


@pytest.mark.parametrize("overrides,message", BAD, ids=[m for _, m in BAD])
def test_invalid_configs_fail_before_any_forward_pass(overrides, message):
    prompts = torch.ones(2, 3, dtype=torch.long)
    with pytest.raises(ConfigError, match=message) as info:
        decode(NoCallModel(), prompts, **{**GOOD, **overrides})
    assert isinstance(info.value, ParallelBenchError) and "\n" not in str(info.value)


@pytest.mark.parametrize("call,message", [
    (lambda: decode(NoCallModel(), torch.ones(4, dtype=torch.long), **GOOD), "input_ids must be"),
    (lambda: decode(NoCallModel(), torch.ones(2, 3), **GOOD), "input_ids must be an integer"),
    (lambda: decode(NoCallModel(), torch.ones(2, 3, dtype=torch.long), torch.ones(2, 4), **GOOD),
     "attention_mask must match"),
    (lambda: decode(NoCallModel(), torch.ones(2, 3, dtype=torch.long), canvas=torch.ones(3, 8, dtype=torch.long),
                    **GOOD), "canvas must be"),
    (lambda: decode(NoCallModel(), torch.ones(2, 0, dtype=torch.long), shift_logits=True, **GOOD),
     "shift_logits needs a non-empty prompt"),
    (lambda: decode(NoCallModel(), torch.ones(1, 3, dtype=torch.long), strategy="pc", gen_length=8, steps=8,
                    mask_id=MASK, background={"x": 1}), "is not a token id"),
])
def test_bad_inputs_fail_before_any_forward_pass(call, message):
    with pytest.raises(ConfigError, match=message):
        call()


def test_registry_has_every_leaderboard_id_plus_origin():
    # plus the family-native rules: Dream's origin, LLaDA2's rule and DiffusionGemma's sampler
    assert set(list_strategies()) == LEADERBOARD_IDS | {"origin", "llada2", "native"}
    names = list_strategies(include_aliases=True)
    assert set(names) > set(list_strategies()) and len(names) == len(set(names))


@pytest.mark.parametrize("alias,target", [
    # DECODING.md's descriptive ids and the ParallelBench code's names are accepted as aliases.
    ("topk_confidence", "confidence-topk"), ("low_confidence", "confidence-topk"),
    ("maskgit_plus", "confidence-topk"), ("confidence_topk", "confidence-topk"),
    ("topk_margin", "topk-margin"), ("topk_entropy", "entropy-topk"), ("entropy", "entropy-topk"),
    ("topk_random", "random"), ("left_to_right", "l2r"), ("threshold", "confidence-threshold"),
    ("confidence_threshold", "confidence-threshold"), ("factor", "confidence-factor"),
    ("eb_sampler", "eb"), ("dream_origin", "origin"), ("pc_sampler", "pc"),
    ("pc_sampler_confidence", "pc"), ("wino_dllm", "wino"), ("low_confidence_remdm", "remdm"),
    ("low_confidence_rcr", "rcr"),
])
def test_aliases_resolve_to_their_strategy(alias, target):
    assert get_strategy(alias) is get_strategy(target) and get_strategy(alias).id == target


def test_alias_decodes_exactly_like_its_id():
    g = torch.Generator().manual_seed(0)
    table = torch.stack([log_dist({int(t): float(c)}) for t, c in
                         zip(torch.randint(0, MASK, (8,), generator=g), torch.rand(8, generator=g) * 0.8 + 0.1)])
    prompts = torch.ones(1, 2, dtype=torch.long)
    for alias, target, kw in [("low_confidence", "confidence-topk", {"steps": 4}),
                              ("eb_sampler", "eb", {"gamma": 0.5}),
                              ("dream_origin", "origin", {"steps": 4, "seed": 3})]:
        a = decode(TableModel(table, 8), prompts, strategy=alias, gen_length=8, mask_id=MASK, **kw)
        b = decode(TableModel(table, 8), prompts, strategy=target, gen_length=8, mask_id=MASK, **kw)
        assert torch.equal(a.tokens, b.tokens) and torch.equal(a.order, b.order)
