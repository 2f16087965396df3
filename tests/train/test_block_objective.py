"""Block-diffusion SFT (LLaDA2): the BD3-LM mask, the LLaDA weighting, and every block predicted
exactly as the sampler's block-causal forward predicts it (real LLaDA2 architecture, tiny)."""
from __future__ import annotations

import math

import torch

from parallelbench.train.block_objective import bd3_mask, block_sft_loss, pad_to_blocks
from parallelbench.train.objective import add_noise, sft_loss

MASK, EOS = 9, 7


def test_mask_a_noisy_block_sees_itself_and_the_clean_blocks_before_it():
    L, block = 6, 2
    keep = bd3_mask(L, block)
    blocks = torch.arange(L) // block
    for q in range(2 * L):
        qb, q_clean = blocks[q % L], q >= L
        for k in range(2 * L):
            kb, k_clean = blocks[k % L], k >= L
            if q_clean:  # the sampler's block-causal mask over the clean copy
                expected = k_clean and kb <= qb
            else:
                expected = (not k_clean and kb == qb) or (k_clean and kb < qb)
            assert bool(keep[q, k]) == expected, (q, k)


def test_padding_to_whole_blocks_with_eos():
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    assert pad_to_blocks(ids, 4, EOS).tolist() == [[1, 2, 3, 4, 5, EOS, EOS, EOS]]
    assert pad_to_blocks(ids, 5, EOS) is ids


def test_weighting_is_the_llada_recipes():
    # A model that ignores its attention: the block loss is then the masked objective's loss on
    # the block-padded sequence, weight 1 / t per masked token, per-sequence response length.
    torch.manual_seed(0)
    ids = torch.randint(0, 8, (3, 10))
    plen = torch.tensor([2, 5, 7])
    table = torch.randn(3, 12, 10)

    def call(x, keep, positions):
        assert x.shape == (3, 24) and keep.shape == (3, 1, 24, 24) and keep.dtype == torch.bool
        assert torch.equal(positions[0], torch.arange(12).repeat(2))
        assert torch.equal(x[:, 12:], pad_to_blocks(ids, 4, EOS))  # the clean copy
        return torch.cat([table, torch.zeros_like(table)], 1)

    loss, count = block_sft_loss(call, ids, plen, MASK, EOS, 4, torch.Generator().manual_seed(3),
                                 eps=1e-3)
    ref, ref_count = sft_loss(lambda x: table.clone(), pad_to_blocks(ids, 4, EOS), plen, MASK,
                              torch.Generator().manual_seed(3))
    assert count == ref_count > 0 and math.isclose(float(loss), float(ref), rel_tol=1e-6)
    again, _ = block_sft_loss(call, ids, plen, MASK, EOS, 4, torch.Generator().manual_seed(3),
                              eps=1e-3)
    assert float(again) == float(loss)  # seeded


def test_every_block_is_predicted_as_the_sampler_predicts_it(kit_model):
    from parallelbench.train.hf import HFTrainable

    trainable = HFTrainable(kit_model("llada2"), trust_remote_code=True)
    trainable.set_train(False)
    backend = trainable.adapter.kv_backend  # the sampler's block-causal forward for LLaDA2
    assert trainable.objective == "block_diffusion" and backend.causal_blocks
    block, mask = 4, trainable.mask_id
    ids = torch.randint(10, 100, (2, 12), generator=torch.Generator().manual_seed(0))
    plen = torch.tensor([3, 6])
    seen = {}

    def call(x, keep, positions):
        seen["logits"] = trainable.model(input_ids=x, attention_mask=keep,
                                         position_ids=positions).logits
        return seen["logits"].clone()

    with torch.no_grad():
        block_sft_loss(call, ids, plen, mask, trainable.eos_id, block,
                       torch.Generator().manual_seed(5), eps=1e-3)
        noisy, masked, _ = add_noise(ids, plen, mask, torch.Generator().manual_seed(5))
        assert masked.any()
        for b in range(3):
            s, e = b * block, (b + 1) * block
            x = torch.cat([ids[:, :s], noisy[:, s:e]], 1)  # clean blocks before, block b noisy
            ref, _ = backend.forward(x, torch.ones_like(x), logits_range=(s, e), block=block)
            torch.testing.assert_close(seen["logits"][:, s:e], ref, rtol=1e-4, atol=1e-4)
        # Full bidirectional attention (the masked objective) would predict block 0 otherwise.
        full = trainable.model(input_ids=noisy).logits[:, :block]
        assert not torch.allclose(full, seen["logits"][:, :block], atol=1e-3)


def test_block_length_comes_from_the_decoding_settings(kit_model):
    import pytest

    from parallelbench.errors import ConfigError
    from parallelbench.train.hf import HFTrainable

    folder = kit_model("llada2")
    assert HFTrainable(folder, trust_remote_code=True).block_length == 32  # the family default
    assert HFTrainable(folder, trust_remote_code=True,
                       decoding={"block_length": 8}).block_length == 8
    with pytest.raises(ConfigError, match="block_length must be a positive integer"):
        HFTrainable(folder, trust_remote_code=True, decoding={"block_length": 0})
