"""Clean text for measuring a grammar backend (``benchmarks/grammar_profile.py`` and the tests).

* ``official_clean_texts(official)``: the texts the reference kept because LanguageTool found
  zero problems in them (SAMSum dialogues and ChatGPT-paraphrase sources of the official files).
* ``clean_sentences(official)``: clean sentences to corrupt: ``sentences.txt`` of the official
  files when present, plus the package's own sentences: the smoke sets (paraphrase sources and
  their paraphrases, SAMSum-style summaries) and ``data/grammar/present_tense.txt`` (present
  tense sentences with singular and plural subjects, written for this corpus, so that it holds
  enough agreement corruptions: the other sentences are mostly in the past tense).
* ``held_out_texts(official)``: other clean text of the official files, never used to tune the
  profile: the ChatGPT paraphrases, the SAMSum reference summaries and ``sentences.txt``.
"""
from __future__ import annotations

import ast
import json
import re
from importlib import resources
from pathlib import Path

__all__ = ["official_clean_texts", "clean_sentences", "package_sentences", "held_out_texts",
           "split_sentences"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def official_clean_texts(official: str | Path) -> dict[str, list[str]]:
    """``{"samsum": [...], "chatgpt-paraphrases": [...]}`` source texts, or ``{}`` if absent."""
    folder = Path(official) / "test" / "paraphrase_summarize"
    out = {}
    for stem in ("samsum", "chatgpt-paraphrases"):
        path = folder / f"{stem}.jsonl"
        if path.is_file():
            out[stem] = [r["input"]["text"] for r in _jsonl(path.read_text("utf-8"))]
    return out


def package_sentences() -> list[str]:
    """The package's own clean sentences (smoke sets)."""
    smoke = resources.files("parallelbench").joinpath("data", "smoke")
    out = []
    for row in _jsonl(smoke.joinpath("paraphrase_smoke.jsonl").read_text("utf-8")):
        out += [row["text"], *row["paraphrases"]]
    out += [r["summary"] for r in _jsonl(smoke.joinpath("samsum_smoke.jsonl").read_text("utf-8"))]
    grammar = resources.files("parallelbench").joinpath("data", "grammar", "present_tense.txt")
    return out + [line.strip() for line in grammar.read_text("utf-8").splitlines() if line.strip()]


def held_out_texts(official: str | Path) -> dict[str, list[str]]:
    """``{"chatgpt paraphrases", "samsum summaries", "sentences.txt"}`` texts, or ``{}``."""
    folder = Path(official) / "test" / "paraphrase_summarize"
    if not (folder / "samsum.jsonl").is_file():
        return {}
    para = _jsonl((folder / "chatgpt-paraphrases.jsonl").read_text("utf-8"))
    summaries = _jsonl((folder / "samsum.jsonl").read_text("utf-8"))
    return {"chatgpt paraphrases": [p for r in para for p in ast.literal_eval(r["answer"]["examples"])],
            "samsum summaries": [r["answer"]["summary"] for r in summaries],
            "sentences.txt": clean_sentences(official, package=False)}


def split_sentences(text: str) -> list[str]:
    """A text's sentences (split after ``.``, ``!`` or ``?`` before a capital letter)."""
    return [s.strip() for line in text.splitlines() for s in _SENTENCE_END.split(line) if s.strip()]


def clean_sentences(official: str | Path | None = None, package: bool = True) -> list[str]:
    """``sentences.txt`` lines (when ``official`` holds it) followed by the package's sentences."""
    out = []
    path = Path(official) / "sentences.txt" if official else None
    if path is not None and path.is_file():
        out += [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]
    return out + (package_sentences() if package else [])
