"""Every built-in sample's reference answer scores 1 with the real metrics (loose and strict)."""
from __future__ import annotations

import pytest

from parallelbench.tasks import load_task
from parallelbench.tasks.registry import registered_tasks

NO_REFERENCE = {
    "words_to_sentence": "W2S has no reference sentence (any sentence using the words scores)",
    "paraphrase": "paraphrase_score rewards differing from the source text, the only reference "
                  "(the source itself scores inv_bleu = 0 by design)",
}


# The reference's cumsum answers are unquoted number lists ("[1, 3, 6]"), which the strict list
# parser rejects: their strict score is 0 in the reference too (docs/tasks.md).
STRICT_ZERO = {"cumsum"}

WITH_REFERENCE = [t.name for t in registered_tasks() if t.op not in NO_REFERENCE]


@pytest.mark.parametrize("op", sorted(NO_REFERENCE))
def test_reference_check_not_applicable(op):
    assert any(t.op == op for t in registered_tasks())
    pytest.skip(NO_REFERENCE[op])


@pytest.mark.parametrize("name", WITH_REFERENCE)
def test_reference_answers_score_one(name, get_metric):
    task = load_task(name)
    grammar = "harper" if task.category == "text_writing" else None  # offline, deterministic
    for sample in task:
        result = task.score(sample.reference, sample, grammar=grammar)
        strict = 0 if task.op in STRICT_ZERO else 1
        assert result["score"] == 1 and result["score_strict"] == strict, (name, sample.index,
                                                                           result)
    if task.category == "text_writing":
        assert result["grammar_backend"].startswith("harper")


def test_wrong_answers_score_zero_and_evaluate_aggregates(get_metric):
    task = load_task("waiting_line/reverse", num_samples=4)
    right = [s.reference for s in task]
    wrong = [s.record["input"]["context"] for s in task]  # the unreversed input
    assert task.evaluate(right) == {"score": 100.0, "score_strict": 100.0}
    assert task.evaluate(wrong) == {"score": 0.0, "score_strict": 0.0}
    half = task.evaluate({0: right[0], 1: wrong[1]})
    assert half == {"score": 50.0, "score_strict": 50.0}
    # loose parsing accepts missing spaces, strict parsing does not
    squeezed = task.score(right[0].replace('", "', '","'), 0)
    assert (squeezed["score"], squeezed["score_strict"]) == (1, 0)


def test_text_task_evaluate_reports_grammar_backend(get_metric):
    task = load_task("paraphrase_summarize/samsum", num_samples=3)
    result = task.evaluate([s.reference for s in task], grammar="harper")
    assert result["rougeL_score"] == 100.0 and result["grammar_backend"].startswith("harper")
    assert set(result) >= {"rouge1_score", "rouge2_score", "rougeL_score", "grammar_score",
                           "score"}
