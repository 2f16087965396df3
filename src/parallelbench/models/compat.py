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
``auto_map``. Native transformers models (DiffusionGemma, BERT...) bypass all of this.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import sys
import types
from typing import Any, Iterator

from ._mask_utils import AttentionMaskConverter, _prepare_4d_causal_attention_mask, _prepare_4d_causal_attention_mask_for_sdpa

_PATCHED = "_parallelbench_compat"


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


def default_rope_parameters(config: Any = None, device: Any = None, seq_len: int | None = None,
                            **rope_kwargs: Any) -> tuple[Any, float]:
    """4.x ``ROPE_INIT_FUNCTIONS['default']``: inverse frequencies base^(-2i/d) over the rotary
    part of a head (``partial_rotary_factor`` of ``head_dim``), attention scaling 1."""
    import torch

    if rope_kwargs and "dim" in rope_kwargs:
        base, dim = rope_kwargs["base"], int(rope_kwargs["dim"])
    else:
        base = getattr(config, "rope_theta", None)
        if base is None:
            base = (getattr(config, "rope_parameters", None) or {}).get("rope_theta", 10000.0)
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
        dim = int(head_dim * getattr(config, "partial_rotary_factor", 1.0))
    exponents = torch.arange(0, dim, 2, dtype=torch.int64).to(device=device, dtype=torch.float)
    return 1.0 / (base ** (exponents / dim)), 1.0


def patch_module(module: types.ModuleType) -> None:
    """Per-module patch 3 (the module's own ROPE_INIT_FUNCTIONS gets a 'default')."""
    table = getattr(module, "ROPE_INIT_FUNCTIONS", None)
    if isinstance(table, dict) and "default" not in table:
        module.ROPE_INIT_FUNCTIONS = {**table, "default": default_rope_parameters}


def patch_class(cls: type) -> type:
    """Patch a remote model class and the model / generation-config classes defined in its
    module, in place (4, 5, 7). Idempotent."""
    from transformers import GenerationConfig, PreTrainedModel

    module = sys.modules.get(cls.__module__)
    classes = [cls]
    if module is not None:
        # The checkpoint's own modules: the class's module and its siblings it imported from
        # (Dream defines its generation config in generation_utils.py).
        package = module.__name__.rpartition(".")[0]
        classes = [c for c in vars(module).values() if isinstance(c, type)
                   and c.__module__.rpartition(".")[0] == package]
        for name in {c.__module__ for c in classes} | {module.__name__}:
            patch_module(sys.modules[name])
    for c in classes:
        if vars(c).get(_PATCHED):
            continue
        if issubclass(c, PreTrainedModel):
            if "__init__" in vars(c):
                c.__init__ = _finish_init(c.__init__)
            if "tie_weights" in vars(c):
                c.tie_weights = _lenient(c.tie_weights)
        elif issubclass(c, GenerationConfig):
            if "validate" in vars(c):
                c.validate = _lenient(c.validate)
            if "from_model_config" not in vars(c):
                c.from_model_config = classmethod(_from_model_config_4x)
        else:
            continue
        setattr(c, _PATCHED, True)
    return cls


def patch_config(config: Any, raw: dict[str, Any] | None = None) -> Any:
    """Patch 6: put back the entries of ``raw`` (the config.json dict) that the loaded config
    lacks: ``use_cache`` and any non-generation key 5.x dropped."""
    from transformers import GenerationConfig

    # Other generation keys stay dropped: 5.x refuses to save a config that holds them.
    dropped = set(GenerationConfig._get_default_generation_params()) - {"use_cache"}
    for key, value in (raw or {}).items():
        if not key.startswith("_") and key not in dropped and not hasattr(config, key):
            setattr(config, key, value)
    return config


def _finish_init(init):
    """Patch 4: run the original ``__init__``, then register what 5.x's ``post_init`` would."""

    @functools.wraps(init)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if not hasattr(self, "all_tied_weights_keys"):
            _register_post_init_state(self)

    return __init__


def _register_post_init_state(model: Any) -> None:
    """The bookkeeping part of 5.x ``PreTrainedModel.post_init`` (no weight initialisation)."""
    model.init_parallel_plans()
    model.all_tied_weights_keys = model.get_expanded_tied_weights_keys(all_submodels=False)
    for name in ("_keep_in_fp32_modules", "_keep_in_fp32_modules_strict", "_no_split_modules",
                 "_skip_keys_device_placement", "_keys_to_ignore_on_load_unexpected",
                 "_keys_to_ignore_on_load_missing", "_keys_to_ignore_on_save"):
        setattr(model, name, set(getattr(model, name, None) or []))
    for child_name, child in model.named_children():
        tied = getattr(child, "all_tied_weights_keys", None)
        if tied:
            model.all_tied_weights_keys.update({f"{child_name}.{k}": f"{child_name}.{v}"
                                                for k, v in tied.items()})
        for name in ("_keep_in_fp32_modules", "_keep_in_fp32_modules_strict", "_no_split_modules",
                     "_skip_keys_device_placement"):
            if getattr(child, name, None):
                getattr(model, name).update(getattr(child, name))


def _lenient(method):
    """Patches 5 and 7: call a 4.x method override with only the keyword arguments it accepts
    (5.x passes new ones: ``tie_weights(missing_keys=, recompute_mapping=)``,
    ``GenerationConfig.validate(user_set_attributes=)``)."""
    try:
        params = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return method
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return method

    @functools.wraps(method)
    def call(self, *args: Any, **kwargs: Any) -> Any:
        return method(self, *args, **{k: v for k, v in kwargs.items() if k in params})

    return call


def _from_model_config_4x(cls: type, model_config: Any) -> Any:
    """Patch 10: 4.x ``GenerationConfig.from_model_config`` for a remote subclass: the model
    config's non-None entries through ``from_dict``. (5.x then compares every attribute of the
    result with a base ``GenerationConfig()``, which fails on Dream's own fields such as ``eps``.)"""
    config_dict = model_config if isinstance(model_config, dict) else model_config.to_dict()
    config_dict = {k: v for k, v in config_dict.items()
                   if v is not None and k != "_from_model_config"}
    generation_config = cls.from_dict(config_dict, return_unused_kwargs=False,
                                      _from_model_config=True)
    generation_config._original_object_hash = hash(generation_config)
    return generation_config


def restore_buffers(model: Any) -> Any:
    """Patch 8: recompute the non-persistent buffers of a loaded remote model.

    5.x builds the model on the meta device and refills non-persistent buffers with
    uninitialised memory, expecting each model's ``_init_weights`` to recompute them; 4.x built
    the model on the CPU, so the remote ``_init_weights`` never had to (rotary ``inv_freq`` came
    out as garbage: wrong logits). Rotary modules (4.x convention: ``rope_init_fn``, ``config``,
    ``rope_kwargs``) are recomputed the way their ``__init__`` did; any other module with
    non-persistent buffers is rebuilt from its config on the CPU and its buffers copied."""
    import torch

    for name, module in model.named_modules():
        own = [b for b in getattr(module, "_non_persistent_buffers_set", ())
               if getattr(module, b, None) is not None]
        if not own:
            continue
        if callable(getattr(module, "rope_init_fn", None)) and "inv_freq" in own:
            inv_freq, scaling = module.rope_init_fn(module.config, None,
                                                    **getattr(module, "rope_kwargs", {}))
            old = module.inv_freq
            module.inv_freq = inv_freq.to(device=old.device, dtype=old.dtype)
            module.original_inv_freq = module.inv_freq
            module.attention_scaling = scaling
            continue
        try:
            with torch.device("cpu"):
                fresh = type(module)(config=module.config)
        except Exception as exc:  # noqa: BLE001 - any failure means we cannot restore it
            raise RuntimeError(f"cannot recompute the buffers {own} of module {name!r} "
                               f"({type(module).__name__}): {exc}") from None
        for b in own:
            old = getattr(module, b)
            setattr(module, b, getattr(fresh, b).to(device=old.device, dtype=old.dtype))
    return model


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
