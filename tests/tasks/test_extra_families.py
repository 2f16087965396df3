"""The extra task families: repeat list ops, CoT list ops, math_op, rec/cumsum, list_gen/domino."""
from __future__ import annotations

import json
import re

import pytest

from parallelbench.errors import ConfigError, ParallelBenchError
from parallelbench.tasks import load_task
from parallelbench.tasks.numbers import math_chain
from parallelbench.tasks.render import parse_list_text
from parallelbench.tasks.repeat import repeat_items

EXTRA = ["list_ops/repeat_each", "list_ops/repeat_list", "list_ops_cot/copy",
         "list_ops_cot/replace_index", "list_ops_cot/replace_random", "list_ops_cot/shuffle",
         "list_ops_cot/reverse_n8", "math_op/l2_plus", "math_op/l2_minus", "math_op/l2_multiply",
         "math_op/l3", "math_op/l4", "math_op/l6_plus", "rec/cumsum", "list_gen/domino"]


@pytest.mark.parametrize("name", EXTRA)
def test_every_reference_answer_scores_one_and_data_are_seeded(name):
    task = load_task(name)
    assert len(task) >= 100 and task.source == "builtin"
    for sample in task:
        result = task.score(sample.reference, sample)
        assert result["score"] == 1.0, (sample.prompt, sample.reference, result)
        # Strict parsing accepts every reference except the unquoted number lists of cumsum,
        # which the reference's strict parser rejects as well.
        assert result["score_strict"] == (0.0 if name == "rec/cumsum" else 1.0)
    assert [s.messages for s in load_task(name)] == [s.messages for s in task]
    assert [s.messages for s in load_task(name, seed=7)] != [s.messages for s in task]


@pytest.mark.parametrize("name", EXTRA)
def test_malformed_outputs_score_zero_with_a_reason(name):
    task = load_task(name, num_samples=5)
    for bad in ("", "I cannot do that.", "[]", '["', "12 34 ]["):
        result = task.score(bad, task[0])
        assert result["score"] == 0.0 and result["score_strict"] == 0.0, (bad, result)
        assert result.get("reason"), (bad, result)


def test_repeat_ops_follow_the_reference_sampling():
    task = load_task("list_ops/repeat_each_n12")
    counts = [s.metadata["count"] for s in task]
    assert counts == sorted(counts) and all(counts.count(c) == 20 for c in (2, 3, 4, 5, 6))
    for sample in task:
        count, items = sample.metadata["count"], parse_list_text(sample.record["input"]["context"])
        assert 1 <= len(items) <= 12 // count and len(set(items)) == len(items)
        assert parse_list_text(sample.label) == repeat_items(items, count, "repeat_each")
        assert f"Repeat each item {count} times interleaved" in sample.prompt
    assert repeat_items(["A", "B"], 2, "repeat_list") == ["A", "B", "A", "B"]
    assert repeat_items(["A", "B"], 2, "repeat_each") == ["A", "A", "B", "B"]
    # the wrong repeat kind scores 0
    sample = load_task("list_ops/repeat_list_n8")[-1]
    items = parse_list_text(sample.record["input"]["context"])
    if len(items) > 1:
        wrong = json.dumps(repeat_items(items, sample.metadata["count"], "repeat_each"))
        assert load_task("list_ops/repeat_list_n8").score(wrong, sample)["score"] == 0.0


def test_cot_variants_share_the_data_and_swap_the_instruction():
    plain, cot = load_task("list_ops/shuffle"), load_task("list_ops_cot/shuffle")
    assert [s.label for s in plain] == [s.label for s in cot]
    assert cot.max_tokens == 256 and cot.metric == "cot_list_shuffle_score"
    assert cot[0].prompt.endswith("Ensure the sequence is different from the original. "
                                  "Use chain-of-thought to solve it.")
    assert "Only provide the final answer" not in cot[0].prompt and cot[0].infill is None
    sample = cot[0]
    items = sample.metadata["items"]
    reasoning = (f"The list is {json.dumps(items)}. Moving the first item to the end gives "
                 f"{json.dumps(items[1:] + items[:1])}. The answer is: "
                 f"{json.dumps(items[1:] + items[:1])}")
    assert cot.score(reasoning, sample)["score"] == 1.0
    # the last list wins: reasoning that ends on the unchanged input fails
    assert cot.score(f"Shuffled {json.dumps(items[::-1])}, or keep {json.dumps(items)}",
                     sample)["score"] == 0.0


def test_math_chains_and_names():
    import random

    expr, value = math_chain(random.Random(1), 6, 3, ("+",))
    assert re.fullmatch(r"\(\d{5} \+ \d{5}\) \+ \d{5}", expr) and eval(expr) == value
    expr, value = math_chain(random.Random(2), 8, 2, ("*",))
    assert re.fullmatch(r"\d{4} \* \d{4,5}", expr) and eval(expr) == value
    for sample in load_task("math_op/l4", num_samples=30):
        equation = sample.record["input"]["equation"]
        assert equation.endswith(" = ?") and equation.count("(") == 2
        assert eval(equation[:-4]) == int(sample.label["result"])
        assert sample.prompt == f"{equation}. Only provide the final answer."
    sums = load_task("math_op/l3_plus", n=5)
    assert len(sums) == 10 and all(s.record["input"]["equation"].count("+") == 2 for s in sums)
    with pytest.raises(ParallelBenchError):
        load_task("math_op/l1")
    with pytest.raises(ParallelBenchError, match="unknown task"):
        load_task("math_op/l2_divide")


def test_cumsum_and_domino_data():
    for sample in load_task("rec/cumsum"):
        xs = [int(v) for v in sample.record["input"]["list"].strip("[]").split(", ")]
        assert all(1 <= x <= 9 for x in xs) and len(xs) == sample.metadata["length"]
        assert sample.label == "[" + ", ".join(str(sum(xs[:i + 1])) for i in range(len(xs))) + "]"
    for sample in load_task("list_gen/domino"):
        assert 11 <= sample.label["start"] <= 99 and "0" not in str(sample.label["start"])
        assert f"sequence of {sample.metadata['length']} 2-digit" in sample.prompt
    with pytest.raises(ConfigError):
        load_task("list_gen/domino", n=0)
