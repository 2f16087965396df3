"""DiffusionGemma (native in transformers 5) canvas by canvas through the sampler: its own
``generate`` reproduced by our ``native`` strategy, the one-step case by confidence top-k, and
every strategy of ours running on it (self-conditioning, fresh noise at undecided positions,
encoder cache per finished canvas). Needs no shared file."""
from __future__ import annotations

import pytest
import torch

from parallelbench.decoding import decode, get_strategy, list_strategies
from parallelbench.decoding.strategies import Strategy
from parallelbench.errors import ConfigError
from parallelbench.models.families import Family
from parallelbench.models.hf_dllm import DllmAdapter

import upstream_kit as kit

transformers = pytest.importorskip("transformers")
from transformers.models.diffusion_gemma.generation_diffusion_gemma import EntropyBoundSamplerConfig  # noqa: E402

IDS = kit.special_ids("diffusion_gemma")
MASK, PAD = IDS["mask"], IDS["pad"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return kit.build("diffusion_gemma", tmp_path_factory.mktemp("dg") / "m", seed=1)


@pytest.fixture(scope="module")
def gemma64(folder):
    """Float64 (with the eager MoE path, the grouped one is float32 only): this random model feeds
    its logits back (self-conditioning) and amplifies float32 rounding about tenfold per step, so
    batch == alone is checked where padding and batch shape cannot move a bit."""
    return transformers.DiffusionGemmaForBlockDiffusion.from_pretrained(
        str(folder), dtype=torch.float64, experts_implementation="eager").eval()


@pytest.fixture(scope="module")
def gemma(folder):
    model = transformers.DiffusionGemmaForBlockDiffusion.from_pretrained(str(folder), dtype=torch.float32).eval()
    forward = model.forward

    def suppressed(*args, **kwargs):  # the mask token's logit at -inf on both sides
        out = forward(*args, **kwargs)
        out.logits[..., MASK] = float("-inf")
        return out

    model.forward = suppressed
    return model


def _adapter(model):
    return DllmAdapter(model, Family("diffusion_gemma", mask_id=MASK, eos_id=IDS["eos"], pad_id=PAD,
                                     shift_logits=False))


def _prompt(n, seed):
    return torch.randint(10, 100, (1, n), generator=torch.Generator().manual_seed(seed))


NATIVE = [  # max_denoising_steps, entropy_bound, stability_threshold, confidence_threshold
    (3, 0.1, 1, 0.005), (5, 2.0, 0, 0.005), (4, 0.5, 2, 0.005), (6, 1.0, 1, 50.0), (6, 1.0, 0, 50.0)]


@pytest.mark.parametrize("steps,bound,stability,confidence", NATIVE)
def test_native_equals_generate(gemma, steps, bound, stability, confidence):
    C = gemma.config.canvas_length
    for seed in (0, 1):
        x = _prompt(5 + seed, seed)
        torch.manual_seed(seed)
        ref = gemma.generate(x, max_new_tokens=2 * C, max_denoising_steps=steps, eos_token_id=None,
                             sampler_config=EntropyBoundSamplerConfig(entropy_bound=bound),
                             stability_threshold=stability, confidence_threshold=confidence)
        ours = decode(_adapter(gemma), x, None, strategy="native", gen_length=2 * C, mask_id=MASK, seed=seed,
                      max_denoising_steps=steps, entropy_bound=bound, stability_threshold=stability,
                      confidence_threshold=confidence)
        assert torch.equal(ours.tokens[0], ref.sequences[0, x.shape[1]:])
        # NFE = decoder passes, as generate counts them (tokens_per_forward = tokens / passes)
        assert float(ours.tokens_per_step[0]) == pytest.approx(float(ref.tokens_per_forward[0]))
        if confidence > 1 and stability == 0:  # adaptive stopping: each canvas stops at its first step
            assert int(ours.nfe[0]) == 2


def test_one_denoising_step_is_topk_of_the_whole_canvas(gemma):
    """generate with one denoising step outputs the argmax of one decoder pass on a noise canvas:
    our confidence top-k with k = canvas length, same seed (one canvas: later canvases draw noise
    in a different order, generate also samples and renoises at every step)."""
    C = gemma.config.canvas_length
    for seed in range(3):
        x = _prompt(4 + seed, seed)
        torch.manual_seed(seed)
        ref = gemma.generate(x, max_new_tokens=C, max_denoising_steps=1, eos_token_id=None)
        ours = decode(_adapter(gemma), x, None, strategy="confidence-topk", k=C, gen_length=C, mask_id=MASK,
                      seed=seed)
        assert torch.equal(ours.tokens[0], ref.sequences[0, x.shape[1]:]) and int(ours.nfe[0]) == 1


def runnable() -> list[str]:
    return [s for s in list_strategies() if s != "native"
            and get_strategy(s).kv_cache is True and get_strategy(s).forward is Strategy.forward]


def kwargs(strategy):
    kw = {"k": 4} if get_strategy(strategy).fixed_count else {}
    if strategy == "confidence-factor":
        kw["factor"] = 1.0
    if strategy == "remdm":
        kw = {"steps": 12, "remdm_steps": 2}
    if strategy == "llada2":
        kw = {"steps_per_block": 4}
    return kw


@pytest.mark.parametrize("strategy", runnable())
def test_every_strategy_runs_canvas_by_canvas(gemma64, strategy):
    C = gemma64.config.canvas_length
    lengths = [3, 7]
    ids = torch.full((2, 7), PAD)
    attn = torch.zeros_like(ids)
    for i, n in enumerate(lengths):
        ids[i, 7 - n:] = _prompt(n, i)[0]
        attn[i, 7 - n:] = 1
    adapter = _adapter(gemma64)
    calls = []
    denoise = adapter.kv_backend.denoise

    def counting(cache, rows, canvas, *a, **kw):
        calls.append(canvas.shape[0])
        return denoise(cache, rows, canvas, *a, **kw)

    adapter.kv_backend.denoise = counting
    G = C + C // 2  # not a multiple of the canvas: the last canvas is decoded whole, half returned
    cfg = dict(strategy=strategy, gen_length=G, mask_id=MASK, pad_id=PAD, seed=[3, 4], **kwargs(strategy))
    res = decode(adapter, ids, attn, cfg)
    assert res.tokens.shape == (2, G)
    # The reference DUS leaves its re-masked slots masked (docs/strategies-advanced.md); every
    # other strategy fills the whole output.
    assert strategy == "dus" or not (res.tokens == MASK).any()
    assert int(res.nfe.sum()) == sum(calls)
    for i, n in enumerate(lengths):
        alone = decode(_adapter(gemma64), ids[i:i + 1, 7 - n:], None, {**cfg, "seed": 3 + i})
        assert torch.equal(alone.tokens[0], res.tokens[i]) and torch.equal(alone.nfe[0], res.nfe[i])


def test_canvas_model_errors(gemma):
    adapter = _adapter(gemma)
    x = _prompt(4, 0)
    C = gemma.config.canvas_length
    with pytest.raises(ConfigError, match="block_length must be"):
        decode(adapter, x, None, strategy="confidence-topk", k=2, gen_length=C, block_length=C // 2, mask_id=MASK)
    with pytest.raises(ConfigError, match="dual"):
        decode(adapter, x, None, strategy="confidence-topk", k=2, gen_length=C, mask_id=MASK, cache="dual")
    with pytest.raises(ConfigError, match="cannot decode a canvas model"):
        decode(adapter, x, None, strategy="wino", gen_length=C, mask_id=MASK)
