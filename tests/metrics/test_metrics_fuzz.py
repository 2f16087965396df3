"""Robustness: no metric ever raises on model output, and results keep their shape."""
from __future__ import annotations

import math
import random
import zlib

import pytest

from parallelbench.metrics import get_metric, parse_loose, parse_strict

ALPHABET = list('[]",\' \n\r\t0123456789ABCHxyz:-`|;') + [
    "é", "中", "😀", "\x00", "\x1b", "\u2028", "\u200b", "٣", "²", "&quot;", "<skipped>", "-\n"]

VALID = {
    "list_match_score": ('["A B", "C D", "E F"]', '["A B", "C D", "E F"]'),
    "list_shuffle_score": ('["C D", "A B", "E F"]', {"input": ["A B", "C D", "E F"]}),
    "list_random_insert_score": ('["A B", "W", "C D"]', {"input": ["A B", "C D"], "word": "W"}),
    "list_random_remove_score": ('["A B"]', {"input": ["A B", "C D"]}),
    "list_random_replace_score": ('["W", "C D"]', {"input": ["A B", "C D"], "word": "W"}),
    "latin_square_score": ("H,4,A,C\n4,C,H,A\nC,A,4,H\nA,H,C,4", {"symbols": ["H", "4", "C", "A"]}),
    "sudoku_score": ("1342\n2431\n4123\n3214", "1342\n2431\n4123\n3214"),
    "sentence_to_words_score": ("The dog threw a ball.", {"words": ["dog", "ball"]}),
    "summary_score": ("Two people talk.", {"summary": "Two people talk about music."}),
    "paraphrase_score": ("What sweater is this?", {"text": "Any idea of what sweater this is?"}),
}
TEXT = {"sentence_to_words_score", "summary_score", "paraphrase_score"}


def random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(n))


def mutate(rng: random.Random, s: str) -> str:
    chars = list(s)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(3)
        pos = rng.randrange(len(chars) + 1)
        if op == 0:
            chars.insert(pos, rng.choice(ALPHABET))
        elif chars and op == 1:
            del chars[min(pos, len(chars) - 1)]
        elif chars:
            i, j = rng.randrange(len(chars)), rng.randrange(len(chars))
            chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def inputs(name: str, count: int, seed: int) -> list:
    rng = random.Random(seed)
    good = VALID[name][0]
    out = ["", " ", "\n\n", None, 12345, b"[\"A B\"]", "x" * 200_000, good * 2000]
    out += [random_text(rng, rng.randint(0, 120)) for _ in range(count)]
    out += [mutate(rng, good) for _ in range(count)]
    return out


def check_result(metric, res):
    for key in metric.keys:
        value = res[key]
        assert isinstance(value, float) and not math.isnan(value) and 0.0 <= value <= 1.0, (key, value)
    assert res["score_strict"] <= 1.0
    for key, value in res.items():
        assert isinstance(value, float) or key in ("reason", "grammar_backend", "similarity_backend")
    assert not str(res.get("reason", "")).startswith("metric error")


@pytest.mark.parametrize("name", sorted(VALID))
def test_never_raises(name, fake_grammar):
    # Text metrics get the fake checker here (speed); the real one is fuzzed below.
    metric = get_metric(name, grammar=fake_grammar, similarity="chrf")
    label = VALID[name][1]
    assert metric(VALID[name][0], label)["score"] > 0.0  # the valid answer scores
    for pred in inputs(name, 150 if name not in TEXT else 60, seed=zlib.crc32(name.encode())):
        check_result(metric, metric(pred, label))
        if name in TEXT:
            assert metric(pred, label)["score_strict"] == metric(pred, label)["score"]


def test_real_grammar_backend_never_raises():
    metric = get_metric("sentence_to_words_score", grammar="harper")
    rng = random.Random(7)
    preds = [random_text(rng, rng.randint(0, 120)) for _ in range(40)]
    preds += ["é" * 20_000, "a1" * 5_000, "x" * 200_000, "\x00" * 50]
    for pred in preds:
        check_result(metric, metric(pred, {"words": ["A"]}))


def test_parsers_never_raise():
    rng = random.Random(3)
    for _ in range(2000):
        s = random_text(rng, rng.randint(0, 60))
        loose = parse_loose(s)
        strict = parse_strict(s)
        assert isinstance(loose, list) and all(isinstance(x, str) for x in loose)
        assert strict is None or (isinstance(strict, list) and all('"' not in x for x in strict))
