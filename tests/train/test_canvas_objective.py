"""Canvas SFT (DiffusionGemma): what the encoder and decoder see, the noise, the loss; on the
real architecture (tiny, native in transformers): canvases conditioned only on clean earlier
canvases, gradients everywhere, and LoRA merged once into weights the encoder and decoder share."""
from __future__ import annotations

import math

import pytest
import torch
from torch.nn import functional as F

from parallelbench.train.canvas_objective import canvas_sft_loss, split_canvases

EOS, PAD = 3, 0


class Recorder:
    """A canvas backend that records its calls and answers with fixed logits per canvas."""

    canvas_length, vocab_size = 4, 50

    def __init__(self, batch: int, canvases: int):
        self.calls: list[tuple] = []
        self.table = torch.randn(canvases, batch, 4, 50, generator=torch.Generator().manual_seed(1))

    def new_cache(self):
        return []

    def encode(self, cache, ids, attn, positions):
        self.calls.append(("encode", ids.clone(), attn.clone(), positions.clone()))
        return cache + [ids]

    def denoise(self, cache, rows, canvas, attn, positions, sc=None, sc_mask=None):
        self.calls.append(("denoise", canvas.clone(), len(cache), sc, sc_mask))
        return self.table[len(cache) - 1].clone().requires_grad_()


def test_split_left_pads_prompts_and_fills_whole_canvases_with_eos():
    ids = torch.tensor([[5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16]])
    prompts, attn, responses = split_canvases(ids, torch.tensor([2, 3]), 4, PAD, EOS)
    assert prompts.tolist() == [[PAD, 5, 6], [11, 12, 13]] and attn.tolist() == [[0, 1, 1], [1, 1, 1]]
    assert responses.tolist() == [[7, 8, 9, 10], [14, 15, 16, EOS]]


def test_decoder_denoises_each_canvas_given_the_clean_ones_before_it():
    B, L, plen = 6, 11, torch.tensor([2, 3, 3, 1, 2, 3])  # responses of 8-10 -> 3 canvases of 4
    ids = torch.randint(5, 50, (B, L), generator=torch.Generator().manual_seed(0))
    rec = Recorder(B, 3)
    loss, count = canvas_sft_loss(rec, ids, plen, mask_id=None, pad_id=PAD, eos_id=EOS,
                                  generator=torch.Generator().manual_seed(2), eps=1e-3)
    prompts, pattn, x0 = split_canvases(ids, plen, 4, PAD, EOS)
    encodes = [c for c in rec.calls if c[0] == "encode"]
    assert torch.equal(encodes[0][1], prompts) and torch.equal(encodes[0][2], pattn)
    for c, call in enumerate(encodes[1:]):  # then the *clean* canvases, all but the last
        assert torch.equal(call[1], x0[:, 4 * c:4 * c + 4])
    assert len(encodes) == 3
    positions = torch.cat([encodes[0][3], *[e[3] for e in encodes[1:]]], 1)
    assert torch.equal(positions[3, 2:], torch.arange(9))  # from each row's first token
    denoises = [c for c in rec.calls if c[0] == "denoise"]
    graded = [d for d in denoises if d[3] is not None]  # the pass the loss is taken from
    assert len(denoises) == 6 and len(graded) == 3      # a detached first pass for each canvas
    for c, (_, canvas, n_cached, sc, warm) in enumerate(graded):
        assert n_cached == c + 1 and sc.shape == (B, 4, 50) and not sc.requires_grad
        assert warm.dtype == torch.bool and warm.any() and not warm.all()
        assert ((canvas == x0[:, 4 * c:4 * c + 4]) | (canvas < 50)).all()
    expected = sum(F.cross_entropy(rec.table[c, r], x0[r, 4 * c:4 * c + 4], reduction="sum")
                   for c in range(3) for r in range(B)) / (B * 12)
    assert count == B * 12 and math.isclose(loss.item(), float(expected), rel_tol=1e-6)


def test_noise_is_uniform_tokens_at_rate_t_per_sequence():
    B, C = 400, 4
    ids = torch.cat([torch.full((B, 2), 7), torch.full((B, 2 * C), 5)], 1)
    rec = Recorder(B, 2)
    rec.vocab_size = 1000
    rec.table = torch.zeros(2, B, C, 1000)
    canvas_sft_loss(rec, ids, torch.full((B,), 2), mask_id=None, pad_id=PAD, eos_id=EOS,
                    generator=torch.Generator().manual_seed(0), eps=1e-3)
    seen = torch.cat([d[1] for d in rec.calls if d[0] == "denoise" and d[3] is not None], 1)
    changed = (seen != 5).float().mean(1)
    assert abs(float(changed.mean()) - 0.5) < 0.05  # t ~ U(0, 1] ...
    assert float(changed.std()) > 0.25              # ... one level per sequence
    assert seen[seen != 5].float().std() > 200      # spread over the vocabulary, no mask token


@pytest.fixture(scope="module")
def gemma(kit_model):
    from parallelbench.train.hf import HFTrainable

    folder = kit_model("diffusion_gemma")
    return folder, HFTrainable(folder)


def _backend(trainable, record):
    from parallelbench.models.kv import DiffusionGemmaBackend

    backend = DiffusionGemmaBackend(trainable.network)
    denoise = backend.denoise

    def recording(*args, **kwargs):
        out = denoise(*args, **kwargs)
        if args[5:] or kwargs.get("self_conditioning") is not None:
            record.append(out)
        return out

    backend.denoise = recording
    return backend


def _canvas_logits(trainable, ids, plen):
    seen: list = []
    with torch.no_grad():
        canvas_sft_loss(_backend(trainable, seen), ids, plen, mask_id=trainable.mask_id,
                        pad_id=PAD, eos_id=trainable.eos_id, generator=torch.Generator().manual_seed(4),
                        eps=1e-3, self_conditioning=1.0)
    return seen


def test_a_canvas_is_predicted_from_the_prompt_and_the_clean_canvases_before_it(gemma):
    _, trainable = gemma
    trainable.set_train(False)
    assert trainable.objective == "canvas"
    plen = torch.tensor([6, 7])  # responses of 32 and 31 tokens: two canvases of 16
    ids = torch.randint(10, 100, (2, 6 + 32), generator=torch.Generator().manual_seed(0))
    first, second = _canvas_logits(trainable, ids, plen)
    later, earlier = ids.clone(), ids.clone()
    for r, n in enumerate(plen.tolist()):
        later[r, n + 16:] = torch.randint(10, 100, (ids.shape[1] - n - 16,),
                                          generator=torch.Generator().manual_seed(9))
    earlier[0, 6:6 + 16] = torch.randint(10, 100, (16,), generator=torch.Generator().manual_seed(8))
    a, _ = _canvas_logits(trainable, later, plen)
    torch.testing.assert_close(a, first, rtol=0, atol=0)   # the later canvas is not seen
    _, b = _canvas_logits(trainable, earlier, plen)
    assert not torch.allclose(b[0], second[0])             # the clean earlier canvas is
    torch.testing.assert_close(b[1], second[1])


def test_gradients_reach_the_encoder_decoder_and_self_conditioning(gemma):
    _, trainable = gemma
    trainable.set_train(True)
    ids = torch.randint(10, 100, (3, 6 + 20), generator=torch.Generator().manual_seed(1))
    trainable.model.zero_grad()
    loss, _ = canvas_sft_loss(_backend(trainable, []), ids, torch.tensor([6, 4, 5]),
                              mask_id=trainable.mask_id, pad_id=PAD, eos_id=trainable.eos_id,
                              generator=torch.Generator().manual_seed(0), eps=1e-3,
                              self_conditioning=1.0)
    loss.backward()
    grads = {n: p.grad for n, p in trainable.network.named_parameters()}
    # (weights the encoder and decoder share are listed once, under the encoder's name)
    for part in ("decoder.self_conditioning", "layers.0.self_attn.q_proj", "layers.1.mlp",
                 "embed_tokens"):
        assert any(g is not None and g.abs().sum() > 0 for n, g in grads.items() if part in n), part
    trainable.model.zero_grad()
    trainable.set_train(False)


def test_lora_is_merged_once_into_the_shared_encoder_decoder_weights(kit_model, tmp_path):
    from parallelbench.train.hf import HFTrainable, LoraSpec

    folder = kit_model("diffusion_gemma")
    tuned = HFTrainable(folder, lora=LoraSpec(r=4, alpha=8, dropout=0.0))
    lora_b = [p for n, p in tuned.model.named_parameters() if "lora_B" in n]
    assert lora_b and all(p.requires_grad for p in lora_b)
    with torch.no_grad():
        for p in lora_b:
            p.normal_(0, 0.5, generator=torch.Generator().manual_seed(p.numel()))
    encoder = tuned.network.model.encoder.language_model.layers[0].self_attn.q_proj
    assert encoder is tuned.network.model.decoder.layers[0].self_attn.q_proj  # one adapter
    tuned.set_train(False)
    ids = torch.randint(10, 100, (2, 6 + 16), generator=torch.Generator().manual_seed(0))
    plen = torch.tensor([6, 5])
    before = _canvas_logits(tuned, ids, plen)
    tuned.save_final(tmp_path / "m")
    merged = HFTrainable(str(tmp_path / "m"))
    merged.set_train(False)
    after = _canvas_logits(merged, ids, plen)
    # Float32 rounding of W + BA against Wx + B(Ax) moves logits (up to ~15 here) by ~1e-3;
    # adapters merged twice into the shared weight would move them by ~20.
    torch.testing.assert_close(after[0], before[0], rtol=1e-3, atol=1e-2)
    base = HFTrainable(folder).network.state_dict()
    state = merged.network.state_dict()
    changed = {k for k in base if not torch.equal(base[k], state[k])}
    assert changed and all(k.endswith(("q_proj.weight", "k_proj.weight", "v_proj.weight"))
                           and "vision" not in k for k in changed)
    assert any(".encoder." in k for k in changed) and any(".decoder." in k for k in changed)
