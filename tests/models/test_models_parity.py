"""Token-for-token parity of ``hf-dllm`` (family defaults) with the authors' samplers, run on
tiny random-init checkpoints of the real modelling code.

* LLaDA, Fast-dLLM's LLaDA and LLaDA-MoE against Fast-dLLM's ``generate``
  (../shared/upstream/fast_dllm_llada/generate.py): low-confidence top-k with semi-AR blocks over
  several (gen_length, steps, block_length) schedules, and its ``threshold=`` mode.
* Dream against ``diffusion_generate`` (../shared/upstream/dream/generation_utils.py) for the
  algs maskgit_plus, topk_margin, entropy and origin at eps 0, as ParallelBench calls it
  (top_k/top_p None, alg_temp 0, no attention mask). ``origin`` draws its random reveals from
  the global generator: a batch of one seeded with ``torch.manual_seed(seed)`` draws what our
  row generator seeded with ``seed`` draws.

The reference files are imported from ../shared/upstream by path at test time. On both sides the
mask token's logit is -inf (ours by construction; the reference's through a wrapper or its
logits hook). Everything runs in float32 so the comparison does not depend on the
``confidence_dtype`` setting.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import types

import pytest
import torch

import upstream_kit
from parallelbench.models import GenerationRequest, compat, get_model

# The device the models run on (the GPU check runs this file with PARALLELBENCH_TEST_DEVICE=cuda).
DEVICE = os.environ.get("PARALLELBENCH_TEST_DEVICE", "cpu")
PROMPTS = ["copy the list : Alice Bob Carol", "sort b a d c", "reverse 1 2 3 4 5 and the line"]


def load_upstream(family: str, filename: str, monkeypatch, stubs: dict | None = None):
    """Import an upstream sampler file by path; ``stubs`` fills the imports it makes of the
    authors' own package layout (e.g. ``model.modeling_llada``)."""
    path = upstream_kit.upstream_file(family, filename)
    for name, module in (stubs or {}).items():
        monkeypatch.setitem(sys.modules, name, module)
    spec = importlib.util.spec_from_file_location(f"_upstream_{family}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class MaskSuppressed:
    """The reference's model with the mask token's logit at -inf (our convention)."""

    def __init__(self, model, mask_id: int):
        self.model, self.mask_id, self.device = model, mask_id, model.device

    def __call__(self, *args, **kwargs):
        out = self.model(*args, **kwargs)
        out.logits[..., self.mask_id] = float("-inf")
        return out


def prompt_ids(backend, text: str) -> torch.Tensor:
    prompt = backend.tokenizer.apply_chat_template([{"role": "user", "content": text}],
                                                   tokenize=False, add_generation_prompt=True)
    ids = backend.tokenizer(prompt, add_special_tokens=False)["input_ids"]
    return torch.tensor([ids], device=backend.model.device)


def ours(backend, text: str, gen_length: int, seed: int = 0, **decoding):
    [gen] = backend.generate([GenerationRequest(messages=[{"role": "user", "content": text}],
                                                max_tokens=gen_length, decoding=decoding, seed=seed)])
    return gen


@pytest.fixture(scope="module")
def backends(kit_checkpoints):
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = get_model(f"hf-dllm:{kit_checkpoints.path(name)}", trust_remote_code=True,
                                    device=DEVICE, dtype="float32", batch_size=4)
        return cache[name]

    return get


# ---- LLaDA family vs Fast-dLLM's generate -------------------------------------------------

LLADA_SCHEDULES = [(16, 16, 16), (16, 8, 16), (32, 8, 8), (24, 9, 8), (20, 6, 10)]
LLADA_THRESHOLDS = [(16, 16, 0.5), (32, 8, 0.3), (16, 4, 0.9)]


@pytest.fixture(scope="module")
def fast_dllm(request):
    mp = pytest.MonkeyPatch()
    request.addfinalizer(mp.undo)
    if not upstream_kit.available("fast_dllm_llada"):
        pytest.skip("../shared/upstream is absent")
    stub = types.ModuleType("model.modeling_llada")
    stub.LLaDAModelLM = object  # generate.py imports it for its demo main() only
    return load_upstream("fast_dllm_llada", "generate.py", mp,
                         {"model": types.ModuleType("model"), "model.modeling_llada": stub})


@pytest.mark.parametrize("family", ["llada", "fast_dllm_llada", "llada_moe"])
@pytest.mark.parametrize("gen_length,steps,block_length", LLADA_SCHEDULES)
def test_llada_topk_matches_fast_dllm_generate(backends, fast_dllm, family, gen_length, steps,
                                               block_length):
    backend = backends(family)
    assert backend.family.name in ("llada", "llada_moe")
    for text in PROMPTS:
        ids = prompt_ids(backend, text)
        ref, ref_nfe = fast_dllm.generate(
            MaskSuppressed(backend.model, backend.family.mask_id), ids, steps=steps,
            gen_length=gen_length, block_length=block_length, temperature=0.0,
            remasking="low_confidence", mask_id=backend.family.mask_id)
        gen = ours(backend, text, gen_length, strategy="confidence-topk", steps=steps,
                   block_length=block_length)
        assert gen.token_ids == ref[0, ids.shape[1]:].tolist(), text
        assert gen.nfe == ref_nfe == steps


@pytest.mark.parametrize("family", ["llada", "llada_moe"])
@pytest.mark.parametrize("gen_length,block_length,threshold", LLADA_THRESHOLDS)
def test_llada_threshold_matches_fast_dllm_generate(backends, fast_dllm, family, gen_length,
                                                    block_length, threshold):
    backend = backends(family)
    parallel = 0
    for text in PROMPTS:
        ids = prompt_ids(backend, text)
        ref, ref_nfe = fast_dllm.generate(
            MaskSuppressed(backend.model, backend.family.mask_id), ids, steps=gen_length,
            gen_length=gen_length, block_length=block_length, temperature=0.0,
            remasking="low_confidence", mask_id=backend.family.mask_id, threshold=threshold)
        gen = ours(backend, text, gen_length, strategy="confidence-threshold",
                   threshold=threshold, block_length=block_length)
        assert gen.token_ids == ref[0, ids.shape[1]:].tolist(), text
        assert gen.nfe == ref_nfe
        parallel += gen.nfe < gen_length
    if threshold < 0.9:
        assert parallel, "no prompt committed two tokens in a step: the case tests nothing"


# ---- Dream vs diffusion_generate ---------------------------------------------------------

DREAM_ALGS = {"maskgit_plus": "confidence-topk", "topk_margin": "topk-margin",
              "entropy": "entropy-topk", "origin": "origin"}
DREAM_SCHEDULES = [(16, 16), (16, 8), (24, 5), (32, 12)]


@pytest.fixture(scope="module")
def dream_reference(request):
    mp = pytest.MonkeyPatch()
    request.addfinalizer(mp.undo)
    if not upstream_kit.available("dream"):
        pytest.skip("../shared/upstream is absent")
    module = load_upstream("dream", "generation_utils.py", mp)
    compat.patch_class(module.DreamGenerationConfig)  # 4.x code under transformers 5 (patch 7)
    return module


def run_diffusion_generate(reference, model, ids, mask_id, **kwargs):
    """The upstream ``diffusion_generate`` (the file from ../shared/upstream) driving ``model``."""

    class ReferenceDream(reference.DreamGenerationMixin):
        def __init__(self):
            self.config, self.generation_config = model.config, model.generation_config
            self.device = model.device

        def __call__(self, *args):
            return model(*args)

    def suppress(step, x, logits):
        logits[..., mask_id] = float("-inf")
        return logits

    out = ReferenceDream().diffusion_generate(ids, generation_logits_hook_func=suppress,
                                              return_dict_in_generate=True, **kwargs)
    return out.sequences


@pytest.mark.parametrize("alg", list(DREAM_ALGS))
@pytest.mark.parametrize("gen_length,steps", DREAM_SCHEDULES)
def test_dream_matches_diffusion_generate(backends, dream_reference, capsys, alg, gen_length, steps):
    backend = backends("dream")
    assert backend.family.name == "dream" and backend.family.shift_logits
    for seed, text in enumerate(PROMPTS):
        ids = prompt_ids(backend, text)
        torch.manual_seed(seed)
        ref = run_diffusion_generate(
            dream_reference, backend.model, ids, backend.family.mask_id,
            max_new_tokens=gen_length, steps=steps, temperature=0.0, top_p=None, top_k=None,
            alg=alg, alg_temp=0.0, eps=0.0, output_history=False)
        gen = ours(backend, text, gen_length, seed=seed, strategy=DREAM_ALGS[alg], steps=steps)
        assert gen.token_ids == ref[0, ids.shape[1]:].tolist(), text
        assert gen.nfe == steps
    capsys.readouterr()  # the reference prints its step count and time


def test_dream_parity_depends_on_the_float_schedule(backends, dream_reference, capsys):
    """The exact-integer schedule (opt-in ``dream_exact``) does not reproduce the reference, so the
    cases above really check the float32 schedule of the family default."""
    backend = backends("dream")
    differ = 0
    for text in PROMPTS:
        ids = prompt_ids(backend, text)
        ref = run_diffusion_generate(dream_reference, backend.model, ids, backend.family.mask_id,
                                     max_new_tokens=16, steps=8, temperature=0.0, top_p=None,
                                     top_k=None, alg="maskgit_plus", alg_temp=0.0, eps=0.0)
        exact = ours(backend, text, 16, strategy="confidence-topk", steps=8, schedule="dream_exact")
        differ += exact.token_ids != ref[0, ids.shape[1]:].tolist()
    assert differ
    capsys.readouterr()
