"""Sweep specifications: what a run covers, from command-line flags or a YAML file.

A sweep names one model, task globs and, per strategy, a *grid* of decoding parameters. Grids
stay compact: a value list may use the keywords ``pow2`` (1, 2, 4, ... up to the task's
generation length M) and ``all`` (k = M, i.e. one step; block_length = one block over the whole
generation), so the paper's sweeps (SPEC 7.4) are a few lines instead of thousands of entries.
Grids are expanded per task by ``parallelbench.runner.expand``.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from ..errors import ConfigError

# Grid keys that map onto DecodeConfig fields; any other key is a strategy parameter.
GRID_FIELDS = ("k", "steps", "block_length", "threshold", "factor", "temperature")
KEYWORDS = ("pow2", "all")
_TOP_KEYS = {
    "model", "model_options", "tasks", "strategies", "temperature", "limit", "data_dir",
    "task_options", "max_tokens", "seed", "batch_size", "name", "sampling",
    "grammar", "languagetool_url", "similarity", "similarity_model",
}
SAMPLINGS = ("first", "spread")


@dataclass
class StrategyGrid:
    """One strategy (or several sharing a grid) and its parameter value lists; ``tasks``
    (names or globs) limits the grid to some of the sweep's tasks (``None`` = all of them)."""

    strategies: list[str]
    grid: dict[str, list[Any]] = field(default_factory=dict)
    tasks: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"strategy": list(self.strategies), **{k: list(v) for k, v in self.grid.items()}}
        if self.tasks is not None:
            out["tasks"] = list(self.tasks)
        return out

    def applies_to(self, task: str) -> bool:
        import fnmatch

        return self.tasks is None or any(fnmatch.fnmatchcase(task, p) for p in self.tasks)


@dataclass
class SweepSpec:
    """Everything that determines a run's results (the manifest stores ``to_dict()``).

    Attributes:
        model: model spec for ``parallelbench.models.get_model`` (e.g. ``ideal``, ``mock:reference``).
        model_options: keyword options passed to ``get_model``.
        tasks: task names or shell-style globs (``waiting_line/*``).
        strategies: strategy grids.
        temperature: default sampling temperature (0 = greedy).
        limit: evaluate only N samples of each task (which ones: ``sampling``).
        sampling: ``first`` (the first N, as the paper's subsets) or ``spread`` (N evenly spaced
            samples, which covers every list length of a task sorted by length).
        data_dir: official-layout task directory (``load_task(data_dir=...)``).
        task_options: extra ``load_task`` keywords (``n``, ``num_samples``, ``seed``).
        max_tokens: generation length override (default: each task's ``max_tokens``).
        seed: base seed; each sample's seed is derived from it, the task and the sample index.
        batch_size: samples per ``generate`` call.
        grammar, languagetool_url, similarity, similarity_model: the metric backends that score
            the run (``parallelbench.metrics.MetricBackends``). They change scores, not
            generations, so they are not part of the resume key (docs/runs.md).
    """

    model: str
    tasks: list[str]
    strategies: list[StrategyGrid]
    model_options: dict[str, Any] = field(default_factory=dict)
    temperature: float = 0.0
    limit: int | None = None
    data_dir: str | None = None
    task_options: dict[str, Any] = field(default_factory=dict)
    max_tokens: int | None = None
    seed: int = 42
    batch_size: int = 8
    name: str | None = None
    sampling: str = "first"
    grammar: str = "auto"
    languagetool_url: str | None = None
    similarity: str = "auto"
    similarity_model: str | None = None

    def __post_init__(self) -> None:
        if self.sampling not in SAMPLINGS:
            raise ConfigError(f"sampling must be one of {', '.join(SAMPLINGS)}, got {self.sampling!r}")
        from ..metrics.backends import MetricBackends

        MetricBackends.from_spec(self)  # names checked here; availability before the run

    def check(self) -> "SweepSpec":
        """Range checks of the top-level values, whether they came from flags or a file."""
        for name, minimum in (("limit", 1), ("batch_size", 1), ("max_tokens", 1), ("seed", 0)):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < minimum):
                raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
        if not isinstance(self.temperature, (int, float)) or not math.isfinite(self.temperature) \
                or self.temperature < 0:
            raise ConfigError(f"temperature must be >= 0, got {self.temperature!r}")
        if not isinstance(self.model, str) or not self.model.strip():
            raise ConfigError("a model spec is required (e.g. ideal, mock:reference)")
        return self

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["strategies"] = [g.to_dict() for g in self.strategies]
        return d


def _as_list(value: Any, what: str) -> list[Any]:
    if isinstance(value, (list, tuple)):
        out = list(value)
    elif isinstance(value, str) and "," in value:
        out = [v.strip() for v in value.split(",") if v.strip()]
    else:
        out = [value]
    if not out:
        raise ConfigError(f"{what} is an empty list")
    return [_coerce(v) for v in out]


def _coerce(v: Any) -> Any:
    """'2' -> 2, '0.5' -> 0.5, 'none' -> None; keywords and other strings unchanged."""
    if not isinstance(v, str):
        return v
    s = v.strip()
    if s.lower() in ("none", "null"):
        return None
    if s.lower() in KEYWORDS:
        return s.lower()
    for cast in (int, float):
        try:
            return cast(s)
        except ValueError:
            pass
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    return s


def parse_grid(entry: dict[str, Any], where: str) -> StrategyGrid:
    """Read one ``strategies:`` entry (``{strategy: ..., k: [...], ...}``)."""
    if not isinstance(entry, dict) or "strategy" not in entry:
        raise ConfigError(f"{where}: each strategies entry needs a 'strategy' key, got {entry!r}")
    raw = entry["strategy"]
    raw = raw if isinstance(raw, (list, tuple)) else [s.strip() for s in str(raw).split(",")]
    names = [str(s) for s in raw if str(s)]  # names are not coerced ('none' stays a name)
    if not names:
        raise ConfigError(f"{where}.strategy is empty")
    tasks = None
    if "tasks" in entry:
        tasks = entry["tasks"] if isinstance(entry["tasks"], list) else [entry["tasks"]]
        if not tasks or not all(isinstance(t, str) and t for t in tasks):
            raise ConfigError(f"{where}.tasks: expected task names or globs, got {entry['tasks']!r}")
    grid = {str(k): _as_list(v, f"{where}.{k}") for k, v in entry.items()
            if k not in ("strategy", "tasks")}
    for key, values in grid.items():
        for value in values:
            _check_grid_value(key, value, f"{where}.{key}")
    if "k" in grid and "steps" in grid:
        raise ConfigError(f"{where}: give k or steps, not both")
    return StrategyGrid(names, grid, tasks)


_COUNTS = ("k", "steps", "block_length")
_NUMBERS = ("threshold", "factor", "temperature")


def _check_grid_value(key: str, value: Any, where: str) -> None:
    """Type and range of one grid value (the sampler's own checks come later, per setting)."""
    if key in _COUNTS:
        if value in KEYWORDS or (value is None and key == "block_length"):
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected a positive integer, 'pow2' or 'all', got {value!r}")
        if value < 1:
            raise ConfigError(f"{where}: must be >= 1, got {value}")
    elif key in _NUMBERS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if not math.isfinite(value) or value < 0 or (key != "temperature" and value == 0):
            raise ConfigError(f"{where}: must be {'>= 0' if key == 'temperature' else '> 0'}"
                              f" and finite, got {value!r}")
    elif value is not None and not isinstance(value, (str, int, float)):  # bool is an int
        raise ConfigError(f"{where}: each grid value must be a number, a word or none, got {value!r}")


def _int_or_none(value: Any, what: str, minimum: int = 1) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ConfigError(f"{what} must be an integer, got {value!r}")
    try:
        out = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what} must be an integer, got {value!r}") from None
    if out < minimum:
        raise ConfigError(f"{what} must be >= {minimum}, got {out}")
    return out


def spec_from_dict(data: dict[str, Any], where: str = "config") -> SweepSpec:
    """Build and check a SweepSpec from a plain mapping (a parsed YAML file)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at the top level")
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_TOP_KEYS))}")
    for key in ("model", "tasks", "strategies"):
        if not data.get(key):
            raise ConfigError(f"{where}: missing '{key}'")
    entries = data["strategies"]
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: strategies must be a list of {{strategy: ..., <grid>}} entries")
    grids = [parse_grid(e, f"{where}.strategies[{i}]") for i, e in enumerate(entries)]
    try:
        temperature = float(data.get("temperature", 0.0))
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: temperature must be a number") from None
    if not math.isfinite(temperature) or temperature < 0:
        raise ConfigError(f"{where}: temperature must be >= 0, got {data.get('temperature')!r}")
    for key in ("model_options", "task_options"):
        if not isinstance(data.get(key) or {}, dict):
            raise ConfigError(f"{where}: {key} must be a mapping")
    for key in ("model", "data_dir", "name", "sampling"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise ConfigError(f"{where}: {key} must be a string, got {data[key]!r}")
    return SweepSpec(
        model=str(data["model"]),
        tasks=[str(t) for t in _as_list(data["tasks"], f"{where}.tasks")],
        strategies=grids,
        model_options=dict(data.get("model_options") or {}),
        temperature=temperature,
        limit=_int_or_none(data.get("limit"), f"{where}.limit"),
        data_dir=str(data["data_dir"]) if data.get("data_dir") else None,
        task_options=dict(data.get("task_options") or {}),
        max_tokens=_int_or_none(data.get("max_tokens"), f"{where}.max_tokens"),
        seed=_int_or_none(data.get("seed", 42), f"{where}.seed", minimum=0) or 0,
        batch_size=_int_or_none(data.get("batch_size", 8), f"{where}.batch_size") or 8,
        name=data.get("name"),
        sampling=str(data.get("sampling", "first")),
        grammar=str(data.get("grammar") or "auto"),
        languagetool_url=str(data["languagetool_url"]) if data.get("languagetool_url") else None,
        similarity=str(data.get("similarity") or "auto"),
        similarity_model=str(data["similarity_model"]) if data.get("similarity_model") else None,
    ).check()


def load_spec(path: str | Path) -> SweepSpec:
    """Read a sweep YAML file (see docs/runs.md for the format)."""
    from ..userfiles import read_yaml

    p = Path(path)
    return spec_from_dict(read_yaml(p, "sweep config"), where=p.name)
