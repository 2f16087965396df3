"""The KV cache and the block modes end to end through ``hf-dllm`` (checkpoints loaded by path)."""
from __future__ import annotations

import pytest

from parallelbench.errors import ConfigError
from parallelbench.models import GenerationRequest, get_model


def _request(text, max_tokens=16, **decoding):
    return GenerationRequest(messages=[{"role": "user", "content": text}], max_tokens=max_tokens,
                             decoding=decoding, seed=0)


def test_fast_dllm_llada_with_cache(kit_checkpoints):
    path = kit_checkpoints.path("fast_dllm_llada")
    backend = get_model(f"hf-dllm:{path}", trust_remote_code=True, device="cpu")
    gens = {}
    for cache in ("none", "prefix", "dual"):
        [gens[cache]] = backend.generate([_request("copy a b c", strategy="confidence-topk", k=2,
                                                   block_length=8, cache=cache)])
    for gen in gens.values():
        assert gen.error is None and len(gen.token_ids) == 16 and gen.nfe == 8
        assert gen.extra["device"] == "cpu" and gen.extra["dtype"] == "float32"


def test_model_without_cache_support_says_so(kit_checkpoints):
    backend = get_model(f"hf-dllm:{kit_checkpoints.path('llada')}", trust_remote_code=True, device="cpu")
    with pytest.raises(ConfigError, match="cannot use cache='prefix'.*LLaDAModelLM"):
        backend.generate([_request("copy a b c", strategy="confidence-topk", k=2, cache="prefix")])


def test_block_families_decode_through_hf_dllm(kit_checkpoints):
    for name, decoding in (("llada2", {"strategy": "llada2", "block_length": 8, "steps_per_block": 4,
                                       "cache": "prefix"}),
                           ("diffusion_gemma", {"strategy": "confidence-threshold", "threshold": 0.5})):
        backend = get_model(f"hf-dllm:{kit_checkpoints.path(name)}", trust_remote_code=True, device="cpu")
        [gen] = backend.generate([_request("copy a b c", max_tokens=20, **decoding)])
        assert gen.error is None and len(gen.token_ids) == 20 and gen.nfe >= 1
        assert backend.family.mask_id not in gen.token_ids


def test_llada2_defaults_to_blocks_of_32_with_the_exact_block_cache(kit_checkpoints):
    """LLaDA2's family defaults: blocks of 32 and the committed-block cache, which is exact, so
    the tokens equal an uncached run; the record's cache field says what was used."""
    backend = get_model(f"hf-dllm:{kit_checkpoints.path('llada2')}", trust_remote_code=True, device="cpu")
    assert backend.decode_config(_request("x", max_tokens=64), [0])["block_length"] == 32
    [default] = backend.generate([_request("copy a b c", max_tokens=64, strategy="llada2", steps_per_block=8)])
    [plain] = backend.generate([_request("copy a b c", max_tokens=64, strategy="llada2", steps_per_block=8,
                                         cache="none")])
    assert default.extra["cache"] == "prefix" and plain.extra["cache"] == "none"
    assert default.token_ids == plain.token_ids and default.nfe == plain.nfe
