"""Training data for masked-diffusion SFT: task samples -> (prompt ids, response ids) pairs.

Samples come from the training split of built-in generator tasks (generated in memory with
``parallelbench.tasks.splits.train_task``: other seeds, test prompts removed) or from task files
written by ``parallelbench generate --split train`` (``data_dir``). The response is what the
model's chat format puts after the generation prompt (the answer and its end-of-turn token),
then padded with EOS up to the generation length, as LLaDA's SFT does.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Sequence

from ..errors import ConfigError


class Encoder(Protocol):
    """What the data code needs from a trainable model."""

    eos_id: int

    def encode_pair(self, messages: list[dict[str, str]], answer: str) -> tuple[list[int],
                                                                             list[int]]:
        """(prompt ids with the generation prompt, response ids without EOS padding)."""
        ...


@dataclass(frozen=True)
class TaskData:
    """One training task: its samples and where they came from."""

    name: str
    task: Any
    source: str
    removed: int = 0

    def describe(self) -> dict[str, Any]:
        return {"task": self.name, "samples": len(self.task), "source": self.source,
                "removed_test_prompts": self.removed, "max_tokens": self.task.max_tokens}


@dataclass(frozen=True)
class Example:
    """One SFT sequence: ``ids`` = prompt + response (EOS-padded); the first ``prompt_len``
    positions are never masked."""

    ids: tuple[int, ...]
    prompt_len: int


def load_training_tasks(patterns: Sequence[str], *, data_dir: str | Path | None = None,
                        num_samples: int = 1000, seed: int = 123,
                        exclude_data_dir: str | Path | None = None) -> list[TaskData]:
    """Training tasks by name or glob: files under ``data_dir`` or built-in training splits."""
    from ..tasks import load_task
    from ..tasks.official import discover
    from ..tasks.splits import generator_tasks, train_task

    if not patterns:
        raise ConfigError("no training tasks given")
    if data_dir is not None:
        from ..tasks.loader import match_tasks

        names = match_tasks(patterns, discover(data_dir), literal_ok=False, what="task file",
                            where=f" under {data_dir}")
        return [TaskData(n, load_task(n, data_dir=data_dir), f"files:{data_dir}") for n in names]
    out = []
    for name in generator_tasks(patterns):
        task, removed = train_task(name, num_samples, seed, exclude_data_dir)
        out.append(TaskData(name, task, f"builtin-train(seed={seed})", removed))
    return out


def encode_examples(encoder: Encoder, tasks: Sequence[TaskData],
                    gen_length: int | None = None) -> list[Example]:
    """Every sample of every task as an ``Example``: the response padded with EOS to
    ``gen_length`` (default: each task's generation length)."""
    examples = []
    for data in tasks:
        length = gen_length or data.task.max_tokens
        for sample in data.task:
            prompt, response = encoder.encode_pair(sample.messages, sample.reference)
            if len(response) > length:
                raise ConfigError(f"{data.name} sample {sample.index}: the answer takes "
                                  f"{len(response)} tokens, more than the generation length "
                                  f"{length}; raise --gen-length")
            response = response + [encoder.eos_id] * (length - len(response))
            examples.append(Example(tuple(prompt + response), len(prompt)))
    if not examples:
        raise ConfigError("the training tasks hold no samples")
    return examples


def fingerprint(examples: Sequence[Example]) -> str:
    """SHA-256 of the encoded examples (what the manifest records as the data's identity)."""
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(json.dumps([ex.prompt_len, ex.ids]).encode())
    return digest.hexdigest()


def collate(examples: Sequence[Example], pad_id: int) -> tuple[Any, Any]:
    """``(input_ids [B, L], prompt_lengths [B])``; shorter rows are right-padded with
    ``pad_id`` (EOS), which counts as response, as in LLaDA's SFT."""
    import torch

    width = max(len(ex.ids) for ex in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    for row, ex in enumerate(examples):
        ids[row, :len(ex.ids)] = torch.tensor(ex.ids, dtype=torch.long)
    return ids, torch.tensor([ex.prompt_len for ex in examples], dtype=torch.long)
