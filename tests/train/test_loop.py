"""The SFT loop: interrupted and resumed runs end with the same weights; checkpoints; settings."""
from __future__ import annotations

import json

import pytest
import torch

from parallelbench.errors import ConfigError
from parallelbench.learned.recipe import vocabulary
from parallelbench.learned.trainable import LearnedTrainable
from parallelbench.train.checkpoints import list_checkpoints
from parallelbench.train.data import encode_examples, load_training_tasks
from parallelbench.train.loop import SFTConfig, run_sft


@pytest.fixture(scope="module")
def data():
    tasks = load_training_tasks(["list_ops/copy_n3"], num_samples=120)
    vocab = vocabulary(tasks)
    probe = LearnedTrainable.fresh(vocab, 0, dim=16, layers=1, heads=2, mlp=32)
    return vocab, encode_examples(probe, tasks, gen_length=9)


def _model(vocab):
    return LearnedTrainable.fresh(vocab, 0, dim=16, layers=1, heads=2, mlp=32)


class Interrupting(LearnedTrainable):
    """Raises KeyboardInterrupt (as Ctrl-C would) on the n-th training forward."""

    def __init__(self, inner: LearnedTrainable, after: int):
        super().__init__(inner.model, inner.tokenizer)
        self.calls, self.after = 0, after

    def forward(self, ids):
        if self.model.training:
            self.calls += 1
            if self.calls > self.after:
                raise KeyboardInterrupt
        return super().forward(ids)


def test_resume_gives_the_same_weights(tmp_path, data):
    vocab, examples = data
    cfg = SFTConfig(steps=8, batch_size=8, lr=1e-2, eval_samples=8, checkpoint_every=3,
                    log_every=2)
    straight = _model(vocab)
    run_sft(straight, examples, cfg, tmp_path / "a", progress=False)
    with pytest.raises(KeyboardInterrupt):
        run_sft(Interrupting(_model(vocab), after=5), examples, cfg, tmp_path / "b",
                progress=False)
    assert [s for s, _ in list_checkpoints(tmp_path / "b")] == [3, 5]
    resumed = _model(vocab)
    manifest = run_sft(resumed, examples, cfg, tmp_path / "b", progress=False)
    assert manifest["resumed_at"] == [5] and manifest["steps"] == 8
    for (name, a), (_, b) in zip(straight.model.state_dict().items(),
                                 resumed.model.state_dict().items()):
        assert torch.equal(a, b), name
    first = json.loads((tmp_path / "a" / "train_manifest.json").read_text())
    assert first["curve"] == manifest["curve"]
    assert first["held_out_loss"] == manifest["held_out_loss"]
    assert [s for s, _ in list_checkpoints(tmp_path / "a")] == [6, 8]  # the two newest
    # Done already: running again trains nothing and keeps the result.
    again = run_sft(_model(vocab), examples, cfg, tmp_path / "a", progress=False)
    assert again["held_out_loss"] == first["held_out_loss"]


def test_resume_refuses_other_settings(tmp_path, data):
    vocab, examples = data
    run_sft(_model(vocab), examples, SFTConfig(steps=2, batch_size=8, eval_samples=8), tmp_path,
            progress=False)
    with pytest.raises(ConfigError, match="other settings"):
        run_sft(_model(vocab), examples, SFTConfig(steps=2, batch_size=8, lr=5e-4,
                                                   eval_samples=8), tmp_path, progress=False)
    with pytest.raises(ConfigError, match="steps or as epochs"):
        SFTConfig()
    assert SFTConfig(epochs=2, batch_size=10).total_steps(95) == 20
