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
        """A good answer: the label itself (list and puzzle tasks), the reference summary
        (Summarization), the first example paraphrase (Paraphrasing), or for Words-to-Sentence
        the record's example sentence, else a plain sentence that uses every word. List,
        puzzle, summary and W2S references score 1 (W2S where the grammar checker accepts the
        sentence); paraphrase scores reward differing from the source, so no answer is sure to."""
        label = self.label
        if isinstance(label, str):
            return label
        if isinstance(label, dict):
            for key in ("example", "summary"):
                if isinstance(label.get(key), str) and label[key].strip():
                    return label[key]
            examples = _examples(label.get("examples"))
            if examples:
                return examples[0]
            words = label.get("words")
            if isinstance(words, list) and words and all(isinstance(w, str) for w in words):
                from .render import format_words

                noun = "word" if len(words) == 1 else "words"
                return f"This sentence uses the {noun} {format_words(words)}."
        raise KeyError(f"sample {self.index} has no reference answer")


def _examples(value: object) -> list[str]:
    """Example paraphrases: a list, or the reference's string rendering of a Python list."""
    if isinstance(value, str):
        import ast

        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return [value] if value.strip() else []
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []
