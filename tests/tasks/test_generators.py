"""Built-in generators: deterministic, valid, and following the reference algorithms."""
from __future__ import annotations

import json

import pytest

from parallelbench.errors import ConfigError
from parallelbench.tasks import load_task, registered_names, solve_sudoku
from parallelbench.tasks.lists import builtin_name_parts, derive_seed, generate_list_records
from parallelbench.tasks.puzzles import is_latin_square, text_to_grid
from parallelbench.tasks.text import smoke_records, w2s_word_sets

WL_OPS = ["copy", "sort", "reverse", "shuffle", "insert_index", "insert_random",
          "remove_index", "remove_random", "replace_index", "replace_random"]


def test_seed_rule_reproduces_the_stored_reference_seeds():
    assert derive_seed("copy") == 31940
    assert derive_seed("insert_index_list") == 49875
    assert derive_seed("latin_square_n4") == 51291


def test_own_name_lists():
    firsts, lasts = builtin_name_parts()
    assert 85 <= len(firsts) <= 100 and 180 <= len(lasts) <= 210
    assert len(set(firsts)) == len(firsts) and len(set(lasts)) == len(lasts)
    assert all(" " not in s and s.isalpha() for s in firsts + lasts)


@pytest.mark.parametrize("op", WL_OPS)
def test_waiting_line_is_deterministic_and_valid(op):
    task = load_task(f"waiting_line/{op}")
    again = load_task(f"waiting_line/{op}")
    assert [s.messages for s in task] == [s.messages for s in again]
    assert [s.messages for s in load_task(f"waiting_line/{op}", seed=7)] != \
        [s.messages for s in task]
    assert len(task) == 100 and task.max_tokens == 32 and task.source == "builtin"
    lengths = [s.metadata["length"] for s in task]
    assert lengths == sorted(lengths) and all(lengths.count(n) == 25 for n in (3, 4, 5, 6))
    for sample in task:
        items = sample.metadata["items"]
        assert len(items) == sample.metadata["length"]
        firsts = [s.split()[0] for s in items]
        lasts = [s.split()[1] for s in items]
        assert len(set(firsts)) == len(items) and len(set(lasts)) == len(items)
        assert len(sample.messages) == 3 and sample.messages[1]["role"] == "assistant"
        assert sample.infill.count("[MASK]") == len(items) + {"insert": 1, "remove": -1}.get(
            op.split("_")[0], 0)
        if op == "sort":  # the reference's order: the whole "First Last" string
            assert sample.label == '["' + '", "'.join(sorted(items)) + '"]'
        if op.endswith("_index"):
            assert sample.metadata["index"] == sample.record["input"]["index"]
        if op.startswith(("insert", "replace")):
            assert sample.metadata["word"] not in items


@pytest.mark.parametrize("group", ["waiting_line", "waiting_line_n15", "waiting_line_n8"])
def test_sort_by_last_name_is_its_own_task(group):
    plain, by_last = load_task(f"{group}/sort"), load_task(f"{group}/sort_by_last_name")
    assert by_last.name == f"{group}/sort_by_last_name" and by_last.op == "sort"
    assert [s.metadata["items"] for s in by_last] == [s.metadata["items"] for s in plain]
    assert by_last.template == plain.template and by_last.lengths == plain.lengths
    for a, b in zip(plain, by_last):
        items = a.metadata["items"]
        assert b.label == '["' + '", "'.join(sorted(items, key=lambda x: (x.split()[1], x))) + '"]'
        example = b.record["input"]["icl_examples"][0]  # the one-shot example follows suit
        shown = json.loads(example["input"]["context"])
        assert json.loads(example["answer"]) == sorted(shown, key=lambda x: (x.split()[1], x))
    differs = sum(a.label != b.label for a, b in zip(plain, by_last))
    assert differs > len(plain) // 2
    # not registered: `waiting_line/*` keeps the reference's ten tasks
    assert f"{group}/sort_by_last_name" not in registered_names()


def test_scaled_and_custom_lengths():
    task = load_task("waiting_line_n15/reverse")
    assert {s.metadata["length"] for s in task} == {15} and task.max_tokens == 128
    long = load_task("waiting_line/copy", n=40, num_samples=5)
    assert len(long) == 5 and long.max_tokens >= 256
    assert all(len({x.split()[0] for x in s.metadata["items"]}) == 40 for s in long)
    assert load_task("waiting_line_n8/shuffle").lengths == [8]


def test_list_ops_letters():
    task = load_task("list_ops/replace_random", n=10)
    assert task.name == "list_ops/replace_random" and len(task) == 100
    assert task.lengths == [10] and len(task[0].messages) == 1  # zero-shot
    for sample in task:
        items = sample.metadata["items"]
        assert len(set(items)) == 10 and all(len(x) == 1 and x.isupper() for x in items)
        assert sample.label["word"] not in items
    assert load_task("list_ops/copy").lengths == [6, 8, 10, 12, 14, 16]
    assert load_task("list_ops/shuffle_n12").lengths == [12]
    with pytest.raises(ConfigError):
        load_task("list_ops/replace_index", n=26)  # no letter left to replace with


def test_bucketing_keeps_ascending_full_buckets():
    records = generate_list_records("copy", [chr(65 + i) for i in range(20)], min_length=2,
                                    max_length=9, num_samples=12, samples_per_length=4, seed=3)
    lengths = [r["metadata"]["length"] for r in records]
    assert len(records) == 12 and lengths == sorted(lengths) and len(set(lengths)) == 3
    with pytest.raises(ConfigError):
        generate_list_records("copy", ["A", "B"], min_length=2, max_length=2, num_samples=8,
                              samples_per_length=4, seed=1)


def test_latin_squares_are_valid():
    task = load_task("puzzle/latin_square_n4")
    assert len(task) == 100
    for sample in task:
        rows = [line.split(",") for line in sample.reference.split("\n")]
        assert is_latin_square(rows, sample.metadata["symbols"])
    big = load_task("puzzle/latin_square_n6", num_samples=3)
    assert big.name == "puzzle/latin_square_n6"
    assert all(len(s.metadata["symbols"]) == 6 for s in big)


def test_sudoku_puzzles_have_exactly_one_solution():
    task = load_task("puzzle/sudoku_n4_12")  # no Dream set given: self-generated, and says so
    puzzles = [s.metadata["puzzle"] for s in task]
    assert len(task) == 100 and len(set(puzzles)) == 100
    assert task.source == "builtin" and {s.metadata["source"] for s in task} == {"generated"}
    for sample in task:
        grid = text_to_grid(sample.metadata["puzzle"])
        assert len(grid) == 16 and grid.count(0) == 4
        assert solve_sudoku(grid) == [text_to_grid(sample.label)]
        example = sample.record["input"]["icl_examples"][0]
        assert example["input"]["sudoku"] != sample.metadata["puzzle"]
        assert solve_sudoku(text_to_grid(example["input"]["sudoku"])) == \
            [text_to_grid(example["answer"])]


def test_solver_detects_multiple_solutions():
    assert len(solve_sudoku([0] * 16, limit=5)) == 5
    # a deadly rectangle: swapping 1/2 in rows 0 and 2 of these blanks keeps it valid
    grid = text_to_grid("1234\n3412\n2143\n4321")
    for pos in (0, 1, 8, 9):
        grid[pos] = 0
    assert len(solve_sudoku(grid)) == 2


def test_w2s_word_sets_and_variants():
    for level in ("easy", "medium", "hard"):
        sets = w2s_word_sets(level)
        assert len(sets) == 100 and all(len(ws) == 7 == len(set(ws)) for ws in sets)
        assert len({tuple(ws) for ws in sets}) == 100
        n5 = load_task(f"words_to_sentence/{level}_n5")
        assert [s.label["words"] for s in n5] == [ws[:5] for ws in sets]
        base = load_task(f"words_to_sentence/{level}")
        assert [s.label["words"] for s in base] == [ws[:4] for ws in sets]
    one = load_task("words_to_sentence/hard_n1")
    assert one[0].prompt.startswith("Construct a single, coherent sentence using the word ")


def test_smoke_sets_are_marked():
    for name in ("paraphrase_summarize/samsum", "paraphrase_summarize/chatgpt-paraphrases"):
        task = load_task(name)
        assert task.source == "builtin-smoke" and "NOT comparable" in task.warning
        assert len(task) >= 20 and task.max_tokens == 64
    assert len({r["input"]["text"] for r in smoke_records("samsum")}) >= 20
