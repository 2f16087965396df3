"""The learned model: vocabulary, network, backend, a few seconds of training, the cache."""
from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from parallelbench.errors import ConfigError
from parallelbench.learned import Recipe, ensure_model
from parallelbench.learned.model import TinyConfig, TinyDiffusionLM
from parallelbench.learned.recipe import vocabulary
from parallelbench.learned.tokenizer import WordTokenizer, template_phrases
from parallelbench.models import GenerationRequest, get_model
from parallelbench.tasks import load_task, prompts
from parallelbench.train.data import encode_examples, load_training_tasks
from parallelbench.train.loop import SFTConfig, run_sft

TINY = dict(ops=("copy", "reverse"), lengths=(3,), samples=300, gen_length=10, dim=32, layers=2,
            heads=2, mlp=64, steps=40, batch_size=16, lr=3e-3, threads=1)


def test_tokenizer_phrases_and_round_trip(tmp_path):
    phrases = template_phrases(prompts.LIST_OP_PROMPTS.values())
    assert "Replace the word at index " in phrases and "Repeat " not in phrases
    tok = WordTokenizer.build([], extra=list("ABC"), phrases=phrases)
    sample = load_task("list_ops/replace_index_n3")[0]
    pieces = tok.convert_ids_to_tokens(tok.encode(sample.prompt))
    assert pieces[0] == "Replace the word at index " and pieces[-1].startswith(". Only provide")
    assert tok.decode(tok.encode('["A", "B", "C"]')) == '["A", "B", "C"]'
    assert tok.encode("Zebra") == [tok.unk_token_id]
    tok.save(tmp_path)
    assert WordTokenizer.load(tmp_path).vocab == tok.vocab
    with pytest.raises(ConfigError):
        WordTokenizer(["A", "B"])


def test_network_pads_on_the_left_and_saves(tmp_path):
    torch.manual_seed(0)
    model = TinyDiffusionLM(TinyConfig(vocab_size=20, dim=16, layers=2, heads=2, mlp=32)).eval()
    x = torch.randint(6, 20, (1, 7))
    padded = torch.cat([torch.zeros(1, 3, dtype=torch.long), x], 1)
    mask = torch.tensor([[0, 0, 0] + [1] * 7])
    with torch.no_grad():
        assert torch.allclose(model(x), model(padded, mask)[:, 3:], atol=1e-5)
        model.save(tmp_path)
        assert torch.equal(TinyDiffusionLM.load(tmp_path)(x), model(x))
    with pytest.raises(ConfigError):
        TinyConfig(vocab_size=5, dim=10, heads=4)


def test_a_few_seconds_of_training_lower_the_loss(tmp_path):
    recipe = Recipe(**TINY)
    tasks = load_training_tasks(recipe.tasks(), num_samples=recipe.samples)
    from parallelbench.learned.trainable import LearnedTrainable

    model = LearnedTrainable.fresh(vocabulary(tasks), 0, dim=32, layers=2, heads=2, mlp=64)
    examples = encode_examples(model, tasks, gen_length=10)
    cfg = SFTConfig(steps=60, batch_size=16, lr=3e-3, eval_samples=40, log_every=10)
    manifest = run_sft(model, examples, cfg, tmp_path, progress=False)
    before, after = manifest["held_out_loss"]["before"], manifest["held_out_loss"]["after"]
    assert after < 0.6 * before
    curve = [c["loss"] for c in manifest["curve"]]
    assert curve[-1] < curve[0]
    assert manifest["examples"] == {"train": len(examples) - 40, "held_out": 40}


def test_backend_decodes_with_and_without_the_skeleton(tmp_path):
    folder = ensure_model(Recipe(**TINY), cache_dir=tmp_path / "m", progress=False)
    task = load_task("list_ops/copy_n3", num_samples=4)
    reqs = [GenerationRequest(messages=s.messages, max_tokens=10, seed=i, sample=s,
                              decoding={"strategy": "confidence-topk", "k": 2})
            for i, s in enumerate(task)]
    free = get_model(f"learned:{folder}").generate(reqs)
    infill = get_model(f"learned:{folder}", infill=True).generate(reqs)
    for gen in free:
        assert gen.nfe == 5 and len(gen.token_ids) == 10      # k tokens of 10 per step
    backend = get_model(f"learned:{folder}", infill=True)
    skeleton = backend._skeleton(reqs[0])
    assert skeleton.count(backend.tokenizer.mask_token_id) == 3
    for gen in infill:
        assert gen.nfe == math.ceil(3 / 2)                    # k items of 3 per step
        kept = [t for t, s in zip(gen.token_ids, skeleton) if s != backend.tokenizer.mask_token_id]
        assert kept == [s for s in skeleton if s != backend.tokenizer.mask_token_id]
    again = get_model(f"learned:{folder}", infill=True).generate(reqs)
    assert [g.token_ids for g in again] == [g.token_ids for g in infill]
    # a request decodes the same alone and beside a longer (left-padded) prompt
    long = load_task("list_ops/replace_index_n3")[0]
    mixed = get_model(f"learned:{folder}").generate([dataclasses.replace(
        reqs[0], messages=long.messages, sample=long), reqs[1]])
    assert mixed[1].token_ids == free[1].token_ids
    with pytest.raises(ConfigError, match="skeleton"):
        get_model(f"learned:{folder}", infill=True).generate([dataclasses.replace(
            reqs[0], sample=load_task("rec/cumsum")[0])])
    with pytest.raises(ConfigError, match="not a learned-model folder"):
        get_model(f"learned:{tmp_path}")


def test_cache_is_keyed_by_the_recipe(tmp_path, monkeypatch):
    monkeypatch.setenv("PARALLELBENCH_CACHE_DIR", str(tmp_path))
    recipe = Recipe(**{**TINY, "steps": 4})
    folder = ensure_model(recipe, progress=False)
    assert folder.parent.name == recipe.key() and folder.parent.parent == tmp_path / "learned"
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert ensure_model(recipe, progress=False) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp  # reused, not retrained
    assert Recipe(**{**TINY, "steps": 5}).key() != recipe.key()
    assert Recipe(**{**TINY, "steps": 4}).key() == recipe.key()


def test_training_is_deterministic_given_the_seed(tmp_path):
    from safetensors.torch import load_file

    recipe = Recipe(**{**TINY, "steps": 6})
    a = ensure_model(recipe, cache_dir=tmp_path / "a", progress=False)
    b = ensure_model(recipe, cache_dir=tmp_path / "b", progress=False)
    c = ensure_model(Recipe(**{**TINY, "steps": 6, "seed": 1}), cache_dir=tmp_path / "c",
                     progress=False)
    wa, wb, wc = (load_file(str(p / "model.safetensors")) for p in (a, b, c))
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)
