"""Names on both sides: our task names and strategies <-> lm-eval task names and the reference's
unmasking methods.

lm-eval task names follow the ParallelBench reference's lm-eval port,
``parallelbench_<category>_<task>`` with the categories ``waiting_line``, ``text_writing``,
``puzzles`` and ``list_ops`` (e.g. ``waiting_line/copy`` -> ``parallelbench_waiting_line_copy``,
``paraphrase_summarize/samsum`` -> ``parallelbench_text_writing_summarization``). Older names the
reference wrote into result files (``..._words_to_sentence_easy``, ``..._sudoku_n4``) are read too.
"""
from __future__ import annotations

import functools
import re

from ..errors import ConfigError

PREFIX = "parallelbench"
GROUP = "parallelbench"  # the 17 benchmark tasks
CATEGORY_GROUPS = {"waiting_line": "parallelbench_waiting_line",
                   "text_writing": "parallelbench_text_writing", "puzzle": "parallelbench_puzzles"}

# Ours -> lm-eval for the names that do not follow ``<group>/<stem>`` -> ``<group>_<stem>``.
_SPECIAL = {
    "paraphrase_summarize/samsum": "parallelbench_text_writing_summarization",
    "paraphrase_summarize/chatgpt-paraphrases": "parallelbench_text_writing_paraphrasing",
}
# Extra lm-eval names the reference has written (read only).
_LEGACY = {
    "parallelbench_puzzles_sudoku_n4": "puzzle/sudoku_n4_12",
    "parallelbench_text_writing_words_to_sentence_easy": "words_to_sentence/easy",
    "parallelbench_text_writing_words_to_sentence_medium": "words_to_sentence/medium",
    "parallelbench_text_writing_words_to_sentence_hard": "words_to_sentence/hard",
}


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-zA-Z_]+", "_", text).strip("_").lower()


def lm_task_name(task: str) -> str:
    """The lm-eval name of one of our tasks (``waiting_line/copy`` ->
    ``parallelbench_waiting_line_copy``); custom ``<group>/<stem>`` tasks become
    ``parallelbench_<group>_<stem>``."""
    if task in _SPECIAL:
        return _SPECIAL[task]
    group, _, stem = task.partition("/")
    if not stem:
        raise ConfigError(f"task name must look like 'group/task', got {task!r}")
    if group == "words_to_sentence":
        return f"{PREFIX}_text_writing_w2s_{_slug(stem)}"
    if group == "puzzle":
        return f"{PREFIX}_puzzles_{_slug(stem)}"
    return f"{PREFIX}_{_slug(group)}_{_slug(stem)}"


def our_task_name(lm_name: str, known: dict[str, str] | None = None) -> str | None:
    """Our task name for an lm-eval task name, or ``None`` when it is not a ParallelBench task
    (``known`` maps lm-eval names of custom tasks to ours, e.g. from a task's doc)."""
    if known and lm_name in known:
        return known[lm_name]
    for ours, theirs in _SPECIAL.items():
        if lm_name == theirs:
            return ours
    if lm_name in _LEGACY:
        return _LEGACY[lm_name]
    builtin = _builtin_names()
    if lm_name in builtin:  # exact for every built-in task, also where '_' could split two ways
        return builtin[lm_name]
    rest = lm_name[len(PREFIX) + 1:] if lm_name.startswith(PREFIX + "_") else None
    if rest is None:
        return None
    m = re.fullmatch(r"waiting_line_(n\d+)_(\w+)", rest)
    if m:
        return f"waiting_line_{m[1]}/{m[2]}"
    for ours, theirs in (("waiting_line", "waiting_line_"), ("words_to_sentence", "text_writing_w2s_"),
                         ("puzzle", "puzzles_"), ("list_ops", "list_ops_")):
        if rest.startswith(theirs) and len(rest) > len(theirs):
            return f"{ours}/{rest[len(theirs):]}"
    return None


@functools.lru_cache(maxsize=1)
def _builtin_names() -> dict[str, str]:
    """lm-eval name -> ours for every built-in task (``list_ops_cot/copy`` and a custom
    ``list_ops/cot_copy`` share ``parallelbench_list_ops_cot_copy``: the built-in one wins)."""
    from .yamls import builtin_tasks

    return {lm_task_name(name): name for name in builtin_tasks()}


# The reference's unmasking method names (its results' ``gen_kwargs.unmasking``) -> our ids.
REFERENCE_STRATEGIES = {
    "random": "random", "left_to_right": "l2r", "origin": "origin",
    "confidence_topk": "confidence-topk", "topk_margin": "topk-margin",
    "entropy_topk": "entropy-topk", "confidence_threshold": "confidence-threshold",
    "confidence_factor": "confidence-factor", "klass": "klass", "slowfast": "slowfast",
    "dus": "dus", "wino_dllm": "wino", "wino": "wino", "confidence_eb": "eb",
}
# The reference's parameter names -> ours.
REFERENCE_PARAMS = {"alg_threshold": "threshold", "alg_factor": "factor"}


def our_strategy(name: str) -> str:
    """Our strategy id for a reference unmasking name (or one of our own ids / aliases)."""
    if name in REFERENCE_STRATEGIES:
        return REFERENCE_STRATEGIES[name]
    from ..decoding import get_strategy

    try:
        return get_strategy(name).id
    except Exception:  # noqa: BLE001 - an unknown method is kept under its own name
        return name.replace("_", "-")


def reference_strategy(strategy: str) -> str:
    """The reference's unmasking name for one of our strategy ids (inverse of ``our_strategy``)."""
    for theirs, ours in REFERENCE_STRATEGIES.items():
        if ours == strategy and theirs not in ("wino",):
            return theirs
    return strategy.replace("-", "_")
