"""Run the transformers-4.x remote code of the dLLM families under transformers 5.

The hub checkpoints of LLaDA / LLaDA 1.5, LLaDA-MoE, LLaDA2 and Dream / DiffuCoder ship their own
modelling code (``trust_remote_code``), written against transformers 4.x. transformers 5 removed
or renamed a few things that code relies on. Rather than pinning 4.x (and losing DiffusionGemma,
which only exists in 5.x), ``hf-dllm`` restores exactly those things, and only when it loads a
remote class. The user's files are never edited. Each patch below says which 4.x behaviour it
restores and why the remote code needs it:

Import-time shims (``install_shims``; they only *add* names 5.x no longer has, nothing existing
changes, so native models are unaffected):

1. ``transformers.modeling_attn_mask_utils`` (removed in 5): LLaDA-MoE imports
   ``AttentionMaskConverter`` (2-D padding mask -> additive 4-D mask), LLaDA2 imports
   ``_prepare_4d_causal_attention_mask`` and ``_prepare_4d_causal_attention_mask_for_sdpa``.
   ``_mask_utils.py`` restates their 4.x semantics (including the sdpa variant returning ``None``
   when nothing needs masking, which is what makes LLaDA2's unpadded forward bidirectional).
2. ``transformers.utils.import_utils.is_torch_fx_available`` (removed): imported by LLaDA2.

Per-module patch (``patch_module``, on the imported remote module only):

3. ``ROPE_INIT_FUNCTIONS["default"]`` (5.x moved the plain RoPE frequencies into each model):
   Dream, LLaDA-MoE and LLaDA2 look up ``"default"`` (Dream's ``KeyError: 'default'``). The
   module's own reference to the dict is replaced by a copy with the 4.x default added; the global
   dict of transformers is left alone.

Per-class patches (``patch_class``, on the remote model classes only):

4. ``post_init`` bookkeeping: 5.x's ``from_pretrained`` reads ``all_tied_weights_keys`` (and the
   other sets ``post_init`` registers) that only exist once ``post_init`` ran; LLaDA's
   ``LLaDAModelLM.__init__`` never calls it (``AttributeError: ... all_tied_weights_keys``). The
   wrapped ``__init__`` registers them afterwards, without re-initialising any weight.
5. ``tie_weights(self)`` without keyword arguments: 5.x calls
   ``tie_weights(missing_keys=..., recompute_mapping=...)``; LLaDA's override takes none. The
   override is called with the arguments it accepts.
7. ``GenerationConfig.validate(self)`` without keyword arguments: 5.x's ``update`` calls
   ``validate(user_set_attributes=...)``; Dream's ``DreamGenerationConfig`` (read by Dream's own
   ``from_pretrained``) takes none. Same remedy as 5.

10. ``GenerationConfig.from_model_config`` of a remote subclass: 5.x compares every attribute
    with a base ``GenerationConfig()`` and fails on Dream's own ones (``eps``, ``alg``...), which
    ``diffusion_generate`` hits on every call. The 4.x behaviour (the model config's non-None
    entries through ``from_dict``) is used for such subclasses.

Per-config patch (``patch_config``):

6. 5.x drops a config.json's generation parameters (``use_cache``, ``top_k``...) unless the
   config class sets them itself; 4.x kept them, and LLaDA's forward reads ``config.use_cache``
   (its value ``false`` matters: ``true`` trips LLaDA's "kvcache is not supported" assertion).
   ``use_cache`` is put back on the loaded config. The other generation keys, and 4.x's global
   generation defaults every 4.x config carried (``top_k=50``, ``temperature=1.0``, ...), are
   *not* restored, because 5.x refuses to save a config that holds them. Consequence: the remote
   ``diffusion_generate`` called without ``top_k`` filters nothing under 5.x, whereas under 4.x
   it inherited ``top_k=50`` from the model config. ParallelBench's Dream runs pass
   ``top_k=None`` explicitly, so its results never depended on this, and our sampler never
   filters (docs/models.md).

After loading (``restore_buffers``):

8. Non-persistent buffers (rotary ``inv_freq``): 5.x builds models on the meta device and leaves
   these to each model's ``_init_weights``; the 4.x remote code never recomputes them there, so
   they would hold uninitialised memory (wrong logits for Dream, LLaDA-MoE, LLaDA2). They are
   recomputed exactly as the module's ``__init__`` computed them.

Around loading (``isolated_registrations``):

9. Remote code that registers itself with the auto classes at import (Fast-dLLM's LLaDA calls
   ``AutoConfig.register("llada", ...)`` and ``AutoModel.register``) would make every later
   ``model_type: llada`` checkpoint in the process load *that* code instead of its own. The
   registrations made while a checkpoint loads are undone afterwards (4.x let them stand too, but
   there one process rarely loaded two LLaDA variants).

``load_remote`` ties it together; it is what ``hf-dllm`` uses for every checkpoint that has an
``auto_map``. Native transformers models (DiffusionGemma, BERT...) bypass all of this. The patches themselves
live in ``_compat_patches.py``, the restated mask helpers in ``_mask_utils.py``.
"""
from __future__ import annotations

import contextlib
import sys
import types
from typing import Any, Iterator

from ._compat_patches import (default_rope_parameters, patch_class, patch_config, patch_module,
                              restore_buffers)
from ._mask_utils import (AttentionMaskConverter, _prepare_4d_causal_attention_mask,
                          _prepare_4d_causal_attention_mask_for_sdpa)

__all__ = ["auto_map_entry", "default_rope_parameters", "install_shims", "isolated_registrations",
           "load_remote", "patch_class", "patch_config", "patch_module", "remote_class",
           "restore_buffers"]


def install_shims() -> None:
    """Add the 4.x modules and names the remote code imports (1, 2). Idempotent."""
    import importlib.util

    import transformers.utils.import_utils as import_utils

    name = "transformers.modeling_attn_mask_utils"
    if name not in sys.modules and importlib.util.find_spec(name) is None:
        shim = types.ModuleType(name, "parallelbench compatibility shim: the transformers 4.x "
                                      "attention-mask helpers remote dLLM code imports")
        shim.AttentionMaskConverter = AttentionMaskConverter
        for fn in (_prepare_4d_causal_attention_mask, _prepare_4d_causal_attention_mask_for_sdpa):
            setattr(shim, fn.__name__, fn)
        sys.modules[name] = shim
    if not hasattr(import_utils, "is_torch_fx_available"):
        import_utils.is_torch_fx_available = _is_torch_fx_available


def _is_torch_fx_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch.fx") is not None


@contextlib.contextmanager
def isolated_registrations() -> Iterator[None]:
    """Patch 9: undo what remote code registers with the auto classes while the block runs."""
    from transformers.models.auto import configuration_auto, modeling_auto, tokenization_auto

    tables = [configuration_auto.CONFIG_MAPPING]
    for module in (modeling_auto, tokenization_auto):
        tables += [v for v in vars(module).values() if hasattr(v, "_extra_content")
                   and isinstance(v._extra_content, dict)]
    before = [dict(t._extra_content) for t in tables]
    try:
        yield
    finally:
        for table, saved in zip(tables, before):
            table._extra_content.clear()
            table._extra_content.update(saved)


def remote_class(target: str, trust_remote_code: bool = True) -> tuple[type, Any]:
    """The patched model class named by the checkpoint's ``architectures`` and its config."""
    from transformers import AutoConfig
    from transformers.dynamic_module_utils import get_class_from_dynamic_module

    install_shims()
    with isolated_registrations():
        config = AutoConfig.from_pretrained(target, trust_remote_code=trust_remote_code)
        config = patch_config(config, type(config).get_config_dict(target)[0])
        ref = auto_map_entry(config)
        if ref is None:
            raise LookupError(f"no auto_map entry names the architecture {architecture(config)!r}")
        cls = get_class_from_dynamic_module(ref, target)
    return patch_class(cls), config


def load_remote(target: str, **kwargs: Any) -> Any:
    """``from_pretrained`` of the checkpoint's remote class with every patch applied."""
    cls, config = remote_class(target)
    return restore_buffers(cls.from_pretrained(target, config=config, trust_remote_code=True,
                                               **kwargs))


def architecture(config: Any) -> str | None:
    archs = getattr(config, "architectures", None) or []
    return archs[0] if archs else None


def auto_map_entry(config: Any) -> str | None:
    """The ``auto_map`` reference (``module.Class``) of the config's architecture, else the
    masked-LM, causal-LM or base-model entry, in that order."""
    auto_map = getattr(config, "auto_map", None) or {}
    arch = architecture(config)
    for key, ref in auto_map.items():
        ref = ref[0] if isinstance(ref, (list, tuple)) else ref
        if key != "AutoConfig" and arch and ref.rsplit(".", 1)[-1] == arch:
            return ref
    for key in ("AutoModelForMaskedLM", "AutoModelForCausalLM", "AutoModel"):
        if key in auto_map:
            ref = auto_map[key]
            return ref[0] if isinstance(ref, (list, tuple)) else ref
    return None
