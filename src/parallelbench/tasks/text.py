"""Text Writing data: built-in W2S word sets, offline smoke sets, and the Hugging Face loader.

* Words-to-Sentence: the project's own word sets (``data/w2s/{easy,medium,hard}.txt``, 100 sets of
  7 words each); ``_nK`` uses the first K words of each set and the base task the first 4.
* Summarization / Paraphrasing: the paper's sets come from Hugging Face datasets; offline the
  default is a small project-written smoke set (``source="builtin-smoke"``), which checks that the
  pipeline runs but is **not comparable with the paper**.
"""
from __future__ import annotations

import json
import random
from importlib import resources
from typing import Any, Callable

from ..errors import ConfigError, DataError
from .lists import _read_lines
from .render import format_words

W2S_LEVELS = ("easy", "medium", "hard")
W2S_MAX_WORDS = 7
SMOKE_WARNING = ("built-in smoke set written for parallelbench: it only checks that the pipeline "
                 "runs and is NOT comparable with the paper (use --data-dir with the official "
                 "files, or source='hf' when online)")

#: task stem -> (dataset id, split, source-text column, stored seed of the reference, SPEC 4.1.3)
HF_SOURCES: dict[str, tuple[str, str, str, int]] = {
    "samsum": ("knkarthick/samsum", "test", "dialogue", 59102),
    "chatgpt-paraphrases": ("humarin/chatgpt-paraphrases", "train", "text", 39617),
}


def w2s_word_sets(level: str) -> list[list[str]]:
    """The 100 built-in 7-word sets of a difficulty level."""
    if level not in W2S_LEVELS:
        raise ConfigError(f"unknown Words-to-Sentence level {level!r}; known: {W2S_LEVELS}")
    return [line.split(", ") for line in _read_lines(f"w2s/{level}.txt")]


def w2s_records(level: str, k: int = 4) -> list[dict[str, Any]]:
    """Records of ``words_to_sentence/<level>`` with the first ``k`` words of each set."""
    if not 1 <= k <= W2S_MAX_WORDS:
        raise ConfigError(f"Words-to-Sentence supports 1..{W2S_MAX_WORDS} words, got {k}")
    return [
        {"input": {"words": format_words(ws[:k])}, "answer": {"words": ws[:k]},
         "metadata": {"length": k}}
        for ws in w2s_word_sets(level)
    ]


def _smoke_rows(name: str) -> list[dict[str, Any]]:
    text = resources.files("parallelbench").joinpath("data", "smoke", name).read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def smoke_records(stem: str) -> list[dict[str, Any]]:
    """The offline smoke set of ``samsum`` or ``chatgpt-paraphrases`` in the official layout."""
    if stem == "samsum":
        return [{"input": {"text": r["dialogue"]},
                 "answer": {"text": r["dialogue"], "summary": r["summary"]},
                 "metadata": {"length": 1}} for r in _smoke_rows("samsum_smoke.jsonl")]
    if stem == "chatgpt-paraphrases":
        return [{"input": {"text": r["text"]},
                 "answer": {"text": r["text"], "examples": repr(r["paraphrases"])},
                 "metadata": {"length": 1}} for r in _smoke_rows("paraphrase_smoke.jsonl")]
    raise ConfigError(f"no smoke set for {stem!r}")


def _default_filter(grammar: str | None) -> Callable[[str], bool]:
    """Keep texts the grammar checker finds no problem with (the reference's selection rule)."""
    from ..metrics import get_grammar_checker  # imported late: only the online path needs it

    checker = get_grammar_checker(grammar) if grammar else get_grammar_checker()
    for attr in ("is_correct", "check"):
        method = getattr(checker, attr, None)
        if callable(method):
            return lambda text: _clean(method(text))
    return lambda text: _clean(checker(text))


def _clean(result: Any) -> bool:
    # A checker may answer with a bool (grammatical?) or a list of matches (clean when empty).
    return bool(result) if isinstance(result, bool) else not result


def hf_records(stem: str, num_samples: int = 100, seed: int | None = None,
               keep: Callable[[str], bool] | None = None,
               grammar: str | None = None) -> list[dict[str, Any]]:
    """Build a text task from Hugging Face ``datasets`` as the reference did (SPEC section 9).

    Shuffle with ``seed=Random(seed).randint(0, 10**9)``, walk the rows in order and keep those
    whose source text passes ``keep`` (default: zero grammar-checker matches) until
    ``num_samples`` are kept. Needs network access; any failure to fetch becomes a ``DataError``.
    The kept rows depend on the checker and library versions, so treat the official files as the
    benchmark.
    """
    if stem not in HF_SOURCES:
        raise ConfigError(f"no Hugging Face source for {stem!r}; known: {sorted(HF_SOURCES)}")
    repo, split, column, stored_seed = HF_SOURCES[stem]
    hint = ("this needs network access to the Hugging Face Hub; offline, use the built-in smoke "
            "set (the default) or --data-dir with the official files")
    try:
        import datasets
    except ImportError:
        raise DataError(f"loading {repo} needs the 'datasets' package "
                        f"(pip install 'parallelbench[datasets]'); {hint}") from None
    try:
        table = datasets.load_dataset(repo, split=split)
    except Exception as exc:  # offline, hub errors, cache misses: all mean "cannot fetch"
        raise DataError(f"could not load Hugging Face dataset {repo!r} (split {split!r}): "
                        f"{type(exc).__name__}; {hint}") from None
    rng = random.Random(stored_seed if seed is None else seed)
    table = table.shuffle(seed=rng.randint(0, 10**9))
    keep = keep or _default_filter(grammar)
    records: list[dict[str, Any]] = []
    for row in table:
        text = str(row[column]).replace("\r\n", "\n")
        if not keep(text):
            continue
        if stem == "samsum":
            answer = {"text": text, "summary": row["summary"]}
        else:
            answer = {"text": text, "examples": str(row.get("paraphrases", ""))}
        records.append({"input": {"text": text}, "answer": answer, "metadata": {"length": 1}})
        if len(records) == num_samples:
            break
    return records
