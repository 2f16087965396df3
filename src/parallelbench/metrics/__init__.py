"""Scoring of model outputs, faithful to the ParallelBench reference (SPEC section 5).

``get_metric(name)`` returns a callable ``metric(prediction, label) -> dict``; see
docs/metrics.md for every rule, the quirks kept on purpose and the grammar/similarity backends.
"""
from parallelbench.metrics.backends import MetricBackends
from parallelbench.metrics.base import Metric
from parallelbench.metrics.bleu import bleu
from parallelbench.metrics.grammar import (GRAMMAR_BACKENDS, GrammarChecker, GrammarCheckError,
                                           HarperChecker, HarperProfileChecker, get_grammar_checker)
from parallelbench.metrics.grammar_languagetool import LanguageToolChecker
from parallelbench.metrics.parsing import (parse_grid_loose, parse_grid_strict, parse_loose,
                                           parse_strict)
from parallelbench.metrics.registry import get_metric, list_metrics
from parallelbench.metrics.similarity import (SIMILARITY_BACKENDS, BertScoreScorer, ChrfScorer,
                                              SimilarityScorer, bertscore_available,
                                              get_similarity_scorer, rouge_scores)

__all__ = [
    "Metric", "get_metric", "list_metrics", "MetricBackends",
    "parse_loose", "parse_strict", "parse_grid_loose", "parse_grid_strict",
    "GrammarChecker", "GrammarCheckError", "HarperChecker", "HarperProfileChecker",
    "LanguageToolChecker",
    "get_grammar_checker", "GRAMMAR_BACKENDS",
    "SimilarityScorer", "BertScoreScorer", "ChrfScorer", "get_similarity_scorer",
    "bertscore_available", "SIMILARITY_BACKENDS",
    "bleu", "rouge_scores",
]
