"""``is_reference_faithful``: which decoding configs reproduce the references, and why not."""
from __future__ import annotations

import pytest

from parallelbench.decoding import DecodeConfig, corrected_variants, is_reference_faithful, list_strategies
from parallelbench.errors import ConfigError


@pytest.mark.parametrize("strategy", list_strategies())
def test_every_strategy_is_faithful_with_its_defaults(strategy):
    assert is_reference_faithful({"strategy": strategy}) == (True, [])
    assert is_reference_faithful({"strategy": strategy, "variant": "reference"}) == (True, [])


def test_corrected_variants_are_named_and_not_faithful():
    variants = corrected_variants()
    assert set(variants) == {"confidence-factor", "dus", "wino", "klass", "slowfast", "origin"}
    for strategy, what in variants.items():
        ok, reasons = is_reference_faithful({"strategy": strategy, "variant": "corrected"})
        assert not ok and len(reasons) == 1
        assert reasons[0].startswith(f"{strategy}: variant=corrected") and what[0] in reasons[0]


def test_other_deviations_are_listed_one_by_one():
    ok, reasons = is_reference_faithful({"strategy": "confidence-threshold", "threshold": 0.9,
                                         "confidence_dtype": "float32", "suppress_mask": False,
                                         "tie_break": "random"})
    assert not ok and len(reasons) == 3
    assert any("confidence_dtype=float32" in r for r in reasons)
    assert any("suppress_mask" in r for r in reasons) and any("tie_break" in r for r in reasons)
    # a strategy whose reference fixes its precision ignores confidence_dtype
    assert is_reference_faithful({"strategy": "klass", "confidence_dtype": "float32"})[0]
    # the Dream schedule: exact evaluation deviates, the float32 one is the reference
    exact = is_reference_faithful({"strategy": "confidence-topk", "k": 2, "schedule": "dream_exact"})
    assert not exact[0] and "float32" in exact[1][0]
    assert is_reference_faithful({"strategy": "confidence-topk", "k": 2, "schedule": "dream"})[0]
    assert is_reference_faithful({"strategy": "confidence-threshold", "schedule": "dream"})[0]  # no schedule used


def test_inputs():
    assert is_reference_faithful(None) == (True, [])
    assert is_reference_faithful({"strategy": "none"}) == (True, [])  # AR / API models
    cfg = DecodeConfig.build(strategy="confidence-factor", factor=1.0, mask_id=3, variant="corrected")
    assert not is_reference_faithful(cfg)[0]
    assert is_reference_faithful(cfg, variant="reference")[0]  # keyword overrides merge in
    with pytest.raises(ConfigError, match="unknown strategy"):
        is_reference_faithful({"strategy": "nope"})
    with pytest.raises(ConfigError, match="DecodeConfig or a dict"):
        is_reference_faithful("confidence-topk")
