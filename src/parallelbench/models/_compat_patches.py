"""The per-module, per-class and per-config patches of ``compat.py`` (numbered as there)."""
from __future__ import annotations

import functools
import inspect
import sys
import types
from typing import Any

_PATCHED = "_parallelbench_compat"


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
        # Class attributes and properties are looked up on the class (no deprecation warnings).
        present = key in vars(config) or hasattr(type(config), key)
        if not (key.startswith("_") or key in dropped or present):
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
