"""Load a masked-diffusion checkpoint's weights for ``hf-dllm`` (native or remote code).

* A checkpoint with an ``auto_map`` ships its own modelling code (LLaDA, LLaDA-MoE, LLaDA2, Dream,
  DiffuCoder). It needs ``trust_remote_code`` and is loaded as the class its ``architectures``
  names, through the compatibility layer (``compat.py``: 4.x remote code under transformers 5).
* Otherwise the architecture is a transformers class (``DiffusionGemmaForBlockDiffusion``,
  ``BertForMaskedLM``...), loaded directly, or through an auto class when the config names none.

Every failure becomes one ``ParallelBenchError`` line naming the model, the cause and the fix.
"""
from __future__ import annotations

import re
from typing import Any

from ..errors import ParallelBenchError
from .hf_common import load_weights


def load_dllm_weights(target: str, config: Any, *, trust_remote_code: bool, dtype: Any,
                      device: str, device_map: Any = None) -> Any:
    """The model for ``target`` (``config`` already loaded), in eval mode on ``device``."""
    kwargs: dict[str, Any] = {"dtype": dtype}
    if device_map is not None:
        kwargs["device_map"] = device_map
    if getattr(config, "auto_map", None):
        if not trust_remote_code:
            raise ParallelBenchError(
                f"model {target!r} ships its own modelling code; re-run with --trust-remote-code "
                f"(option trust_remote_code=True) if you trust its source")
        model = _load_remote(target, kwargs)
        if device_map is None:
            model = model.to(device)
        return model.eval()
    return load_weights(native_class(target, config), target, trust_remote_code=False,
                        dtype=dtype, device=device, device_map=device_map)


def native_class(target: str, config: Any) -> Any:
    """The transformers class named by ``config.architectures``, else an auto class."""
    import transformers

    archs = list(getattr(config, "architectures", None) or [])
    for arch in archs:
        cls = getattr(transformers, arch, None)
        if isinstance(cls, type) and issubclass(cls, transformers.PreTrainedModel):
            return cls
    if archs:
        raise ParallelBenchError(
            f"model {target!r}: its architecture {archs[0]!r} is not part of transformers "
            f"{transformers.__version__} and the checkpoint ships no code for it (no auto_map "
            f"in config.json); install a transformers version that has it")
    names = " ".join(archs)
    if "ForCausalLM" in names:
        return transformers.AutoModelForCausalLM
    return transformers.AutoModelForMaskedLM


def _load_remote(target: str, kwargs: dict[str, Any]) -> Any:
    from . import compat

    try:
        return compat.load_remote(target, **kwargs)
    except ParallelBenchError:
        raise
    except ImportError as exc:
        missing = _missing_packages(str(exc))
        if missing:
            raise ParallelBenchError(
                f"model {target!r}: its modelling code needs the Python package(s) "
                f"{', '.join(missing)}, which are not installed; run `pip install "
                f"{' '.join(missing)}`") from None
        raise _incompatible(target, exc) from None
    except OSError as exc:  # missing files, unreachable hub
        raise ParallelBenchError(f"cannot load the weights of model {target!r}: "
                                 f"{_first_line(exc)}") from None
    except Exception as exc:  # noqa: BLE001 - remote code can fail in any way
        raise _incompatible(target, exc) from None


def _incompatible(target: str, exc: BaseException) -> ParallelBenchError:
    import transformers

    return ParallelBenchError(
        f"model {target!r}: its remote modelling code does not run under transformers "
        f"{transformers.__version__}, even with parallelbench's compatibility layer "
        f"({type(exc).__name__}: {_first_line(exc)}); use a checkpoint revision written for "
        f"transformers 5, or report it with this message")


def _missing_packages(message: str) -> list[str]:
    """Package names from transformers' "requires the following packages" message or a plain
    ``No module named 'x'`` of a third-party package."""
    found = re.search(r"following packages that were not found in your environment: ([^.]+)\.",
                      message)
    if found:
        return [p.strip() for p in found.group(1).split(",") if p.strip()]
    found = re.search(r"No module named '([^'.]+)", message)
    if found and found.group(1) not in ("transformers", "torch"):
        return [found.group(1)]
    return []


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def honours_padding(adapter: Any, family: Any, vocab_size: int) -> bool:
    """Whether the model's code masks left padding: a 3-token probe must give the same logits
    alone and behind one pad token with its attention-mask entry 0.

    Some revisions of LLaDA's code ignore every attention mask (Fast-dLLM's copy and the hub
    code before its 2025-10 update pass ``attn_mask=None`` to attention); padded rows then
    attend to their padding and decode differently from the prompt alone. For such models
    ``hf-dllm`` batches only prompts of equal length. Tolerance: float rounding of the shifted
    positions (1e-3 of the logit scale in float32, 5% in half precision, far below the effect
    of an attended extra token)."""
    import torch

    if family.convention == "encoder_decoder":
        return True
    reserved = {family.mask_id, family.pad_id, family.eos_id, *family.stop_ids}
    tokens = [t for t in range(vocab_size) if t not in reserved][:3]
    pad = family.pad_id if family.pad_id is not None else family.mask_id
    alone = torch.tensor([tokens])
    padded = torch.tensor([[pad] + tokens])
    with torch.no_grad():
        a = adapter(alone, torch.ones_like(alone)).float()
        b = adapter(padded, torch.tensor([[0, 1, 1, 1]]))[:, 1:].float()
    finite = torch.isfinite(a)
    scale = a[finite].abs().max().clamp_min(1e-6)
    dtype = next(adapter.model.parameters()).dtype
    tolerance = 1e-3 if dtype in (torch.float32, torch.float64) else 5e-2
    return bool(((a[finite] - b[finite]).abs().max() / scale) <= tolerance)
