"""The ``Metric`` base class: label checking, output coercion and the never-raise guarantee."""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from parallelbench.errors import DataError, ParallelBenchError

__all__ = ["Metric", "as_text", "label_dict", "label_list"]

log = logging.getLogger(__name__)


def as_text(prediction: Any) -> str:
    """The prediction as a string: ``None`` (a failed generation) becomes ``""``."""
    if prediction is None:
        return ""
    if isinstance(prediction, str):
        return prediction
    if isinstance(prediction, bytes):
        return prediction.decode("utf-8", errors="replace")
    return str(prediction)


def label_dict(label: Any, metric: str, required: tuple[str, ...]) -> dict[str, Any]:
    """The label as a dict having ``required`` keys; a JSON object string is accepted too."""
    if isinstance(label, str):
        try:
            label = json.loads(label)
        except ValueError:
            raise DataError(f"{metric}: label must be an object with {list(required)}, "
                            f"got a string that is not JSON") from None
    if not isinstance(label, Mapping):
        raise DataError(f"{metric}: label must be an object with {list(required)}, "
                        f"got {type(label).__name__}")
    missing = [k for k in required if k not in label]
    if missing:
        raise DataError(f"{metric}: label lacks {missing}")
    return dict(label)


def label_list(value: Any, metric: str, field: str) -> list[str]:
    """A label field that must be a list of strings."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise DataError(f"{metric}: label field {field!r} must be a list of strings")
    return list(value)


class Metric:
    """A scoring function ``metric(prediction, label) -> dict[str, float]``.

    Every result has ``score`` and ``score_strict`` in [0, 1] plus the metric's sub-scores; when
    the output cannot be parsed the scores are 0 and ``reason`` says why. Text metrics also carry
    string fields naming their backends (``grammar_backend``, ``similarity_backend``).

    A bad *label* raises :class:`~parallelbench.errors.DataError` (it is task data); the model's
    *output* never makes a metric raise.

    Attributes:
        name: the reference metric name (e.g. ``"list_match_score"``).
        keys: the float keys a task aggregates (mean x 100), in reporting order.
    """

    name: str = ""
    keys: tuple[str, ...] = ("score", "score_strict")

    def __call__(self, prediction: Any, label: Any) -> dict[str, Any]:
        text = as_text(prediction)
        ref = self.prepare_label(label)
        try:
            return self.compute(text, ref)
        except ParallelBenchError:
            # Backend problems (e.g. a grammar server gone) must stop the run, not score 0.
            raise
        except Exception as exc:  # pragma: no cover - a safety net; fuzz tests keep it unused
            log.warning("%s failed on an output (%s); scoring it 0", self.name, exc)
            return self.failure(f"metric error: {type(exc).__name__}")

    def prepare_label(self, label: Any) -> Any:
        """Validate and normalise the label; raise ``DataError`` when it is unusable."""
        return label

    def compute(self, prediction: str, label: Any) -> dict[str, Any]:
        """Score one output against a prepared label."""
        raise NotImplementedError

    def extra_fields(self) -> dict[str, str]:
        """String fields added to every result (backend names); none by default."""
        return {}

    def failure(self, reason: str) -> dict[str, Any]:
        """The result for an output that cannot be scored: every key 0 and a ``reason``."""
        out: dict[str, Any] = {key: 0.0 for key in self.keys}
        out.update(self.extra_fields())
        out["reason"] = reason
        return out

    def __repr__(self) -> str:
        return f"<Metric {self.name}>"
