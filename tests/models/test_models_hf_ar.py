"""The hf-ar backend on a tiny random-init Llama built in the test."""
from __future__ import annotations

import pytest

from parallelbench.models import GenerationRequest, get_model


def _req(text, max_tokens=6, **kw):
    return GenerationRequest(messages=[{"role": "user", "content": text}], max_tokens=max_tokens,
                             **kw)


@pytest.fixture(scope="module")
def ar(tiny_ar):
    return get_model(f"hf-ar:{tiny_ar}", batch_size=4)


def test_greedy_batched_generation(ar):
    prompts = ["copy a b", "sort the list of names a b c d e", "x"]
    batch = ar.generate([_req(p) for p in prompts])
    singles = [ar.generate([_req(p)])[0] for p in prompts]
    for b, s in zip(batch, singles):
        # left padding + attention mask: batching does not change greedy answers
        assert b.token_ids == s.token_ids
        assert 1 <= len(b.token_ids) <= 6 and b.output_tokens == len(b.token_ids)
        assert b.nfe == b.output_tokens and b.tokens_per_step == 1.0
        assert b.text == ar.tokenizer.decode(b.token_ids, skip_special_tokens=True)
        assert b.wall_time > 0 and b.extra["finish_reason"] in ("stop", "length")
    assert batch[0].extra["batch_size"] == 3 and singles[0].extra["batch_size"] == 1
    # the prompt went through the chat template with the generation prompt
    assert batch[2].extra["prompt_tokens"] == len(
        ar.tokenizer("<bos> <user> x <eot> <asst>", add_special_tokens=False)["input_ids"])


def test_stop_token_ends_the_answer(ar):
    eos = ar.tokenizer.eos_token_id
    free = ar.generate([_req("a", max_tokens=5)])[0]

    def favour_eos_from_third_token(module, args, out):
        if args[0].shape[1] == 1 and hook.calls >= 2:  # decoding steps after the 2nd token
            out[..., eos] += 1e4
        hook.calls += 1
        return out

    hook = ar.model.lm_head.register_forward_hook(favour_eos_from_third_token)
    hook.calls = 0
    try:
        [gen] = ar.generate([_req("a", max_tokens=5)])
    finally:
        hook.remove()
    assert gen.token_ids[:2] == free.token_ids[:2] and gen.token_ids[2] == eos
    assert len(gen.token_ids) == 3 and gen.output_tokens == 3
    assert gen.extra["finish_reason"] == "stop"


def test_sampling_is_seeded(ar):
    runs = [ar.generate([_req("a b", max_tokens=8, temperature=5.0, seed=s)])[0].token_ids
            for s in (1, 1, 2)]
    assert runs[0] == runs[1] and runs[0] != runs[2]
    assert ar.info()["backend"] == "hf-ar"
