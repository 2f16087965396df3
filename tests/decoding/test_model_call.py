"""How the sampler calls the caller's model: one-argument callables, and a mask id outside the
vocabulary as a ConfigError instead of a crash inside torch (issue 13, item 13)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from parallelbench.decoding import decode
from parallelbench.errors import ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"


def _logits(ids, vocab=50):
    g = torch.Generator().manual_seed(int(ids.sum()))
    return torch.randn(ids.shape[0], ids.shape[1], vocab, generator=g)


def test_one_argument_callable_is_a_model():
    calls = []

    def model(ids):
        calls.append(ids.shape)
        return _logits(ids)

    two = decode(lambda ids, attn: _logits(ids), torch.tensor([[1, 2, 3]]), gen_length=8, k=2, mask_id=49)
    one = decode(model, torch.tensor([[1, 2, 3]]), gen_length=8, k=2, mask_id=49)
    assert torch.equal(one.tokens, two.tokens) and one.nfe.tolist() == [4] and len(calls) == 4


def test_mask_id_outside_the_vocabulary():
    with pytest.raises(ConfigError, match="outside the model's vocabulary"):
        decode(lambda ids: _logits(ids), torch.tensor([[1, 2]]), gen_length=4, k=1, mask_id=50)
    with pytest.raises(ConfigError, match="mask_id must be >= 0"):
        decode(lambda ids: _logits(ids), torch.tensor([[1, 2]]), gen_length=4, k=1, mask_id=-1)
    emb = torch.nn.Embedding(50, 50)  # crashes on the mask id: caught at the first pass
    with pytest.raises(ConfigError, match="is mask_id 126336 inside"):
        decode(lambda ids: emb(ids), torch.tensor([[1, 2]]), gen_length=4, k=1, mask_id=126336)


def test_mask_id_checked_before_any_forward_when_the_model_states_its_vocabulary():
    from transformers import BertConfig, BertForMaskedLM

    model = BertForMaskedLM(BertConfig(vocab_size=40, hidden_size=16, num_hidden_layers=1,
                                       num_attention_heads=2, intermediate_size=32)).eval()
    calls = []
    model.register_forward_pre_hook(lambda *a: calls.append(1))
    with pytest.raises(ConfigError, match=r"size 40"):
        decode(model, torch.tensor([[1, 2]]), gen_length=4, k=1, mask_id=40)
    assert calls == []


def test_readme_python_example_runs_as_written():
    block = re.search(r"In Python:\s*```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert block, "README has no Python example"
    vocab = 126337

    def my_model(ids):  # the README promises: any callable ids [B, L] -> logits [B, L, V]
        out = torch.zeros(ids.shape[0], ids.shape[1], vocab)
        out[..., 7] = 30.0  # sure of every position: one step
        return out

    env = {"my_model": my_model, "input_ids": torch.tensor([[3, 4, 5]]),
           "mask": torch.tensor([[1, 1, 1]])}
    exec(compile(block[1], "README.md", "exec"), env)  # noqa: S102 - our own README
    assert env["result"].tokens.shape == (1, 32) and int(env["result"].nfe[0]) >= 1
