"""The one validation pass of a sweep: everything a unit will need, before the first sample.

``plan_sweep`` runs, in order, every check that needs no model weights:

* the sweep values and grids (``spec.py``), every unit's decoding dict against the sampler's own
  validation (``expand.py``);
* the model backend: it exists, and its decoding contract matches the strategies. An
  autoregressive or API backend (``decoding="none"``) ignores diffusion settings, so it takes
  only ``--strategy none`` instead of producing ``k=1``/``k=2`` rows that are the same run
  twice; a diffusion backend needs a real strategy;
* the backend's own per-request check (``Backend.check``) on every pending sample, e.g. the
  ideal model refusing a text task or a block length that does not divide an answer's items;
* the results directory: it is, or can become, a folder, and an existing store was made with
  the same model and the same result-determining options (``check_identity``).

Loading the model (device, dtype, weights) comes after this pass and before anything is written.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError, ParallelBenchError
from ..models.base import Backend, get_backend, stable_hash
from .expand import NO_STRATEGY, TaskSource, Unit, expand_units, key_options
from .records import make_request
from .spec import SweepSpec

KEY_FORMAT = 2  # unit keys hash only result-determining model options (manifest "key_format")


def check_backend(spec: SweepSpec) -> Backend:
    """The sweep's backend, with its decoding contract checked against the strategies."""
    backend = get_backend(spec.model)
    names = [name for grid in spec.strategies for name in grid.strategies]
    if backend.decoding == "none":
        diffusion = [n for n in names if n != NO_STRATEGY]
        if diffusion:
            raise ConfigError(
                f"model {spec.model!r} is autoregressive or an API and ignores diffusion decoding "
                f"settings, so strategy {diffusion[0]!r} would only repeat the same run under "
                f"other labels; use --strategy none (strategy: none in a sweep file)")
    elif backend.decoding == "diffusion" and NO_STRATEGY in names:
        raise ConfigError(
            f"model {spec.model!r} decodes by diffusion and needs a decoding strategy "
            f"(e.g. --strategy confidence-topk --k 1); 'none' is for autoregressive and API models")
    return backend


def check_requests(spec: SweepSpec, backend: Backend, work: list[tuple[Unit, list[Any]]]) -> None:
    """Run the backend's own request check on every pending sample."""
    if backend.check is None:
        return
    target = spec.model.partition(":")[2]
    for unit, samples in work:
        for sample in samples:
            try:
                backend.check(make_request(unit, sample, spec.seed), target, dict(spec.model_options))
            except ParallelBenchError as exc:
                raise ConfigError(f"{spec.model} cannot run task {unit.task!r} sample {sample.index} "
                                  f"({unit.strategy} {unit.label}): {exc}") from None


def check_loaded(spec: SweepSpec, model: Any, work: list[tuple[Unit, list[Any]]]) -> None:
    """The loaded model's own check (``ModelAPI.check``) of one request per unit."""
    check = getattr(model, "check", None)
    if not callable(check):
        return
    for unit, samples in work:
        try:
            check(make_request(unit, samples[0], spec.seed))
        except ParallelBenchError as exc:
            raise ConfigError(f"{spec.model} cannot run {unit.strategy} {unit.label} on task "
                              f"{unit.task!r}: {exc}") from None


def identity(spec: SweepSpec, backend: Backend) -> dict[str, Any]:
    """What every record of a store shares: the model and its result-determining options
    (hashed, so no option value, secret or not, is stored twice)."""
    return {"model": spec.model,
            "options": {k: stable_hash(v)[:16] for k, v in sorted(backend.key_options(spec.model_options).items())}}


def _shown(manifest: dict[str, Any], key: str) -> str:
    value = (manifest.get("config") or {}).get("model_options", {}).get(key, "(not set)")
    return f"{key}={value}"


def check_identity(manifest: dict[str, Any], spec: SweepSpec, backend: Backend, where: str,
                   has_records: bool = True) -> None:
    """Refuse to add to a store made with another model or another result-determining option
    (the records would mix, and the manifest would describe only the last run)."""
    if not manifest:
        return
    stored = manifest.get("identity")
    if stored is None:  # a store written before key format 2: derive it from its config
        config = manifest.get("config") or {}
        if not config.get("model"):
            return
        old_options = dict(config.get("model_options") or {})
        extra = sorted(set(old_options) - set(backend.key_options(old_options)))
        if extra and has_records:
            raise ConfigError(
                f"{where} was written by an older parallelbench whose keys also hashed the model "
                f"option(s) {', '.join(extra)}; resuming would run every sample again: use a new --out")
        stored = {"model": config["model"],
                  "options": {k: stable_hash(v)[:16] for k, v in sorted(backend.key_options(old_options).items())}}
    if stored.get("model") != spec.model:
        raise ConfigError(
            f"{where} holds results of model {stored.get('model')!r}, not {spec.model!r}; "
            f"use one results directory per model (another --out)")
    now = identity(spec, backend)["options"]
    before = stored.get("options") or {}
    for key in sorted(set(now) | set(before)):
        if now.get(key) != before.get(key):
            current = f"{key}={spec.model_options[key]}" if key in spec.model_options else f"{key} not set"
            raise ConfigError(
                f"{where} was made with model option {_shown(manifest, key)}, this run has {current}; "
                f"{key} can change results, so use another --out (or the same value)")


def plan_sweep(spec: SweepSpec, source: TaskSource | None = None,
               store: Any = None) -> tuple[Backend, list[Unit], list[tuple[Unit, list[Any]]]]:
    """``(backend, units, pending work)`` after every check that needs no model weights;
    ``store.has(key)`` tells which samples are already done (none when ``store`` is None)."""
    from .execute import pending_work

    backend = check_backend(spec)
    source = source or TaskSource(spec)
    units = expand_units(spec, source)

    class _Empty:
        @staticmethod
        def has(key: str) -> bool:
            return False

    work = pending_work(units, source, store if store is not None else _Empty())
    check_requests(spec, backend, work)
    return backend, units, work


def check_out(out: str | Path) -> Path:
    """The results directory: a store, an empty folder, or a path where one can be made."""
    from .store import check_target

    return check_target(out)


__all__ = ["KEY_FORMAT", "check_backend", "check_identity", "check_loaded", "check_out", "check_requests",
           "identity", "plan_sweep"]
