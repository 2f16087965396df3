"""The real dLLM modelling code loads under transformers 5 through ``hf-dllm``.

Each family's tiny checkpoint (tests/models/upstream_kit.py: the upstream files, 2 layers,
hidden 64, random weights) is loaded through our loader; its weights must equal the saved
safetensors tensor for tensor, and its logits those of the same class built directly from the
config with that state dict. DiffusionGemma is native in transformers and runs everywhere.
"""
from __future__ import annotations

import sys

import pytest
import torch

import upstream_kit
from parallelbench.models import compat, get_model
from parallelbench.models._mask_utils import (AttentionMaskConverter, _prepare_4d_causal_attention_mask,
                                              _prepare_4d_causal_attention_mask_for_sdpa)

REMOTE = ["llada", "fast_dllm_llada", "llada_moe", "llada2", "dream"]


def _prompt(seed: int = 0, batch: int = 2, length: int = 12) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(8, upstream_kit.VOCAB_SIZE, (batch, length), generator=gen)


@pytest.mark.parametrize("name", REMOTE)
def test_remote_family_loads_weights_and_logits_exactly(kit_checkpoints, name):
    path = kit_checkpoints.path(name)
    backend = get_model(f"hf-dllm:{path}", trust_remote_code=True, device="cpu")
    model = backend.model
    saved = upstream_kit.saved_state(path)
    loaded = model.state_dict()
    assert set(saved) == set(loaded)
    for key, tensor in saved.items():
        assert torch.equal(loaded[key], tensor), key
    direct = upstream_kit.instantiate(path)
    direct.load_state_dict(saved)
    x = _prompt()
    with torch.no_grad():
        got, want = model(x).logits, direct(x).logits
    assert got.shape == (2, 12, upstream_kit.VOCAB_SIZE)
    assert torch.equal(got, want)
    assert got.std() > 0.5  # real, varied logits (no uninitialised buffers, no constant output)


def test_rotary_buffers_are_recomputed_after_loading(kit_checkpoints):
    """transformers 5 leaves non-persistent buffers uninitialised for remote code; the layer
    recomputes them as the module's __init__ did (patch 8)."""
    path = kit_checkpoints.path("dream")
    model = compat.load_remote(path, dtype=torch.float32)
    direct = upstream_kit.instantiate(path)
    buffers = dict(direct.named_buffers())
    rotary = [k for k in buffers if k.endswith("inv_freq")]
    assert rotary
    for key in rotary:
        assert torch.equal(dict(model.named_buffers())[key], buffers[key]), key


def test_shims_leave_transformers_itself_alone(kit_checkpoints):
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    kit_checkpoints.path("dream")  # loads remote code, so the shims are installed
    assert "default" not in ROPE_INIT_FUNCTIONS  # only the remote module's copy has it
    module = sys.modules.get("transformers.modeling_attn_mask_utils")
    assert module is not None and module.AttentionMaskConverter is AttentionMaskConverter


def test_config_generation_keys_restored(kit_checkpoints):
    """5.x drops ``use_cache`` from LLaDA's config; LLaDA's forward needs its saved ``false``."""
    cls, config = compat.remote_class(kit_checkpoints.path("llada"))
    assert config.use_cache is False


def test_diffusion_gemma_loads_natively(tmp_path):
    import transformers
    from safetensors.torch import load_file

    path = upstream_kit.build("diffusion_gemma", tmp_path / "dg")
    backend = get_model(f"hf-dllm:{path}", device="cpu")  # no remote code: no trust needed
    model = backend.model
    assert type(model).__name__ == "DiffusionGemmaForBlockDiffusion"
    saved = {}
    for file in path.glob("*.safetensors"):
        saved.update(load_file(str(file)))
    loaded = model.state_dict()
    for key, tensor in saved.items():
        assert torch.equal(loaded[key], tensor), key
    config = transformers.AutoConfig.from_pretrained(path)
    direct = transformers.DiffusionGemmaForBlockDiffusion(config).eval()
    direct.load_state_dict(saved, strict=False)
    direct.tie_weights()
    prompt, canvas = _prompt(1, length=10), _prompt(2, length=config.canvas_length)
    with torch.no_grad():
        got = model(input_ids=prompt, decoder_input_ids=canvas).logits
        want = direct(input_ids=prompt, decoder_input_ids=canvas).logits
    assert got.shape == (2, config.canvas_length, upstream_kit.VOCAB_SIZE)
    assert torch.equal(got, want) and got.std() > 0


# ---- the restated 4.x attention-mask helpers (shim for transformers.modeling_attn_mask_utils)

MIN = torch.finfo(torch.float32).min


def test_padding_mask_to_4d():
    mask = torch.tensor([[0, 1, 1]])
    out = AttentionMaskConverter(is_causal=False).to_4d(mask, 2, dtype=torch.float32)
    assert out.shape == (1, 1, 2, 3)
    assert out[0, 0].tolist() == [[MIN, 0.0, 0.0], [MIN, 0.0, 0.0]]


def test_causal_masks():
    embeds = torch.zeros(1, 3, 4)
    causal = _prepare_4d_causal_attention_mask(None, (1, 3), embeds, 0)
    assert causal[0, 0].tolist() == [[0.0, MIN, MIN], [0.0, 0.0, MIN], [0.0, 0.0, 0.0]]
    padded = _prepare_4d_causal_attention_mask(torch.tensor([[0, 1, 1]]), (1, 3), embeds, 0)
    assert padded[0, 0].tolist() == [[MIN, MIN, MIN], [MIN, 0.0, MIN], [MIN, 0.0, 0.0]]
    with_past = _prepare_4d_causal_attention_mask(None, (1, 2), embeds[:, :2], 1)
    assert with_past[0, 0].tolist() == [[0.0, 0.0, MIN], [0.0, 0.0, 0.0]]


def test_sdpa_mask_is_none_when_nothing_is_masked():
    """4.x returned None here; LLaDA2's attention then runs without a mask (bidirectional)."""
    embeds = torch.zeros(2, 3, 4)
    assert _prepare_4d_causal_attention_mask_for_sdpa(None, (2, 3), embeds, 0) is None
    assert _prepare_4d_causal_attention_mask_for_sdpa(torch.ones(2, 3), (2, 3), embeds, 0) is None
    four_d = torch.ones(2, 1, 3, 3, dtype=torch.bool)
    assert _prepare_4d_causal_attention_mask_for_sdpa(four_d, (2, 3), embeds, 0) is four_d
    padded = _prepare_4d_causal_attention_mask_for_sdpa(torch.tensor([[1, 1, 1], [0, 1, 1]]), (2, 3), embeds, 0)
    assert padded.shape == (2, 1, 3, 3) and padded[1, 0, 2].tolist() == [MIN, 0.0, 0.0]
