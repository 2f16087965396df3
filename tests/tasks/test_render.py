"""Rendering a record into chat messages, metadata and the infill skeleton (SPEC 2.2, 3.1)."""
from __future__ import annotations

import pytest

from parallelbench.errors import DataError
from parallelbench.tasks import format_list, format_words, render_messages
from parallelbench.tasks.render import build_sample, infill_skeleton, parse_list_text, user_text


def test_format_list_matches_reference_serialization():
    assert format_list(["Billy Ramos", "Alan Wells"]) == '["Billy Ramos", "Alan Wells"]'
    assert format_list(["[MASK]"] * 2) == '["[MASK]", "[MASK]"]'
    assert parse_list_text(format_list(["A", "B C"])) == ["A", "B C"]


def test_format_words_oxford_comma():
    assert format_words(["dog", "park", "ball", "throw"]) == "dog, park, ball, and throw"
    assert format_words(["dog", "park", "ball"]) == "dog, park, and ball"
    assert format_words(["dog"]) == "dog"


def test_user_text_formats_then_turns_backslash_n_into_newlines():
    assert user_text("a\\nb {x}\\n", {"x": 1, "unused": 2}) == "a\nb 1\n"
    with pytest.raises(DataError, match="template"):
        user_text("{missing}", {"x": 1})


def test_one_shot_example_becomes_a_prior_turn():
    record = {
        "input": {"context": '["A", "B"]', "icl_examples": [
            {"input": {"context": '["C"]'}, "answer": {"input": ["C"], "example": '["C"]'}}]},
        "answer": '["A", "B"]',
    }
    messages = render_messages("copy {context}\n", record)
    assert messages == [
        {"role": "user", "content": 'copy ["C"]\n'},
        {"role": "assistant", "content": '["C"]'},
        {"role": "user", "content": 'copy ["A", "B"]\n'},
    ]


def test_sample_metadata_and_infill_for_list_tasks():
    record = {"input": {"context": '["A", "B", "C"]', "index": 1}, "answer": '["A", "C"]',
              "metadata": {"length": 3, "index": 1}}
    sample = build_sample(0, record, "remove {index} {context}", "remove_index")
    assert sample.metadata == {"length": 3, "index": 1, "items": ["A", "B", "C"]}
    # no output_format in remove records: the skeleton follows the target length n - 1
    assert sample.infill == '["[MASK]", "[MASK]"]'
    assert sample.label == '["A", "C"]' and sample.reference == '["A", "C"]'
    rand = {"input": {"context": '["A", "B"]', "word": "Z"},
            "answer": {"input": ["A", "B"], "word": "Z", "example": '["Z", "B"]'}}
    sample = build_sample(3, rand, "{word} {context}", "replace_random")
    assert sample.metadata["word"] == "Z" and sample.metadata["index"] is None
    assert sample.infill == '["[MASK]", "[MASK]"]'
    assert sample.index == 3 and sample.record == rand


def test_puzzle_skeletons():
    meta = {"puzzle": "1200\n0043\n2100\n4300"}
    assert infill_skeleton("sudoku", {}, meta).split("\n")[0] == "12[MASK][MASK]"
    assert infill_skeleton("latin_square", {}, {"symbols": list("ABC")}) == \
        "[MASK],[MASK],[MASK]\n[MASK],[MASK],[MASK]\n[MASK],[MASK],[MASK]"
    assert infill_skeleton("words_to_sentence", {}, {}) is None


def test_bad_records_raise_data_errors():
    with pytest.raises(DataError):
        build_sample(0, {"input": {"context": "A, B"}, "answer": "x"}, "{context}", "copy")
    with pytest.raises(DataError, match="answer"):
        build_sample(0, {"input": {}}, "x", "copy")
