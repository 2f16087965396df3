"""``Task``: a list of rendered samples plus how to score answers to them."""
from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass
from typing import Any, Iterator, Mapping, Sequence

from ..errors import DataError, ParallelBenchError
from .render import build_sample
from .sample import Sample


class SampleIndexError(ParallelBenchError, IndexError):
    """A sample index outside the task (a user error that is also an ``IndexError``)."""


def default_max_tokens(category: str, max_length: int | None) -> int:
    """The paper's generation length: 32 for Waiting Line n <= 6, 128 for n <= 15, 64 otherwise.

    Longer lists than the paper's get the next power of two with room for ~8 tokens per name or
    ~4 tokens per letter item, so the answer always fits.
    """
    n = max_length or 0
    if category == "waiting_line":
        if n <= 6:
            return 32
        if n <= 15:
            return 128
        return 1 << (8 * (n + 1) - 1).bit_length()
    if category == "list_ops" and n > 16:
        return 1 << (4 * (n + 1) - 1).bit_length()
    return 64


@dataclass(frozen=True)
class TaskInfo:
    """What ``list_tasks`` reports about a task."""

    name: str
    category: str
    op: str
    metric: str
    num_samples: int
    lengths: list[int] | None
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Task:
    """One benchmark task: samples rendered exactly as the reference renders them.

    Attributes: ``name``, ``category``, ``op``, ``metric`` (reference metric name),
    ``max_tokens``, ``source`` (``"builtin"``, ``"builtin-smoke"``, ``"official"``, ``"hf"``),
    ``template`` (prompt), ``config`` (the task_config entry), ``warning`` (e.g. for smoke sets),
    ``grammar`` (grammar backend passed to text metrics; ``None`` = the metric's default),
    ``backends`` (a ``parallelbench.metrics.MetricBackends`` that scores the task: grammar,
    LanguageTool URL, similarity, local BERTScore model; ``None`` = the defaults).
    """

    def __init__(self, name: str, *, category: str, op: str, metric: str, template: str,
                 records: Sequence[Mapping[str, Any]], source: str, config: dict | None = None,
                 max_tokens: int | None = None, warning: str | None = None,
                 origin: str | None = None) -> None:
        self.name, self.category, self.op, self.metric = name, category, op, metric
        self.template, self.source, self.warning = template, source, warning
        self.config = dict(config or {})
        self.grammar: str | None = None
        self.backends: Any = None
        self._metric_fns: dict[Any, Any] = {}
        samples = []
        for i, record in enumerate(records):
            try:
                samples.append(build_sample(i, record, template, op))
            except (DataError, KeyError, TypeError) as exc:
                where = f"{origin}: record {i + 1}" if origin else f"task {name}: record {i}"
                raise DataError(f"{where}: {exc}") from None
        self.samples: list[Sample] = samples
        lengths = self.lengths
        self.max_tokens = max_tokens or default_max_tokens(category, max(lengths or [0]))

    # -- container protocol ----------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> Sample:
        if isinstance(index, bool) or not isinstance(index, int) \
                or not -len(self.samples) <= index < len(self.samples):
            raise SampleIndexError(f"index {index!r} out of range for task {self.name} "
                                   f"({len(self.samples)} samples)")
        return self.samples[index]

    def __iter__(self) -> Iterator[Sample]:
        return iter(self.samples)

    def __repr__(self) -> str:
        return f"Task({self.name!r}, source={self.source!r}, samples={len(self)})"

    @property
    def lengths(self) -> list[int] | None:
        """Distinct input list lengths (``metadata.length``) for list tasks, else ``None``."""
        if self.category not in ("waiting_line", "list_ops"):
            return None
        return sorted({s.metadata["length"] for s in self.samples if "length" in s.metadata})

    def info(self) -> TaskInfo:
        return TaskInfo(self.name, self.category, self.op, self.metric, len(self),
                        self.lengths, self.source)

    # -- scoring ---------------------------------------------------------------------------
    def metric_fn(self, grammar: str | None = None):
        """The scoring function of this task (``parallelbench.metrics.get_metric``)."""
        grammar = grammar or self.grammar
        key = (grammar, self.backends)
        if key not in self._metric_fns:
            from ..metrics import get_metric  # late import: listing tasks must not need it

            if grammar is None and self.backends is not None:
                self._metric_fns[key] = self.backends.metric(self.metric)
            else:
                self._metric_fns[key] = get_metric(self.metric, grammar=grammar)
        return self._metric_fns[key]

    def score(self, prediction: str | None, sample: Sample | int,
              grammar: str | None = None) -> dict[str, Any]:
        """Score one prediction: a dict with ``score``, ``score_strict`` and sub-metrics."""
        if isinstance(sample, int):
            sample = self[sample]
        text = "" if prediction is None else str(prediction)
        return dict(self.metric_fn(grammar)(text, sample.label))

    def score_all(self, predictions: Sequence[str] | Mapping[int, str],
                  grammar: str | None = None) -> list[tuple[int, dict[str, Any]]]:
        """``(index, score dict)`` per prediction; a sequence is aligned with the samples."""
        items = predictions.items() if isinstance(predictions, Mapping) \
            else enumerate(predictions)
        pairs = list(items)
        if not isinstance(predictions, Mapping) and len(pairs) > len(self):
            raise ParallelBenchError(f"{len(pairs)} predictions for {len(self)} samples of "
                                     f"{self.name}")
        return [(int(i), self.score(p, self[int(i)], grammar)) for i, p in pairs]

    def evaluate(self, predictions: Sequence[str] | Mapping[int, str],
                 grammar: str | None = None) -> dict[str, Any]:
        """Aggregate as the reference (SPEC 5.3): the mean x 100 of every numeric key of the first
        sample's dict; plus the backend names (``grammar_backend``...) the metric reports."""
        return aggregate([d for _, d in self.score_all(predictions, grammar)])


def aggregate(per_sample: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Mean x 100 over samples of each numeric key of the first dict (missing counts as 0)."""
    if not per_sample:
        raise ParallelBenchError("no predictions to evaluate")
    first = per_sample[0]
    result: dict[str, Any] = {}
    for key, value in first.items():
        if isinstance(value, numbers.Number):
            total = sum(float(d.get(key) or 0.0) for d in per_sample)
            result[key] = total / len(per_sample) * 100.0
        elif key.endswith("_backend"):  # grammar_backend, similarity_backend: name the metric
            result[key] = value
    return result
