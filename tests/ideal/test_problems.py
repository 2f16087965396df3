"""Answer sets and exact conditional marginals against brute force over listed answers.

The valid-answer sets are rebuilt here independently (plain Python lists of strings); marginals
given random partial assignments must equal the answer frequencies among consistent answers.
"""
from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pytest

from parallelbench.errors import ConfigError, DataError
from parallelbench.ideal import (
    FREE,
    PermutationProblem,
    batch_marginals,
    latin_square_problem,
    list_problem,
    op_from_task_name,
    problem_from_sample,
    render,
    sudoku_problem,
)
from parallelbench.ideal.builders import parse_list
from parallelbench.tasks.sample import Sample

WORD = "Zed"


def answers_by_hand(op, items, index, convention):
    """A(X) as lists of strings, from the operation's definition."""
    n = len(items)
    if op == "copy":
        return [list(items)]
    if op == "sort":
        return [sorted(items)]
    if op == "reverse":
        return [items[::-1]]
    if op == "shuffle":
        perms = [list(p) for p in itertools.permutations(items)]
        return [p for p in perms if p != list(items)] if convention == "metric" else perms
    if op == "insert_index":
        return [items[:index] + [WORD] + items[index:]]
    if op == "remove_index":
        return [items[:index] + items[index + 1:]]
    if op == "replace_index":
        return [items[:index] + [WORD] + items[index + 1:]]
    if op == "insert_random":
        return [items[:i] + [WORD] + items[i:] for i in range(n + 1)]
    if op == "remove_random":
        return [items[:i] + items[i + 1:] for i in range(n)]
    if op == "replace_random":
        return [items[:i] + [WORD] + items[i + 1:] for i in range(n)]
    raise AssertionError(op)


OPS = ("copy", "sort", "reverse", "shuffle", "insert_index", "insert_random", "remove_index",
       "remove_random", "replace_index", "replace_random")


def check_marginals(problem, answers, rng, trials=25):
    """Compare ``problem.marginals`` with frequencies over ``answers`` (lists of strings)."""
    G = problem.length
    items = problem.items
    for _ in range(trials):
        target = answers[rng.integers(len(answers))]
        mask = rng.random(G) < rng.random()
        assign = np.full(G, FREE)
        for i in np.flatnonzero(mask):
            assign[i] = items.index(target[i])
        consistent = [a for a in answers if all(a[i] == items[assign[i]] for i in np.flatnonzero(mask))]
        q = problem.marginals(assign)
        assert q.shape == (G, len(items))
        c, total = problem.counts(assign)
        assert total == len(consistent)
        for i in range(G):
            freq = Counter(a[i] for a in consistent)
            expected = np.array([freq.get(v, 0) / len(consistent) for v in items])
            np.testing.assert_allclose(q[i], expected, atol=1e-12)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("convention", ["metric", "paper"])
def test_marginals_equal_brute_force(op, convention):
    rng = np.random.default_rng(0)
    for n in (3, 4, 5):
        items = [f"P{i}" for i in (3, 1, 4, 0, 2)[:n]]  # unsorted, so sort is not the identity
        index = int(rng.integers(n))
        p = list_problem(op, items, word=WORD, index=index, convention=convention)
        answers = answers_by_hand(op, items, index, convention)
        assert p.num_answers() == len({tuple(a) for a in answers})
        assert p.length == len(answers[0])  # insert/remove change the output length
        check_marginals(p, answers, rng)
        listed = sorted(tuple(p.items[v] for v in row) for row in p.answers())
        assert listed == sorted({tuple(a) for a in answers})


def test_shuffle_counting_at_large_n_without_listing():
    n = 16
    p = list_problem("shuffle", [f"x{i}" for i in range(n)], convention="metric")
    assert isinstance(p, PermutationProblem)
    import math
    assert p.num_answers() == math.factorial(n) - 1
    assign = np.full(n, FREE)
    assign[:14] = np.arange(14)  # identity so far: the excluded completion is still possible
    q = p.marginals(assign)
    # Two slots left: the only allowed completion swaps the last two items.
    np.testing.assert_allclose(q[14], np.eye(n)[15])
    np.testing.assert_allclose(q[15], np.eye(n)[14])
    assign[0], assign[1] = 1, 0  # not the identity any more: both completions are allowed
    q = p.marginals(assign)
    np.testing.assert_allclose(q[14, 14:], [0.5, 0.5])
    with pytest.raises(ValueError):
        p.answers()


def test_batch_marginals_equal_single_rows():
    rng = np.random.default_rng(3)
    problems, assigns = [], []
    for n in (4, 5, 6):
        for conv in ("metric", "paper"):
            for op in ("shuffle", "replace_random"):
                p = list_problem(op, [f"y{i}" for i in range(n)], word=WORD, convention=conv)
                a = np.full(p.length, FREE)
                perm = rng.permutation(n)
                k = int(rng.integers(0, n))
                a[:k] = perm[:k] if op == "shuffle" else a[:k]
                problems.append(p)
                assigns.append(a)
    # A duplicate commit (possible after a parallel error) uses the documented fallback.
    dup = list_problem("shuffle", list("ABCD"), convention="metric")
    problems.append(dup)
    assigns.append(np.array([0, 0, FREE, FREE]))
    batched = batch_marginals(problems, assigns)
    for p, a, q in zip(problems, assigns, batched):
        np.testing.assert_allclose(q, p.marginals(a), atol=1e-12)
        np.testing.assert_allclose(q.sum(1), 1.0, atol=1e-12)


def test_latin_square_has_576_squares_and_uniform_cells():
    p = latin_square_problem(list("WXYZ"))
    sq = p.answers()
    assert sq.shape == (576, 16)
    grid = sq.reshape(-1, 4, 4)
    for s in grid[::37]:
        assert all(sorted(r) == [0, 1, 2, 3] for r in s) and all(sorted(c) == [0, 1, 2, 3] for c in s.T)
    np.testing.assert_allclose(p.marginals(np.full(16, FREE)), 0.25)
    rng = np.random.default_rng(1)
    answers = [[p.items[v] for v in row] for row in sq]
    check_marginals(p, answers, rng, trials=10)
    with pytest.raises(ConfigError):
        latin_square_problem(["A", "A", "B", "C"])


def test_sudoku_unique_solution():
    puzzle = "1243\n3402\n0301\n0134"
    p = sudoku_problem(puzzle)
    assert p.num_answers() == 1
    assert render("sudoku", [p.items[v] for v in p.answers()[0]]) == "1243\n3412\n4321\n2134"
    np.testing.assert_allclose(p.marginals(np.full(16, FREE)).max(1), 1.0)
    with pytest.raises(DataError):
        sudoku_problem("1111\n0000\n0000\n0000")
    with pytest.raises(DataError):
        sudoku_problem("12\n34")


def test_render_and_parse_round_trip():
    assert render("copy", ["A b", "C"]) == '["A b", "C"]'
    assert parse_list(render("shuffle", ["x", "y", "z"])) == ["x", "y", "z"]
    assert render("latin_square", list("ABCDBCDACDABDABC")) == "A,B,C,D\nB,C,D,A\nC,D,A,B\nD,A,B,C"


def test_task_names_and_bad_input():
    assert op_from_task_name("waiting_line/shuffle") == "shuffle"
    assert op_from_task_name("list_ops/replace_random") == "replace_random"
    assert op_from_task_name("waiting_line_n15/insert_index") == "insert_index"
    assert op_from_task_name("puzzle/latin_square_n4") == "latin_square"
    assert op_from_task_name("puzzle/sudoku_n4_12") == "sudoku"
    for name in ("words_to_sentence/easy", "paraphrase_summarize/samsum", "nope"):
        with pytest.raises(ConfigError, match="not enumerable"):
            op_from_task_name(name)
    with pytest.raises(ConfigError, match="distinct"):
        list_problem("copy", ["a", "a"])
    with pytest.raises(ConfigError, match="new word"):
        list_problem("replace_random", ["a", "b"], word="a")
    with pytest.raises(ConfigError, match="index"):
        list_problem("remove_index", ["a", "b"], index=2)
    with pytest.raises(ConfigError, match="convention"):
        list_problem("copy", ["a"], convention="other")


def test_problem_from_sample_uses_metadata_and_label():
    s = Sample(index=0, messages=[], label='["b", "a", "c"]',
               metadata={"items": ["c", "a", "b"], "length": 3})
    p, op = problem_from_sample(s, task="waiting_line/reverse")
    assert op == "reverse" and [p.items[v] for v in p.answers()[0]] == ["b", "a", "c"]
    s = Sample(index=1, messages=[], label={"input": ["c", "a"]}, metadata={})
    p, op = problem_from_sample(s, task="list_ops/shuffle")
    assert p.num_answers() == 1  # metric convention: the input order itself is excluded
    with pytest.raises(DataError):
        problem_from_sample(Sample(index=2, messages=[], label=None, metadata={}), task="waiting_line/copy")
