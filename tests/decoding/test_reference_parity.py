"""Every strategy with its default settings decodes exactly as its reference: the same tokens, the
same decoding order (step of each commit) and the same number of forward passes. References are
the upstream samplers in ../shared/upstream (Fast-dLLM's LLaDA ``generate``, Dream's ``_sample``)
and re-statements of the ParallelBench, PC-Sampler and EB-Sampler loops (reference_cases*.py);
``benchmarks/reference_parity.py`` prints the per-strategy counts."""
from __future__ import annotations

import pytest
import torch

import reference_kit as kit

pytestmark = pytest.mark.skipif(not kit.available(), reason="../shared/upstream is not present")

if kit.available():
    from reference_cases import Case, llada, ours
    from reference_cases_restated import all_cases
    import reference_restated as rs

    CASES = all_cases()
else:  # collected but skipped
    CASES = []


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_default_settings_reproduce_the_reference(case: "Case"):
    (tokens, order, nfe), (our_tokens, our_order, our_nfe) = case.run()
    assert torch.equal(our_tokens, tokens), "tokens differ"
    assert torch.equal(our_order, order), "decoding order differs"
    assert our_nfe == nfe


# Strategies that only run on one model family: their parity with the family's own sampler is
# tested next to that family's cache/canvas backend.
FAMILY_STRATEGIES = {
    "llada2": "tests/models/test_kv_llada2.py (dllm's LLaDA2 sampler, restated)",
    "native": "tests/models/test_kv_diffusion_gemma.py (DiffusionGemma's model.generate)",
}


def test_every_strategy_has_parity_cases():
    from parallelbench.decoding import list_strategies

    covered = {c.strategy for c in CASES}
    assert covered | set(FAMILY_STRATEGIES) == set(list_strategies())
    assert not covered & set(FAMILY_STRATEGIES)


def test_bf16_threshold_one_needs_the_models_dtype():
    """At threshold 1.0 the references' bf16 softmax rounds probabilities near 1 to 1.0 and commits
    them together; with an upcast (float32) only one token per step passes."""
    model, x = llada(torch.bfloat16), kit.prompt(0)
    rec = kit.Recording(x.shape[1], 16)
    reference, ref_order, ref_nfe = rec.trace(rs.pb_generate(rec.wrap(model), x, 16, 8, threshold=1.0))
    kw = dict(strategy="confidence-threshold", threshold=1.0, block_length=8)
    faithful = ours(model, x, 16, **kw)
    upcast = ours(model, x, 16, **kw, confidence_dtype="float32")
    assert torch.equal(faithful.tokens[0], reference) and torch.equal(faithful.order[0], ref_order)
    assert ref_nfe < 16 and int(faithful.nfe[0]) == ref_nfe  # several tokens in some step
    assert int(upcast.nfe[0]) == 16  # one per step
    assert not torch.equal(upcast.order[0], ref_order)


def test_bf16_fast_dllm_loops_take_the_softmax_in_float64():
    """Fast-dLLM's own loops upcast to float64 before the softmax, unlike the ParallelBench
    reference: ``confidence_dtype='float64'`` reproduces them on a bf16 model where the family
    default (``model``) does not."""
    model, x = llada(torch.bfloat16), kit.prompt(0)
    rec = kit.Recording(x.shape[1], 16)
    out, nfe = kit.fast_dllm().generate(rec.wrap(model), x, steps=16, gen_length=16, block_length=8,
                                        mask_id=kit.MASK, threshold=1.0)
    reference, ref_order, _ = rec.trace(out[0, x.shape[1]:])
    kw = dict(strategy="confidence-threshold", threshold=1.0, block_length=8)
    as_fast_dllm = ours(model, x, 16, **kw, confidence_dtype="float64")
    assert torch.equal(as_fast_dllm.tokens[0], reference) and torch.equal(as_fast_dllm.order[0], ref_order)
    assert not torch.equal(ours(model, x, 16, **kw).order[0], ref_order)
