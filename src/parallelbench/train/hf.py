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
        from .objective import objective_for

        self.target, self.lora = target, lora
        backend = HFDiffusionLM(target, trust_remote_code=trust_remote_code, device=device,
                                dtype=dtype, **backend_options)
        self.tokenizer, self.family, self.device = backend.tokenizer, backend.family, backend.device
        self.chat_template = backend.chat_template
        self.mask_id, self.shift_logits = self.family.mask_id, self.family.shift_logits
        self.pad_id = self.family.pad_id
        # The objective that trains the model as it decodes (train.objective), and the block
        # length it decodes with (block-diffusion models train on the same blocks).
        self.objective = objective_for(self.family.convention)
        self.block_length = {**self.family.decoding, **backend.default_decoding}.get("block_length")
        if self.objective == "block_diffusion" and not (
                isinstance(self.block_length, int) and not isinstance(self.block_length, bool)
                and self.block_length >= 1):
            raise ConfigError(f"block_length must be a positive integer, got {self.block_length!r}")
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
        # The model itself (under LoRA: with the adapters injected), for objectives that call
        # its parts (DiffusionGemma's encoder and decoder).
        self.network = self.model.get_base_model() if lora is not None else self.model
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
            _drop_merged(model)
        _save_weights(model, Path(folder))
        self.tokenizer.save_pretrained(folder)
        _copy_remote_code(self.target, folder)

    def info(self) -> dict[str, Any]:
        params = list(self.model.parameters())
        return {"backend": "hf-dllm", "base": self.target, **self.family.to_dict(),
                "mode": "lora" if self.lora else "full", "objective": self.objective,
                **({"block_length": self.block_length} if self.objective == "block_diffusion" else {}),
                "lora": self.lora.to_dict() if self.lora else None,
                "trainable_parameters": sum(p.numel() for p in params if p.requires_grad),
                "parameters": sum(p.numel() for p in params), "device": str(self.device)}


def _with_lora(model: Any, spec: LoraSpec) -> Any:
    """The model with LoRA adapters on its linear layers named in ``spec.targets`` (other
    modules of that name, e.g. a vision tower's wrapped projections, are left alone)."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        raise ConfigError("LoRA training needs peft: pip install 'parallelbench[train]'") from None
    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    missing = [t for t in spec.targets if t not in names]
    if missing:
        raise ConfigError(f"LoRA target modules {missing} are not in this model; its linear "
                          f"layers include {sorted(n for n in names if 'proj' in n)[:12]}")
    _share_tied_layers(model)
    linear = _linear_types()
    targets = [n for n, m in model.named_modules()
               if n.rsplit(".", 1)[-1] in spec.targets and isinstance(m, linear)]
    if not targets:
        raise ConfigError(f"LoRA target modules {list(spec.targets)} are not linear layers here")
    config = LoraConfig(r=spec.r, lora_alpha=spec.alpha, lora_dropout=spec.dropout,
                        target_modules=targets, bias="none")
    peft_model = get_peft_model(model, config)
    _point_at_adapters(peft_model.get_base_model())
    return peft_model


def _linear_types() -> tuple[type, ...]:
    import torch
    from transformers.pytorch_utils import Conv1D

    return (torch.nn.Linear, Conv1D)


def _share_tied_layers(model: Any) -> None:
    """Linear layers that share their weight (DiffusionGemma's encoder and decoder) become one
    module object, so LoRA gives them one adapter: trained by both uses, merged into the shared
    weight once (peft would otherwise adapt each copy separately and merge twice)."""
    first: dict[int, Any] = {}
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            weight = getattr(child, "weight", None)
            if isinstance(child, _linear_types()) and weight is not None:
                keep = first.setdefault(id(weight), child)
                if keep is not child:
                    setattr(parent, name, keep)


def _point_at_adapters(model: Any) -> None:
    """peft wraps a shared layer where it first meets it: its other places get the wrapper too."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    wrapped = {id(m.get_base_layer()): m for m in model.modules() if isinstance(m, BaseTunerLayer)}
    for parent in list(model.modules()):
        if isinstance(parent, BaseTunerLayer):
            continue
        for name, child in list(parent.named_children()):
            if id(child) in wrapped:
                setattr(parent, name, wrapped[id(child)])


def _drop_merged(model: Any) -> None:
    """After ``merge_and_unload``: the other places of a shared layer get its merged base layer."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, BaseTunerLayer):
                setattr(parent, name, child.get_base_layer())


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
