"""BLEU exactly as Hugging Face ``evaluate``'s ``bleu`` metric (the google/nmt ``compute_bleu``).

Definition (one or many predictions; each prediction has one or more references):

* tokens: the WMT ``13a`` tokenizer (sacrebleu's ``Tokenizer13a``), then whitespace split;
* for n = 1..N (N = ``max_order`` = 4): ``m_n`` = clipped n-gram matches summed over the corpus
  (a prediction n-gram counts at most as often as in the reference that has most of it),
  ``c_n`` = number of prediction n-grams (``len - n + 1`` per prediction, at least 0);
* ``p_n = m_n / c_n`` (0 when ``c_n = 0``); with ``smooth``: ``p_n = (m_n + 1) / (c_n + 1)``;
* geometric mean ``G = exp(sum(log p_n) / N)`` if every ``p_n > 0``, else ``G = 0`` -- so any
  output shorter than N tokens, or sharing no 4-gram with the reference, has BLEU 0;
* ``c`` = total prediction length, ``r`` = sum over predictions of the *shortest* reference
  length; brevity penalty ``BP = 1`` if ``c > r`` else ``exp(1 - r / c)``;
* ``BLEU = G * BP``.

One deliberate difference: an empty tokenized prediction (e.g. the literal ``<skipped>``, which
13a deletes) makes the reference divide by zero; here it gives BP = 0, hence BLEU = 0.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

__all__ = ["bleu", "tokenize_13a", "ngram_counts"]

_TOKENIZER = None


def tokenize_13a(text: str) -> list[str]:
    """Tokens of ``text`` under the 13a tokenizer."""
    global _TOKENIZER
    if _TOKENIZER is None:
        from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

        _TOKENIZER = Tokenizer13a()
    return _TOKENIZER(text).split()


def ngram_counts(tokens: Sequence[str], max_order: int) -> Counter:
    """Counts of every n-gram (as tuples) of order 1..``max_order``."""
    counts: Counter = Counter()
    for n in range(1, max_order + 1):
        for i in range(len(tokens) - n + 1):
            counts[tuple(tokens[i:i + n])] += 1
    return counts


def bleu(predictions: Sequence[str], references: Sequence[Sequence[str]] | Sequence[str],
         max_order: int = 4, smooth: bool = False) -> dict[str, Any]:
    """Corpus BLEU of ``predictions`` against ``references`` (one list of references each, or
    one reference string each). Returns ``bleu``, ``precisions``, ``brevity_penalty``,
    ``length_ratio``, ``translation_length``, ``reference_length`` (as ``evaluate`` does)."""
    if len(predictions) != len(references):
        raise ValueError("need one reference set per prediction")
    matches = [0] * max_order
    possible = [0] * max_order
    pred_len = ref_len = 0
    for pred, refs in zip(predictions, references):
        refs = [refs] if isinstance(refs, str) else list(refs)
        ref_tokens = [tokenize_13a(r) for r in refs]
        pred_tokens = tokenize_13a(pred)
        pred_len += len(pred_tokens)
        ref_len += min((len(r) for r in ref_tokens), default=0)
        best: Counter = Counter()
        for r in ref_tokens:
            best |= ngram_counts(r, max_order)  # element-wise max over references
        overlap = ngram_counts(pred_tokens, max_order) & best  # clipped counts
        for gram, count in overlap.items():
            matches[len(gram) - 1] += count
        for n in range(1, max_order + 1):
            possible[n - 1] += max(len(pred_tokens) - n + 1, 0)

    if smooth:
        precisions = [(m + 1.0) / (c + 1.0) for m, c in zip(matches, possible)]
    else:
        precisions = [m / c if c > 0 else 0.0 for m, c in zip(matches, possible)]
    geo = math.exp(sum(math.log(p) for p in precisions) / max_order) if min(precisions) > 0 else 0.0
    ratio = pred_len / ref_len if ref_len > 0 else math.inf
    if ratio > 1.0:
        bp = 1.0
    elif ratio == 0.0:
        bp = 0.0  # empty prediction: the reference would divide by zero here
    else:
        bp = math.exp(1.0 - 1.0 / ratio)
    return {"bleu": geo * bp, "precisions": precisions, "brevity_penalty": bp,
            "length_ratio": ratio, "translation_length": pred_len, "reference_length": ref_len}
