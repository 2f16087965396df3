"""The unit of the benchmark: one rendered sample with its reference answer."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Sample:
    """One benchmark item.

    Attributes:
        index: position of the sample in its task (0-based).
        messages: chat messages exactly as the reference renders them (one-shot example as a prior
            user/assistant turn where the task is one-shot). No system message.
        label: the reference answer, unchanged from the record (a string, or a dict for tasks that
            accept many answers); this is what the task's metric scores against.
        metadata: task facts. Always has ``length`` where the reference has it. List tasks add
            ``items`` (the input list), and ``word`` / ``index`` where the operation has them;
            Latin square adds ``symbols``; Sudoku adds ``puzzle`` (4 lines of 4 digits, 0 = blank).
        infill: the answer skeleton with ``[MASK]`` in place of each item (e.g.
            ``["[MASK]", "[MASK]"]``), for infilling experiments; ``None`` where undefined.
        record: the raw record (official layout) the sample was rendered from.
    """

    index: int
    messages: list[dict[str, str]]
    label: Any
    metadata: dict[str, Any] = field(default_factory=dict)
    infill: str | None = None
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """The text of the last user turn."""
        return self.messages[-1]["content"]

    @property
    def reference(self) -> str:
        """One answer string that scores 1 (the label, or its ``example`` for multi-answer tasks)."""
        if isinstance(self.label, str):
            return self.label
        if isinstance(self.label, dict):
            for key in ("example", "summary"):
                if isinstance(self.label.get(key), str):
                    return self.label[key]
        raise KeyError(f"sample {self.index} has no single reference answer")
