"""From a record (official layout, SPEC 2.1) to a rendered ``Sample`` (SPEC 3.1).

Built-in generators and the official-file loader both produce records in the reference layout, so
this module is the only place where prompts are rendered: the two data sources cannot drift apart.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

from ..errors import DataError
from .sample import Sample

MASK = "[MASK]"

#: Operations whose input is a list and whose answer is a list (Waiting Line, list ops).
LIST_OPS = (
    "copy", "sort", "reverse", "shuffle", "insert_index", "insert_random",
    "remove_index", "remove_random", "replace_index", "replace_random",
)
# Length of the target list relative to the input length n.
_TARGET_DELTA = {"insert_index": 1, "insert_random": 1, "remove_index": -1, "remove_random": -1}


def format_list(items: Iterable[str]) -> str:
    """The reference list serialization ``L(xs)``: ``["a", "b"]`` (SPEC 2.2)."""
    return '["' + '", "'.join(items) + '"]'


def parse_list_text(text: str) -> list[str]:
    """Inverse of :func:`format_list` for well-formed contexts (used to recover ``items``)."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    inner = str(text).strip()
    if not (inner.startswith('["') and inner.endswith('"]')):
        raise DataError(f"list context is not in the L(xs) format: {text!r}")
    return inner[2:-2].split('", "')


def format_words(words: list[str]) -> str:
    """W2S word list: ``a, b, and c`` (Oxford comma); one word stays as is (SPEC 4.2)."""
    if len(words) == 1:
        return words[0]
    if len(words) == 2:  # no official file has K=2; keep the same shape without a lone comma
        return f"{words[0]} and {words[1]}"
    return ", ".join(words[:-1]) + ", and " + words[-1]


def user_text(template: str, fields: Mapping[str, Any]) -> str:
    """``str.format`` the template, then turn every literal backslash-n into a newline."""
    try:
        text = template.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        raise DataError(f"prompt template does not fit the record fields: {exc}") from None
    return text.replace("\\n", "\n")


def assistant_text(record: Mapping[str, Any]) -> str:
    """The one-shot answer: the answer string, or its ``example`` for multi-answer tasks."""
    answer = record.get("answer")
    if isinstance(answer, str):
        return answer
    if isinstance(answer, Mapping) and isinstance(answer.get("example"), str):
        return answer["example"]
    raise DataError("one-shot example record has no answer string or answer.example")


def render_messages(template: str, record: Mapping[str, Any]) -> list[dict[str, str]]:
    """Chat messages of a record: each ICL example as a user/assistant pair, then the query."""
    fields = record.get("input")
    if not isinstance(fields, Mapping):
        raise DataError("record has no 'input' object")
    messages: list[dict[str, str]] = []
    for example in fields.get("icl_examples") or []:
        messages.append({"role": "user", "content": user_text(template, example["input"])})
        messages.append({"role": "assistant", "content": assistant_text(example)})
    messages.append({"role": "user", "content": user_text(template, fields)})
    return messages


def target_length(op: str, n: int) -> int:
    """Length of the answer list of a list operation on ``n`` items."""
    return n + _TARGET_DELTA.get(op, 0)


def infill_skeleton(op: str, record: Mapping[str, Any], metadata: Mapping[str, Any]) -> str | None:
    """The answer skeleton with ``[MASK]`` in place of every free item.

    * list ops: ``L(["[MASK]"] * len(target))`` (the record's ``output_format`` when present);
    * Latin square: ``size`` CSV lines of ``size`` masks (the separators are the format);
    * Sudoku: the puzzle grid with each blank ``0`` replaced by ``[MASK]`` (givens are kept, so
      only the blanks are generated);
    * text tasks: ``None`` (the answer length is unknown).
    """
    if op in LIST_OPS:
        if isinstance(record.get("output_format"), str):
            return record["output_format"]
        items = metadata.get("items")
        return None if items is None else format_list([MASK] * target_length(op, len(items)))
    if op == "latin_square":
        size = int(metadata.get("size") or len(metadata.get("symbols") or []))
        return "\n".join(",".join([MASK] * size) for _ in range(size)) if size else None
    if op == "sudoku":
        return "\n".join(line.replace("0", MASK) for line in str(metadata["puzzle"]).split("\n"))
    return None


def sample_metadata(op: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """Task facts for ``Sample.metadata``: the record metadata plus derived keys."""
    fields = record.get("input") or {}
    meta = dict(record.get("metadata") or {})
    answer = record.get("answer")
    if op in LIST_OPS and "context" in fields:
        items = parse_list_text(fields["context"])
        meta["items"] = items
        meta.setdefault("length", len(items))
        for key in ("word", "index"):
            if key in fields:
                meta[key] = fields[key]
            elif key in meta or op.endswith("_random") and key == "index":
                meta.setdefault(key, None)
    elif op == "latin_square":
        meta["symbols"] = list(answer["symbols"]) if isinstance(answer, Mapping) else None
        meta["size"] = fields.get("size")
    elif op == "sudoku":
        meta["puzzle"] = fields.get("sudoku")
    elif op == "words_to_sentence" and isinstance(answer, Mapping):
        meta["words"] = list(answer.get("words") or [])
    return meta


def build_sample(index: int, record: Mapping[str, Any], template: str, op: str) -> Sample:
    """Render one record into a ``Sample`` (messages, label, metadata, infill, record)."""
    if "answer" not in record:
        raise DataError("record has no 'answer'")
    meta = sample_metadata(op, record)
    return Sample(
        index=index,
        messages=render_messages(template, record),
        label=record["answer"],
        metadata=meta,
        infill=infill_skeleton(op, record, meta),
        record=dict(record),
    )
