"""The learned model as a ``parallelbench.train`` trainable (network + vocabulary)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from .model import TinyConfig, TinyDiffusionLM
from .tokenizer import WordTokenizer


class LearnedTrainable:
    """Masked-diffusion training of ``TinyDiffusionLM`` (no logit shift, full fine-tuning)."""

    shift_logits = False

    def __init__(self, model: TinyDiffusionLM, tokenizer: WordTokenizer, device: str = "cpu"):
        self.model, self.tokenizer, self.device = model.to(device), tokenizer, device
        self.mask_id, self.eos_id = tokenizer.mask_token_id, tokenizer.eos_token_id

    @classmethod
    def fresh(cls, tokenizer: WordTokenizer, seed: int, device: str = "cpu",
              **arch: Any) -> "LearnedTrainable":
        """A randomly initialised network (seeded) for ``tokenizer``'s vocabulary."""
        import torch

        torch.manual_seed(seed)
        cfg = TinyConfig(vocab_size=len(tokenizer), response_marker=tokenizer.assistant_id,
                         mask_token=tokenizer.mask_token_id, **arch)
        return cls(TinyDiffusionLM(cfg), tokenizer, device=device)

    @classmethod
    def load(cls, folder: str | Path) -> "LearnedTrainable":
        return cls(TinyDiffusionLM.load(folder), WordTokenizer.load(folder))

    def encode_pair(self, messages: list[dict[str, str]], answer: str) -> tuple[list[int],
                                                                             list[int]]:
        return self.tokenizer.chat_ids(messages), self.tokenizer.encode(answer)

    def forward(self, ids: Any) -> Any:
        return self.model(ids.to(self.device))

    def trainable_parameters(self) -> Iterable[Any]:
        return self.model.parameters()

    def trainable_state(self) -> dict[str, Any]:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def load_trainable_state(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state)

    def set_train(self, on: bool) -> None:
        self.model.train(on)

    def save_final(self, folder: Path) -> None:
        self.model.to("cpu").save(folder)
        self.model.to(self.device)
        self.tokenizer.save(folder)

    def info(self) -> dict[str, Any]:
        return {"backend": "learned", "mode": "full", "architecture": self.model.cfg.to_dict(),
                "parameters": self.model.num_parameters(), "vocab_size": len(self.tokenizer)}
