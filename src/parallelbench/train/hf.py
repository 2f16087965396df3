"""Hugging Face masked-diffusion checkpoints as trainables: full fine-tuning or LoRA (peft).

The model is loaded exactly as the ``hf-dllm`` backend loads it (family, special tokens, calling
convention, ``trust_remote_code`` only on request), trained through the same adapter the sampler
calls, and saved as a plain checkpoint (LoRA weights merged into the base weights, the
tokenizer and any remote modelling code alongside), so ``hf-dllm:<out>/model`` loads it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..errors import ConfigError

#: LoRA defaults of the paper's fine-tuning (App. F.1: r 128, alpha 256, dropout 0.05, q/k/v).
LORA_TARGETS = ("q_proj", "k_proj", "v_proj")


@dataclass
class LoraSpec:
    """peft ``LoraConfig`` settings."""

    r: int = 128
    alpha: int = 256
    dropout: float = 0.05
    targets: list[str] = field(default_factory=lambda: list(LORA_TARGETS))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class HFTrainable:
    """An ``hf-dllm`` checkpoint prepared for masked-diffusion SFT."""

    def __init__(self, target: str, *, trust_remote_code: bool = False, lora: LoraSpec | None = None,
                 device: str | None = None, dtype: str | None = None, **backend_options: Any):
        from ..models.hf_dllm import DllmAdapter, HFDiffusionLM

        self.target, self.lora = target, lora
        backend = HFDiffusionLM(target, trust_remote_code=trust_remote_code, device=device,
                                dtype=dtype, **backend_options)
        self.tokenizer, self.family, self.device = backend.tokenizer, backend.family, backend.device
        self.chat_template = backend.chat_template
        self.mask_id, self.shift_logits = self.family.mask_id, self.family.shift_logits
        eos = self.family.eos_id if self.family.eos_id is not None else self.family.pad_id
        if eos is None:
            raise ConfigError(f"{target}: no EOS token to pad responses with; pass eos_id=<id>")
        self.eos_id = eos
        self.model = backend.model
        if lora is not None:
            self.model = _with_lora(self.model, lora)
        else:
            for p in self.model.parameters():
                p.requires_grad_(True)
        self.adapter = DllmAdapter(self.model, self.family)

    # -- data --------------------------------------------------------------------------------
    def encode_pair(self, messages: list[dict[str, str]], answer: str) -> tuple[list[int],
                                                                             list[int]]:
        """Prompt ids as ``hf-dllm`` renders them; response ids = what the chat template puts
        after the generation prompt for this answer (the answer and its end-of-turn token), or
        the answer + EOS when the template cannot be split that way."""
        from ..models.hf_common import render_prompts

        templated = self.chat_template is not False
        [prompt] = render_prompts(self.tokenizer, [messages], self.chat_template)
        prompt_ids = self.tokenizer(prompt, add_special_tokens=not templated)["input_ids"]
        if templated:
            template = self.chat_template if isinstance(self.chat_template, str) else None
            full = self.tokenizer.apply_chat_template(
                [*messages, {"role": "assistant", "content": answer}], tokenize=False,
                chat_template=template)
            if full.startswith(prompt) and len(full) > len(prompt):
                return prompt_ids, self.tokenizer(full[len(prompt):],
                                                  add_special_tokens=False)["input_ids"]
        return prompt_ids, self.tokenizer(answer, add_special_tokens=False)["input_ids"] + [
            self.eos_id]

    # -- training ----------------------------------------------------------------------------
    def forward(self, ids: Any) -> Any:
        return self.adapter(ids.to(self.device))

    def trainable_parameters(self) -> Iterable[Any]:
        return [p for p in self.model.parameters() if p.requires_grad]

    def trainable_state(self) -> dict[str, Any]:
        names = {n for n, p in self.model.named_parameters() if p.requires_grad}
        return {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()
                if k in names}

    def load_trainable_state(self, state: dict[str, Any]) -> None:
        missing = [k for k in state if k not in self.model.state_dict()]
        if missing:
            raise ConfigError(f"checkpoint does not fit this model (e.g. {missing[0]})")
        self.model.load_state_dict(state, strict=False)

    def set_train(self, on: bool) -> None:
        self.model.train(on)

    def save_final(self, folder: Path) -> None:
        model = self.model
        if self.lora is not None:
            model.save_pretrained(Path(folder) / "lora_adapter")
            model = model.merge_and_unload()
        _save_weights(model, Path(folder))
        self.tokenizer.save_pretrained(folder)
        _copy_remote_code(self.target, folder)

    def info(self) -> dict[str, Any]:
        params = list(self.model.parameters())
        return {"backend": "hf-dllm", "base": self.target, **self.family.to_dict(),
                "mode": "lora" if self.lora else "full",
                "lora": self.lora.to_dict() if self.lora else None,
                "trainable_parameters": sum(p.numel() for p in params if p.requires_grad),
                "parameters": sum(p.numel() for p in params), "device": str(self.device)}


def _with_lora(model: Any, spec: LoraSpec) -> Any:
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        raise ConfigError("LoRA training needs peft: pip install 'parallelbench[train]'") from None
    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    missing = [t for t in spec.targets if t not in names]
    if missing:
        raise ConfigError(f"LoRA target modules {missing} are not in this model; its linear "
                          f"layers include {sorted(n for n in names if 'proj' in n)[:12]}")
    config = LoraConfig(r=spec.r, lora_alpha=spec.alpha, lora_dropout=spec.dropout,
                        target_modules=list(spec.targets), bias="none")
    return get_peft_model(model, config)


def _save_weights(model: Any, folder: Path) -> None:
    """``save_pretrained``; for 4.x remote code that transformers 5 cannot save (Dream's list
    of tied keys), the config, generation config and a ``model.safetensors`` written directly,
    which ``from_pretrained`` (through the compatibility layer) loads the same way."""
    try:
        model.save_pretrained(folder)
        return
    except (AttributeError, TypeError):
        pass
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(folder)
    if getattr(model, "generation_config", None) is not None:
        model.generation_config.save_pretrained(folder)
    state = {k: v.detach().cpu().clone().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})


def _copy_remote_code(target: str, folder: Path) -> None:
    """A local remote-code checkpoint's ``*.py`` files go next to the saved weights (hub
    checkpoints get theirs from ``save_pretrained``)."""
    import shutil

    source = Path(target)
    if source.is_dir():
        for py in source.glob("*.py"):
            if not (Path(folder) / py.name).exists():
                shutil.copy2(py, Path(folder) / py.name)
