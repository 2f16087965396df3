"""Compatibility with the official ParallelBench files (skipped when they are absent): every
stored example answer scores 1, loose and strict, and obvious non-answers score 0."""
from __future__ import annotations

import json

import pytest
import yaml

from parallelbench.metrics import get_grammar_checker, get_metric, parse_loose, parse_strict

GROUPS = ("waiting_line", "waiting_line_n15", "puzzle")


def records(path):
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            yield record
            yield from record["input"].get("icl_examples", [])


def example(answer):
    return answer if isinstance(answer, str) else answer["example"]


def tasks(official):
    for group in GROUPS:
        config = yaml.safe_load((official / "test" / group / "task_config.yaml").read_text())
        for path in sorted((official / "test" / group).glob("*.jsonl")):
            yield f"{group}/{path.stem}", config[f"{group}/{path.stem}"]["metric"], path


def test_every_example_answer_scores_one(official):
    seen = 0
    for task, metric_name, path in tasks(official):
        metric = get_metric(metric_name)
        for record in records(path):
            res = metric(example(record["answer"]), record["answer"])
            assert (res["score"], res["score_strict"]) == (1.0, 1.0), (task, record["answer"])
            seen += 1
    # 20 waiting-line files and latin square: 100 records + 100 examples; sudoku 108 + 108.
    assert seen == 21 * 200 + 216


def test_list_labels_are_strict_lists(official):
    for task, metric_name, path in tasks(official):
        if metric_name != "list_match_score":
            continue
        for record in records(path):
            assert parse_strict(record["answer"]) == parse_loose(record["answer"]), task


@pytest.mark.parametrize("op", ["shuffle", "remove_random", "replace_random", "insert_random"])
def test_echoing_the_input_scores_zero(official, op):
    config = yaml.safe_load((official / "test" / "waiting_line" / "task_config.yaml").read_text())
    metric = get_metric(config[f"waiting_line/{op}"]["metric"])
    for record in records(official / "test" / "waiting_line" / f"{op}.jsonl"):
        res = metric(record["input"]["context"], record["answer"])
        assert (res["score"], res["score_strict"]) == (0.0, 0.0)


def test_sudoku_puzzle_itself_scores_zero(official):
    metric = get_metric("sudoku_score")
    for record in records(official / "test" / "puzzle" / "sudoku_n4_12.jsonl"):
        assert metric(record["input"]["sudoku"], record["answer"])["score"] == 0.0


def test_w2s_examples_and_text_labels(official, fake_grammar):
    w2s = get_metric("sentence_to_words_score", grammar=fake_grammar)
    for level in ("easy", "medium", "hard"):
        first = next(records(official / "test" / "words_to_sentence" / f"{level}.jsonl"))
        res = w2s(first["answer"]["example"], first["answer"])
        assert res["inclusion_score"] == 1.0 and res["score"] == 1.0
    summ = get_metric("summary_score", grammar=fake_grammar)
    para = get_metric("paraphrase_score", grammar=fake_grammar, similarity="chrf")
    pt = official / "test" / "paraphrase_summarize"
    for record in records(pt / "samsum.jsonl"):
        assert summ(record["answer"]["summary"], record["answer"])["rougeL_score"] == pytest.approx(1.0)
    for record in records(pt / "chatgpt-paraphrases.jsonl"):
        # echoing the source: BLEU 1 (or 0 for sources under 4 tokens, as in the reference)
        res = para(record["answer"]["text"], record["answer"])
        assert res["similarity_score"] == pytest.approx(1.0)


def test_harper_on_official_w2s_examples(official):
    # The "hard" example ("... along the river bank ...") is flagged by Harper's closed-compound
    # rule: one of the ways Harper is a different metric from LanguageTool (docs/metrics.md).
    checker = get_grammar_checker("harper")
    for level in ("easy", "medium"):
        first = next(records(official / "test" / "words_to_sentence" / f"{level}.jsonl"))
        assert checker.check(first["answer"]["example"]), first["answer"]["example"]
