"""End to end: task sample -> ideal backend (render, decode, detokenise) -> the task's own metric."""
from __future__ import annotations

import numpy as np
import pytest

from parallelbench.errors import ConfigError
from parallelbench.ideal import item_config, problem_from_sample
from parallelbench.models import GenerationRequest, get_model
from parallelbench.tasks import load_task
from parallelbench.theory import exact_accuracy

WAITING_LINE = [f"waiting_line/{op}" for op in (
    "copy", "sort", "reverse", "shuffle", "insert_index", "insert_random", "remove_index",
    "remove_random", "replace_index", "replace_random")]
LIST_OPS = [f"list_ops/{op}" for op in ("copy", "shuffle", "replace_index", "replace_random")]
PUZZLES = ["puzzle/latin_square_n4", "puzzle/sudoku_n4_12"]


def samples_of(task):
    """A few samples per task, covering the shortest and longest list lengths."""
    if task.startswith("waiting_line/"):
        return [s for n in (3, 6) for s in load_task(task, n=n, num_samples=2, seed=1)]
    if task.startswith("list_ops/"):
        return [s for n in (6, 16) for s in load_task(task, n=n, num_samples=2, seed=1)]
    return list(load_task(task, num_samples=3, seed=1))


def requests_for(task, samples, decoding, seeds=None, temperature=0.0):
    t = load_task(task, num_samples=1)
    seeds = seeds if seeds is not None else range(len(samples))
    return [GenerationRequest(messages=s.messages, max_tokens=t.max_tokens, decoding=dict(decoding),
                              temperature=temperature, seed=int(seed), sample=s, task=task)
            for s, seed in zip(samples, seeds)]


def scores(task, samples, gens):
    t = load_task(task, num_samples=1)
    return [t.score(g.text, s) for g, s in zip(gens, samples)]


@pytest.fixture(scope="module")
def model():
    return get_model("ideal")


@pytest.mark.parametrize("task", WAITING_LINE + LIST_OPS + PUZZLES)
def test_one_item_per_step_scores_100(model, task):
    samples = samples_of(task)
    for strategy in ("l2r", "random", "confidence-topk"):
        gens = model.generate(requests_for(task, samples, {"strategy": strategy, "k": 1}))
        for g, s, sc in zip(gens, samples, scores(task, samples, gens)):
            assert sc["score"] == 1.0 and sc["score_strict"] == 1.0, (strategy, g.text, s.label)
            problem, _op = problem_from_sample(s, task=task)
            assert g.output_tokens == problem.length == len(g.token_ids) == g.nfe
            assert g.tokens_per_step == 1.0 and sorted(g.order) == list(range(1, problem.length + 1))
            if strategy == "l2r":
                assert g.order == list(range(1, problem.length + 1))


@pytest.mark.parametrize("task", ["waiting_line_n15/shuffle", "waiting_line_n15/insert_random",
                                  "waiting_line_n15/remove_index"])
def test_n15_spot_check(model, task):
    samples = list(load_task(task, num_samples=3, seed=2))
    gens = model.generate(requests_for(task, samples, {"strategy": "confidence-topk", "k": 1}))
    assert all(sc["score"] == 1.0 for sc in scores(task, samples, gens))
    assert all(g.output_tokens == len(s.metadata["items"]) + (1 if "insert" in task else -1 if "remove" in task else 0)
               for g, s in zip(gens, samples))


# (task, list length, decoding, temperature): k > 1 through the whole pipeline vs exact enumeration.
PARALLEL = [
    ("waiting_line/shuffle", 4, {"strategy": "random", "k": 2}, 0.0),
    ("waiting_line/insert_random", 5, {"strategy": "confidence-topk", "k": 2}, 0.0),
    ("waiting_line/replace_random", 4, {"strategy": "random", "k": "all"}, 1.0),
    ("waiting_line/remove_random", 5, {"strategy": "random", "k": 2}, 1.0),
    ("list_ops/replace_random", 6, {"strategy": "confidence-topk", "k": 2}, 0.0),
    ("list_ops/shuffle", 6, {"strategy": "l2r", "k": 3}, 0.0),
    ("puzzle/latin_square_n4", None, {"strategy": "l2r", "k": 3}, 0.0),
    ("waiting_line/shuffle", 5, {"strategy": "confidence-threshold", "threshold": 0.3}, 0.0),
]


@pytest.mark.parametrize("task,n,decoding,temperature", PARALLEL)
def test_parallel_accuracy_equals_exact_enumeration(model, task, n, decoding, temperature):
    from parallelbench.theory import wilson_interval

    from parallelbench.theory import run_seeds

    sample = (load_task(task, n=n, num_samples=1, seed=3) if n else load_task(task, num_samples=1, seed=3))[0]
    runs = 400
    samples = [sample] * runs
    gens = model.generate(requests_for(task, samples, decoding, seeds=run_seeds(7, runs),
                                       temperature=temperature))
    hits = sum(sc["score"] == 1.0 for sc in scores(task, samples, gens))
    # The backend's "valid" flag (membership in A(X)) must agree with the metric, sample by sample.
    assert [g.extra["valid"] for g in gens] == [sc["score"] == 1.0 for sc in scores(task, samples, gens)]
    problem, _op = problem_from_sample(sample, task=task)
    cfg = item_config(decoding, problem.length, temperature=temperature)
    exact = exact_accuracy(problem, cfg)
    # A 99.9% interval: fixed seeds make this deterministic, and a wide interval keeps it from
    # turning into a 1-in-20 coin flip whenever the sampler's use of random numbers changes.
    low, high = wilson_interval(hits, runs, z=3.29)
    assert low - 1e-9 <= exact <= high + 1e-9, (hits / runs, exact)


def test_steps_budget_becomes_items_per_step(model):
    task = "waiting_line/copy"
    samples = list(load_task(task, n=4, num_samples=2, seed=0))
    gens = model.generate(requests_for(task, samples, {"strategy": "random", "steps": 16}))  # 32 / 16
    assert all(g.nfe == 2 and g.tokens_per_step == 2.0 for g in gens)
    assert all(sc["score"] == 1.0 for sc in scores(task, samples, gens))


def test_deterministic_by_seed_and_batch_independent(model):
    task = "waiting_line/shuffle"
    samples = list(load_task(task, n=6, num_samples=6, seed=0))
    dec = {"strategy": "random", "k": 3}
    a = [g.text for g in model.generate(requests_for(task, samples, dec))]
    b = [g.text for g in model.generate(requests_for(task, samples, dec))]
    assert a == b
    # The same request inside a different batch (mixed tasks and lengths) decodes the same.
    other = list(load_task("waiting_line/insert_random", n=5, num_samples=3, seed=0))
    mixed = requests_for("waiting_line/insert_random", other, dec) + requests_for(task, samples[:2], dec)
    c = [g.text for g in model.generate(mixed)][3:]
    assert c == a[:2]
    d = [g.text for g in model.generate(requests_for(task, samples, dec, seeds=range(50, 56)))]
    assert d != a


def test_non_enumerable_tasks_and_bad_requests_raise_config_errors(model):
    sample = load_task("words_to_sentence/easy", num_samples=1)[0]
    req = GenerationRequest(messages=sample.messages, sample=sample, task="words_to_sentence/easy")
    with pytest.raises(ConfigError, match="not enumerable"):
        model.generate([req])
    with pytest.raises(ConfigError, match="sample"):
        model.generate([GenerationRequest(messages=[{"role": "user", "content": "hi"}], task="waiting_line/copy")])
    with pytest.raises(ConfigError, match="convention"):
        get_model("ideal:bogus")


def test_paper_convention_allows_the_identity_shuffle():
    task = "waiting_line/shuffle"
    sample = load_task(task, n=3, num_samples=1, seed=0)[0]
    paper, metric = get_model("ideal:paper"), get_model("ideal")
    assert paper.info()["convention"] == "paper" and metric.info()["convention"] == "metric"
    reqs = requests_for(task, [sample] * 60, {"strategy": "random", "k": 1}, seeds=range(60))
    texts_paper = {g.text for g in paper.generate(reqs)}
    texts_metric = {g.text for g in metric.generate(reqs)}
    identity = '["' + '", "'.join(sample.metadata["items"]) + '"]'
    assert identity in texts_paper and identity not in texts_metric
    assert len(texts_metric) == 5 and len(texts_paper) == 6
    assert np.all([g.wall_time >= 0 for g in metric.generate(reqs[:2])])


@pytest.mark.parametrize("task", WAITING_LINE + LIST_OPS)
def test_answer_set_is_exactly_what_the_metric_accepts(task):
    """Metric convention: every item sequence of the answer's length scores 1 iff it is in A(X)."""
    import itertools

    from parallelbench.ideal import render

    t = load_task(task, num_samples=1)
    sample = load_task(task, n=3 if task.startswith("waiting") else 6, num_samples=1, seed=4)[0]
    problem, op = problem_from_sample(sample, task=task)
    valid = {tuple(row) for row in problem.answers().tolist()}
    seqs = itertools.product(range(problem.vocab_size), repeat=problem.length)
    if problem.vocab_size ** problem.length > 5000:  # list_ops at n = 6: valid answers + neighbours
        rng = np.random.default_rng(0)
        seqs = list(valid) + [tuple(rng.integers(problem.vocab_size, size=problem.length)) for _ in range(500)]
        for row in list(valid)[:50]:
            for i in range(problem.length):
                for v in range(problem.vocab_size):
                    seqs.append(row[:i] + (v,) + row[i + 1:])
    for seq in seqs:
        text = render(op, [problem.items[v] for v in seq])
        assert (t.score(text, sample)["score"] == 1.0) == (tuple(seq) in valid), text


def test_latin_square_answers_are_what_the_metric_accepts():
    from parallelbench.ideal import render

    t = load_task("puzzle/latin_square_n4", num_samples=1)
    sample = t[0]
    problem, op = problem_from_sample(sample, task="puzzle/latin_square_n4")
    rng = np.random.default_rng(1)
    for row in problem.answers()[rng.permutation(576)[:60]]:
        assert t.score(render(op, [problem.items[v] for v in row]), sample)["score"] == 1.0
        bad = row.copy()
        i = int(rng.integers(16))
        bad[i] = (bad[i] + 1 + int(rng.integers(3))) % 4
        assert t.score(render(op, [problem.items[v] for v in bad]), sample)["score"] == 0.0
