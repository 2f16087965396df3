"""Family detection, left-padded batches and bf16 on the tiny real-architecture checkpoints."""
from __future__ import annotations

import types

import pytest
import torch

import upstream_kit
from parallelbench.errors import ConfigError
from parallelbench.models import GenerationRequest, get_model
from parallelbench.models.families import FAMILIES, detect_family, family_name

# kit checkpoint -> (family, shift, convention)
EXPECTED = {
    "llada": ("llada", False, "llada"),
    "fast_dllm_llada": ("llada", False, "llada"),
    "llada_moe": ("llada_moe", False, "llada"),
    "llada2": ("llada2", False, "llada2"),
    "dream": ("dream", True, "dream"),
}
DECODABLE = list(EXPECTED)  # DiffusionGemma decodes canvas by canvas (the sampler's canvas mode)


def _request(text, max_tokens=16, seed=0, **decoding):
    decoding = decoding or {"strategy": "confidence-topk", "k": 2}
    return GenerationRequest(messages=[{"role": "user", "content": text}], max_tokens=max_tokens,
                             decoding=decoding, seed=seed)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_detection_on_real_checkpoints(kit_checkpoints, name):
    backend = get_model(f"hf-dllm:{kit_checkpoints.path(name)}", trust_remote_code=True)
    ids = upstream_kit.special_ids(name)
    family, shift, convention = EXPECTED[name]
    info = backend.info()
    assert (info["family"], info["shift_logits"], info["convention"]) == (family, shift, convention)
    assert (info["mask_id"], info["eos_id"], info["pad_id"]) == (ids["mask"], ids["eos"], ids["pad"])
    assert ids["eot"] in info["stop_ids"] and ids["eos"] in info["stop_ids"]
    assert backend.family.decoding == FAMILIES[family].decoding


def test_diffusion_gemma_detection(tmp_path):
    path = upstream_kit.build("diffusion_gemma", tmp_path / "dg")
    backend = get_model(f"hf-dllm:{path}")
    ids = upstream_kit.special_ids("diffusion_gemma")
    assert backend.family.name == "diffusion_gemma"
    assert backend.family.convention == "encoder_decoder" and not backend.family.shift_logits
    # its ids live in the text config / tokenizer (<mask>, <eos>, <pad>, <end_of_turn>)
    assert (backend.family.mask_id, backend.family.eos_id, backend.family.pad_id) == (
        ids["mask"], ids["eos"], ids["pad"])
    assert ids["eot"] in backend.family.stop_ids
    with pytest.raises(ConfigError, match="one canvas at a time"):
        backend.adapter(torch.tensor([[5, 6, 7]]), torch.ones(1, 3, dtype=torch.long))


@pytest.mark.parametrize("model_type,archs,family", [
    ("llada", ["LLaDAModelLM"], "llada"),            # LLaDA 8B, LLaDA 1.5, iLLaDA
    ("lladamoe", ["LLaDAMoEModelLM"], "llada_moe"),
    ("llada2_moe", ["LLaDA2MoeModelLM"], "llada2"),  # LLaDA2.0 / 2.1
    ("Dream", ["DreamModel"], "dream"),              # Dream, DiffuCoder, Dream-Coder
    ("diffusion_gemma", ["DiffusionGemmaForBlockDiffusion"], "diffusion_gemma"),
    ("bert", ["BertForMaskedLM"], "generic"),
])
def test_family_name_from_config(model_type, archs, family):
    assert family_name(types.SimpleNamespace(model_type=model_type, architectures=archs)) == family


def test_published_ids_when_the_checkpoint_names_none():
    """Hub ids are the fallback when neither config nor tokenizer says (a bare tokenizer)."""
    class BareTokenizer:
        mask_token_id = eos_token_id = pad_token_id = None

        def get_vocab(self):
            return {}

        def __len__(self):
            return 10

    tok = BareTokenizer()
    for model_type, mask, eos, vocab in [("llada", 126336, 126081, 126464),
                                         ("lladamoe", 156895, 156892, 157184),
                                         ("llada2_moe", 156895, 156892, 157184),
                                         ("Dream", 151666, 151643, 152064)]:
        config = types.SimpleNamespace(model_type=model_type, vocab_size=vocab)
        fam = detect_family(config, tok)
        assert (fam.mask_id, fam.eos_id, fam.pad_id) == (mask, eos, eos)
    with pytest.raises(ConfigError, match="unknown dLLM family"):
        detect_family(types.SimpleNamespace(model_type="x", vocab_size=10), tok, family="nope")


@pytest.mark.parametrize("name", DECODABLE)
def test_left_padded_batch_equals_each_prompt_alone(kit_checkpoints, name):
    """Mixed prompt lengths in one left-padded batch decode exactly as each prompt alone (a model
    whose code cannot mask padding gets batches of equal-length prompts instead)."""
    backend = get_model(f"hf-dllm:{kit_checkpoints.path(name)}", trust_remote_code=True,
                        batch_size=3)
    texts = ["copy a", "sort the list : Alice Bob Carol Dave Eve Frank", "reverse 1 2 3"]
    for decoding in ({"strategy": "confidence-topk", "k": 2},
                     {"strategy": "confidence-threshold", "threshold": 0.5, "block_length": 8}):
        alone = [backend.generate([_request(t, seed=i, **decoding)])[0] for i, t in enumerate(texts)]
        batch = backend.generate([_request(t, seed=i, **decoding) for i, t in enumerate(texts)])
        assert len({g.extra["prompt_tokens"] for g in batch}) == 3  # really mixed lengths
        # Fast-dLLM's LLaDA code ignores attention masks: its prompts are batched by length.
        assert backend.pads_batches == (name != "fast_dllm_llada")
        assert batch[0].extra["batch_size"] == (3 if backend.pads_batches else 1)
        for a, b in zip(alone, batch):
            assert b.token_ids == a.token_ids and b.nfe == a.nfe and b.order == a.order


@pytest.mark.parametrize("name", DECODABLE)
def test_bf16_loads_and_decodes_on_cpu(kit_checkpoints, name):
    path = kit_checkpoints.path(name)
    backend = get_model(f"hf-dllm:{path}", trust_remote_code=True, dtype="bfloat16", device="cpu")
    assert backend.info()["dtype"] == "bfloat16"
    assert {p.dtype for p in backend.model.parameters()} == {torch.bfloat16}
    [gen] = backend.generate([_request("copy a b c", max_tokens=16)])
    # (LLaDA2 decodes block-causally from its prompt's last block, so its blocks and NFE differ:
    # tests/models/test_kv_llada2.py)
    assert len(gen.token_ids) == 16 and (gen.nfe == 8 or name == "llada2")
    assert backend.family.mask_id not in gen.token_ids
    # the bf16 logits follow the float32 ones (same weights, rounded)
    full = get_model(f"hf-dllm:{path}", trust_remote_code=True, dtype="float32", device="cpu")
    x = torch.randint(8, upstream_kit.VOCAB_SIZE, (1, 20), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        low = backend.adapter(x, torch.ones_like(x))
        high = full.adapter(x, torch.ones_like(x))
    keep = torch.isfinite(high)
    assert torch.isfinite(low[keep]).all()
    assert (low[keep] - high[keep]).abs().max() < 0.25 * high[keep].abs().max()


def test_diffusion_gemma_bf16_forward(tmp_path):
    path = upstream_kit.build("diffusion_gemma", tmp_path / "dg")
    backend = get_model(f"hf-dllm:{path}", dtype="bfloat16", device="cpu")
    model = backend.model
    assert {p.dtype for p in model.parameters()} == {torch.bfloat16}
    canvas = model.config.canvas_length
    with torch.no_grad():
        out = model(input_ids=torch.tensor([[5, 6, 7, 8]]),
                    decoder_input_ids=torch.randint(8, 100, (1, canvas))).logits
    assert out.shape == (1, canvas, upstream_kit.VOCAB_SIZE) and torch.isfinite(out).all()


def test_equal_length_prompts_share_a_batch_without_padding(kit_checkpoints):
    backend = get_model(f"hf-dllm:{kit_checkpoints.path('fast_dllm_llada')}",
                        trust_remote_code=True, batch_size=4)
    texts = ["copy a b", "sort c d", "copy a b c d e"]  # the first two tokenise to equal lengths
    alone = [backend.generate([_request(t)])[0] for t in texts]
    batch = backend.generate([_request(t) for t in texts])
    assert [g.extra["batch_size"] for g in batch] == [2, 2, 1]
    assert [g.token_ids for g in batch] == [g.token_ids for g in alone]


@pytest.fixture(scope="module")
def gemma_path(tmp_path_factory):
    return upstream_kit.build("diffusion_gemma", tmp_path_factory.mktemp("dg") / "dg")


def test_diffusion_gemma_left_padded_batch_equals_each_prompt_alone(gemma_path):
    """Through the hf-dllm backend (its canvas mode): mixed prompt lengths in one batch decode
    exactly as each prompt alone, for a fixed-count and a threshold strategy. In float64 (its MoE
    then runs the eager experts): this random model feeds its logits back as self-conditioning
    and amplifies float32 rounding of a different batch shape step by step."""
    backend = get_model(f"hf-dllm:{gemma_path}", batch_size=3, dtype="float64")
    canvas = backend.model.config.canvas_length
    texts = ["copy a", "sort the list : Alice Bob Carol Dave Eve Frank", "reverse 1 2 3"]
    for decoding in ({"strategy": "confidence-topk", "k": 2},
                     {"strategy": "confidence-threshold", "threshold": 0.5}):
        reqs = [_request(t, max_tokens=2 * canvas, seed=i, **decoding) for i, t in enumerate(texts)]
        alone = [backend.generate([r])[0] for r in reqs]
        batch = backend.generate(reqs)
        assert len({g.extra["prompt_tokens"] for g in batch}) == 3
        assert batch[0].extra["batch_size"] == 3
        for a, b in zip(alone, batch):
            assert b.token_ids == a.token_ids and b.nfe == a.nfe and b.order == a.order


def test_diffusion_gemma_bf16_decodes_on_cpu(gemma_path):
    backend = get_model(f"hf-dllm:{gemma_path}", dtype="bfloat16", device="cpu")
    assert backend.info()["dtype"] == "bfloat16"
    canvas = backend.model.config.canvas_length
    for decoding in ({"strategy": "confidence-topk", "k": 2}, {"strategy": "native"}):
        [gen] = backend.generate([_request("copy a b c", max_tokens=2 * canvas, **decoding)])
        assert 0 < len(gen.token_ids) <= 2 * canvas and gen.nfe >= 1
        assert backend.family.mask_id not in gen.token_ids
    [topk] = backend.generate([_request("copy a b c", max_tokens=2 * canvas, strategy="confidence-topk", k=2)])
    assert topk.nfe == canvas  # k = 2: canvas / 2 steps per canvas, two canvases
