"""Expand a sweep into units and check every unit before any work starts.

A *unit* is one decoding configuration applied to one task: the model, the task, the concrete
decoding dict handed to the backend, and the samples it covers. Its key hashes everything that
determines its results and nothing else (of the model options, only those the backend declares
as ``result_options``), so a finished unit is recognised on the next run even when, say, the
batch size or the device changed.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from ..errors import ConfigError, ParallelBenchError
from ..models.base import stable_hash
from .spec import GRID_FIELDS, SweepSpec

NO_STRATEGY = "none"  # autoregressive / API models: no diffusion decoding settings
_SECRET_WORDS = ("key", "token", "secret", "password")


@dataclass
class Unit:
    """One (task, decoding configuration) pair of a sweep."""

    task: str
    strategy: str
    decoding: dict[str, Any]
    setting: dict[str, Any]
    max_tokens: int
    temperature: float
    num_samples: int
    key: str = ""
    task_size: int = 0
    sampling: str = "first"

    def sample_indices(self) -> list[int]:
        """Which samples of the task the unit evaluates: the first N, or N spread evenly over the
        task (``sampling: spread``), so a small run still covers every list length."""
        if self.sampling == "spread" and self.task_size > self.num_samples:
            return [i * self.task_size // self.num_samples for i in range(self.num_samples)]
        return list(range(self.num_samples))

    @property
    def label(self) -> str:
        """Short, task-independent name of the setting (``k=2 B=8``)."""
        return setting_label(self.setting)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "task": self.task, "strategy": self.strategy,
            "setting": self.setting, "label": self.label, "decoding": self.decoding,
            "max_tokens": self.max_tokens, "temperature": self.temperature,
            "num_samples": self.num_samples, "sampling": self.sampling,
        }


_SHORT = {"block_length": "B", "threshold": "thr", "factor": "f", "temperature": "T"}


def setting_label(setting: dict[str, Any]) -> str:
    parts = [f"{_SHORT.get(k, k)}={v}" for k, v in sorted(setting.items(), key=lambda kv: _order(kv[0]))]
    return " ".join(parts) or "default"


def _order(key: str) -> tuple[int, str]:
    return (GRID_FIELDS.index(key) if key in GRID_FIELDS else len(GRID_FIELDS), key)


def redact(options: dict[str, Any]) -> dict[str, Any]:
    """Options with secret-looking values hidden (for manifests and logs)."""
    return {k: ("***" if any(w in k.lower() for w in _SECRET_WORDS) and "env" not in k.lower() else v)
            for k, v in options.items()}


class TaskSource:
    """Where tasks come from; the default uses ``parallelbench.tasks`` (tests may pass fakes)."""

    def __init__(self, spec: SweepSpec, names: Callable[[], Iterable[str]] | None = None,
                 loader: Callable[..., Any] | None = None):
        self.spec = spec
        self._names = names
        self._loader = loader
        self._cache: dict[str, Any] = {}

    def names(self) -> list[str]:
        if self._names is not None:
            return list(self._names())
        from ..tasks import list_tasks
        return [getattr(t, "name", t) for t in list_tasks()]

    def load(self, name: str) -> Any:
        if name not in self._cache:
            opts = {k: v for k, v in self.spec.task_options.items() if v is not None}
            if self.spec.data_dir:
                opts["data_dir"] = self.spec.data_dir
            loader = self._loader
            if loader is None:
                from ..tasks import load_task as loader
            try:
                self._cache[name] = loader(name, **opts)
            except ParallelBenchError:
                raise
            except (KeyError, FileNotFoundError, TypeError) as exc:
                raise ConfigError(f"cannot load task {name!r}: {exc}") from None
            if hasattr(self._cache[name], "backends"):  # the sweep's metric backends score it
                from ..metrics.backends import MetricBackends

                self._cache[name].backends = MetricBackends.from_spec(self.spec)
        return self._cache[name]

    def resolve(self, patterns: list[str]) -> list[str]:
        """Task names matching the patterns, in pattern order, without duplicates (a literal
        name is kept: ``load_task`` reports it if unknown)."""
        from ..tasks.loader import match_tasks

        return match_tasks(patterns, self.names)


def _expand_values(key: str, values: list[Any], M: int) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if v == "pow2":
            if key not in ("k", "steps", "block_length"):
                raise ConfigError(f"'pow2' is not allowed for {key}")
            p = 1
            while p <= M:
                out.append(p)
                p *= 2
        elif v == "all":
            if key not in ("k", "steps", "block_length"):
                raise ConfigError(f"'all' is not allowed for {key}")
            out.append({"k": M, "steps": 1, "block_length": M}[key])
        else:
            out.append(v)
    return list(dict.fromkeys(out))


def _strategy_class(name: str):
    from ..decoding import get_strategy
    return get_strategy(name)


def check_decoding(decoding: dict[str, Any], gen_length: int) -> None:
    """Raise ConfigError if the sampler would reject this decoding dict (uses the real
    ``DecodeConfig`` validation and the strategy's own parameter check)."""
    from ..decoding import DecodeConfig
    cls = _strategy_class(decoding["strategy"])
    try:
        cfg = DecodeConfig.build(dict(decoding), gen_length=gen_length, mask_id=0)
        cfg.validate(gen_length, cls.fixed_count)
        cls(cfg)
    except ParallelBenchError:
        raise
    except (TypeError, ValueError, ArithmeticError) as exc:  # a parameter of the wrong type
        raise ConfigError(f"invalid decoding parameters ({type(exc).__name__}: {exc})") from None


def _grid_combos(grid: dict[str, list[Any]], M: int) -> list[dict[str, Any]]:
    keys = list(grid)
    values = [_expand_values(k, grid[k], M) for k in keys]
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


def _admissible(combo: dict[str, Any], M: int) -> bool:
    """The paper's grid constraint: at most one block's worth per step (k <= B)."""
    B = combo.get("block_length") or M
    if "k" in combo and isinstance(combo["k"], int) and combo["k"] > B:
        return False
    if "steps" in combo and isinstance(combo["steps"], int) and combo["steps"] < M // max(B, 1):
        return False
    return True


def _setting(combo: dict[str, Any], raw: dict[str, list[Any]], M: int) -> dict[str, Any]:
    setting = {}
    for key, value in combo.items():
        if key == "block_length" and value in (None, M):
            continue  # one block over the whole generation is the default
        if key == "cache" and value in (None, "none"):
            continue  # no KV cache is the default
        if key in ("k", "steps") and "all" in raw.get(key, []) and value == (M if key == "k" else 1):
            value = "all"
        setting[key] = value
    return setting


def key_options(spec: SweepSpec) -> dict[str, Any]:
    """The model options that enter unit keys: those the backend declares as able to change a
    result (all of them for a backend that declares nothing)."""
    from ..models.base import get_backend

    return get_backend(spec.model).key_options(spec.model_options)


def expand_units(spec: SweepSpec, source: TaskSource | None = None) -> list[Unit]:
    """Every unit of the sweep, checked; raises ConfigError naming the first problem."""
    source = source or TaskSource(spec)
    units: list[Unit] = []
    options = key_options(spec)
    names = source.resolve(spec.tasks)
    for gi, grid in enumerate(spec.strategies):
        if grid.tasks is not None and not any(grid.applies_to(t) for t in names):
            raise ConfigError(f"strategies[{gi}].tasks {grid.tasks} matches none of the sweep's tasks")
    for task_name in names:
        task = source.load(task_name)
        M = int(spec.max_tokens or task.max_tokens)
        n = len(task) if spec.limit is None else min(len(task), spec.limit)
        if n == 0:
            raise ConfigError(f"task {task_name!r} has no samples")
        for gi, grid in enumerate(spec.strategies):
            if not grid.applies_to(task_name):
                continue
            for name in grid.strategies:
                units.extend(_units_for(spec, grid.grid, name, task_name, M, n, gi, len(task),
                                        options))
    keys = [u.key for u in units]
    if len(set(keys)) != len(keys):
        raise ConfigError("the sweep lists the same configuration twice; remove the duplicate grid entry")
    return units


def _units_for(spec, grid, name, task_name, M, n, gi, size, options) -> list[Unit]:
    where = f"strategies[{gi}] ({name}) on task {task_name!r}"
    if name == NO_STRATEGY:
        if set(grid) - {"temperature"}:
            raise ConfigError(f"{where}: strategy 'none' takes no decoding parameters")
        canonical, fixed = NO_STRATEGY, False
    else:
        cls = _strategy_class(name)
        canonical, fixed = cls.id, cls.fixed_count
        if not fixed and ({"k", "steps"} & set(grid)):
            raise ConfigError(f"{where}: strategy {canonical!r} is adaptive and takes no k/steps")
        if fixed and not ({"k", "steps"} & set(grid)):
            raise ConfigError(f"{where}: strategy {canonical!r} needs k or steps")
        for key, field_strategy in (("threshold", "confidence-threshold"), ("factor", "confidence-factor")):
            if key in grid and canonical != field_strategy and fixed:
                raise ConfigError(f"{where}: strategy {canonical!r} does not use {key}")
    combos = [c for c in _grid_combos(grid, M) if _admissible(c, M)]
    if not combos:
        raise ConfigError(f"{where}: the grid is empty after the constraint k <= block_length")
    out = []
    for combo in combos:
        temperature = float(combo.get("temperature", spec.temperature))
        decoding: dict[str, Any] = {}
        if canonical != NO_STRATEGY:
            decoding = {"strategy": canonical, **{k: v for k, v in combo.items() if k != "temperature"}}
            if decoding.get("block_length") == M:
                decoding["block_length"] = None
            if "cache" in decoding and decoding["cache"] in (None, "none"):
                del decoding["cache"]  # the default: results (and keys) as without the setting
            decoding["temperature"] = temperature
            try:
                check_decoding(decoding, M)
            except ParallelBenchError as exc:
                raise ConfigError(f"{where}, setting {setting_label(combo)}: {exc}") from None
        unit = Unit(task_name, canonical, decoding, _setting(combo, grid, M), M, temperature, n,
                    task_size=size, sampling=spec.sampling)
        unit.key = stable_hash({
            "model": spec.model, "model_options": options, "task": task_name,
            "task_options": spec.task_options, "max_tokens": M, "decoding": decoding,
            "temperature": temperature, "seed": spec.seed,
        })
        out.append(unit)
    return out
