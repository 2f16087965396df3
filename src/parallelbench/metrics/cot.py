"""``cot_<metric>``: score the final answer of a chain-of-thought output with a list metric.

Extraction rule (documented in docs/metrics.md):

1. If the output contains ``answer is`` (any case), only the text after its last occurrence is
   kept (the paper's CoT trigger asks for "The answer is: ...").
2. In what is left, every bracketed span ``[...]`` without nested brackets is a candidate; the
   last one whose loose parse has at least one item is the final list.
3. The inner metric scores that span alone (loose and strict parsing as usual). No candidate
   scores 0 with the reason "no final list in the output".
"""
from __future__ import annotations

import re
from typing import Any

from parallelbench.metrics.base import Metric
from parallelbench.metrics.parsing import parse_loose

__all__ = ["CotMetric", "final_list"]

_SPAN = re.compile(r"\[[^\[\]]*\]")
_MARKER = re.compile(r"answer is", re.IGNORECASE)


def final_list(text: str) -> str | None:
    """The final ``[...]`` list of a reasoning output (rule in the module docstring)."""
    markers = list(_MARKER.finditer(text))
    if markers:
        text = text[markers[-1].end():]
    for span in reversed(_SPAN.findall(text)):
        if parse_loose(span):
            return span
    return None


class CotMetric(Metric):
    """Wraps a list metric: extract the final list, then score it with the inner metric."""

    def __init__(self, inner: Metric):
        self.inner = inner
        self.name = f"cot_{inner.name}"
        self.keys = inner.keys

    def prepare_label(self, label: Any) -> Any:
        return self.inner.prepare_label(label)

    def compute(self, prediction: str, label: Any) -> dict[str, Any]:
        span = final_list(prediction)
        if span is None:
            return self.failure("no final list in the output")
        out = self.inner.compute(span, label)
        out["extracted"] = span
        return out
