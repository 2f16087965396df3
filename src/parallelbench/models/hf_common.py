"""Loading and prompting helpers shared by the ``transformers`` backends.

Everything that touches ``transformers`` is imported inside functions so that importing
``parallelbench.models`` stays cheap.
"""
from __future__ import annotations

import time
from typing import Any, Sequence

from ..errors import ConfigError, ParallelBenchError


def pick_device_dtype(device: str | None, dtype: str | None) -> tuple[str, Any]:
    """Default device (``cuda`` when available) and dtype (bf16 on GPU, float32 on CPU)."""
    import torch

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError):
        raise ConfigError(f"unknown device {device!r}; use cpu, cuda or cuda:N") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device={device} was asked for but CUDA is not available here "
                          f"(torch {torch.__version__}); use device=cpu or leave device unset")
    if dtype in (None, "auto"):
        return device, (torch.bfloat16 if device.startswith("cuda") else torch.float32)
    names = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32", "half": "float16"}
    resolved = getattr(torch, names.get(dtype, dtype), None)
    if not isinstance(resolved, torch.dtype):
        raise ConfigError(f"unknown dtype {dtype!r}; use bfloat16, float16 or float32")
    return device, resolved


def _remote_code_error(target: str, exc: Exception) -> ParallelBenchError | None:
    if "trust_remote_code" in str(exc) or "custom code" in str(exc):
        return ParallelBenchError(
            f"model {target!r} ships its own modelling code; re-run with --trust-remote-code "
            f"(option trust_remote_code=True) if you trust its source")
    return None


def _unknown_model_type_error(target: str, exc: Exception) -> ParallelBenchError | None:
    import re

    import transformers

    found = re.search(r"has model type `([^`]*)` but Transformers does not recognize", str(exc))
    if not found:
        return None
    return ParallelBenchError(
        f"model {target!r}: its model_type {found.group(1)!r} is unknown to transformers "
        f"{transformers.__version__} and the checkpoint ships no code for it (no auto_map); "
        f"upgrade transformers (pip install -U transformers) or use a checkpoint that ships its code")


def _from_pretrained(what: str, loader: Any, target: str, trust_remote_code: bool, **kwargs: Any) -> Any:
    """``loader.from_pretrained`` with the loading failures turned into one-line errors."""
    try:
        return loader.from_pretrained(target, trust_remote_code=bool(trust_remote_code), **kwargs)
    except (OSError, ValueError, KeyError) as exc:
        err = _remote_code_error(target, exc) or _unknown_model_type_error(target, exc)
        if err:
            raise err from None
        raise ParallelBenchError(f"cannot load the {what} of model {target!r}: "
                                 f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
                                 ) from None


def load_config(target: str, trust_remote_code: bool = False) -> Any:
    """``AutoConfig`` for a hub id or local path, with user-facing errors."""
    from transformers import AutoConfig

    if not target:
        raise ConfigError("no model given: use <backend>:<hub id or local path>")
    return _from_pretrained("config", AutoConfig, target, trust_remote_code)


def load_tokenizer(target: str, trust_remote_code: bool = False) -> Any:
    """``AutoTokenizer`` with left padding (prompts are right-aligned for batched decoding)."""
    from transformers import AutoTokenizer

    tokenizer = _from_pretrained("tokenizer", AutoTokenizer, target, trust_remote_code)
    tokenizer.padding_side = "left"
    return tokenizer


def load_weights(auto_class: Any, target: str, *, trust_remote_code: bool, dtype: Any,
                 device: str, device_map: Any = None) -> Any:
    """Load weights with ``auto_class``; ``device_map`` (e.g. ``"auto"``) goes to accelerate."""
    import transformers

    # transformers 5 renamed ``torch_dtype`` to ``dtype``.
    dtype_key = "dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"
    kwargs: dict[str, Any] = {dtype_key: dtype}
    if device_map is not None:
        kwargs["device_map"] = device_map
    model = _from_pretrained("weights", auto_class, target, trust_remote_code, **kwargs)
    if device_map is None:
        model = model.to(device)
    _experts_for_dtype(model, dtype)
    return model.eval()


def _experts_for_dtype(model: Any, dtype: Any) -> None:
    """A transformers-5 MoE (e.g. DiffusionGemma) runs its experts through ``grouped_mm`` by
    default, which takes float32, bfloat16 and float16 only: in float64 its experts run the
    library's ``eager`` implementation instead (the same arithmetic, one expert at a time)."""
    import torch

    if dtype != torch.float64 or not hasattr(model, "set_experts_implementation"):
        return
    can_set = getattr(model, "_can_set_experts_implementation", None)
    try:
        if can_set is not None and can_set():
            model.set_experts_implementation("eager")
    except (ValueError, RuntimeError, AttributeError):  # a model without experts: nothing to set
        pass


def render_prompts(tokenizer: Any, conversations: Sequence[list[dict[str, str]]],
                   chat_template: bool | str = True) -> list[str]:
    """Chat messages -> prompt strings through the model's chat template with the generation
    prompt added (SPEC 7.2). ``chat_template`` may be a Jinja string overriding the model's, or
    ``False`` for plain concatenation of the message contents (base models)."""
    if chat_template is False:
        return ["\n\n".join(m["content"] for m in conv) for conv in conversations]
    template = chat_template if isinstance(chat_template, str) else None
    if template is None and not getattr(tokenizer, "chat_template", None):
        raise ConfigError("this model's tokenizer has no chat template; pass chat_template=False "
                          "(plain prompts) or chat_template='<jinja template>'")
    return [tokenizer.apply_chat_template(list(conv), tokenize=False, add_generation_prompt=True,
                                          chat_template=template)
            for conv in conversations]


def encode_left_padded(tokenizer: Any, prompts: Sequence[str], pad_id: int,
                       templated: bool = True) -> tuple[Any, Any]:
    """Tokenise and left-pad; returns ``(input_ids, attention_mask)`` LongTensors ``[B, P]``.

    A templated prompt already holds its special tokens (BOS...), so none are added again.
    """
    import torch

    rows = [tokenizer(p, add_special_tokens=not templated)["input_ids"] for p in prompts]
    if any(len(r) == 0 for r in rows):
        raise ConfigError("a prompt tokenised to zero tokens")
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, width - len(r):] = torch.tensor(r, dtype=torch.long)
        mask[i, width - len(r):] = 1
    return ids, mask


def group_requests(requests: Sequence[Any], batch_size: int, key) -> list[list[int]]:
    """Indices of ``requests`` grouped by ``key(request)`` (same settings) in chunks of at most
    ``batch_size``, in first-appearance order."""
    groups: dict[Any, list[int]] = {}
    for i, request in enumerate(requests):
        groups.setdefault(key(request), []).append(i)
    return [idx[j:j + batch_size] for idx in groups.values() for j in range(0, len(idx), batch_size)]


class Stopwatch:
    """Wall time of a block of code, synchronising CUDA so GPU work is counted."""

    def __enter__(self) -> "Stopwatch":
        self._sync()
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._sync()
        self.seconds = time.perf_counter() - self.start

    @staticmethod
    def _sync() -> None:
        import torch

        if torch.cuda.is_available():
            torch.cuda.synchronize()
