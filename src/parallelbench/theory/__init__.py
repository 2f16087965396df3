"""Information-theoretic analysis of parallel decoding (paper Section 4) and the ideal dLLM's
accuracy under a decoding strategy.

* ``information``: C(Y|X), the T-step bound L_T for an ordered partition, the optimal L*_T.
* ``closed_forms``: the Section 4 closed forms (Copy / Replace Index / Replace Random / Shuffle).
* ``enumerate`` and ``accuracy``: exact accuracy by walking the decoding tree, or Monte Carlo
  through the real sampler with a 95% Wilson interval (results say which).
* ``analysis``, ``plot``, ``table``, ``cli``: the ``parallelbench theory`` command, Figure 2
  style plots and the table of docs/ideal-dllm.md.
"""
from . import closed_forms
from .accuracy import (
    METHODS,
    AccuracyResult,
    ideal_accuracy,
    monte_carlo_accuracy,
    run_seeds,
    wilson_interval,
)
from .analysis import analyse, decode_config, default_convention, format_report, task_problem
from .closed_forms import (
    closed_form_accuracy,
    replace_random_greedy_accuracy,
    replace_random_one_step_sampled,
    replace_random_threshold_accuracy,
    schedule,
    shuffle_bound,
    shuffle_half_bound,
    shuffle_threshold_accuracy,
    shuffle_topk_accuracy,
)
from .enumerate import MAX_WORK, STRATEGIES, DecodeSpec, Intractable, canonical_strategy, exact_accuracy
from .information import optimal_bound, step_bound, step_cost, total_correlation
from .plot import plot_sweep, sweep
from .table import build_table, table_rows, write_table

__all__ = [
    "AccuracyResult", "DecodeSpec", "Intractable", "MAX_WORK", "METHODS", "STRATEGIES", "analyse",
    "build_table", "canonical_strategy", "closed_form_accuracy", "closed_forms", "decode_config",
    "default_convention", "exact_accuracy", "format_report", "ideal_accuracy",
    "monte_carlo_accuracy", "optimal_bound", "plot_sweep", "replace_random_greedy_accuracy",
    "replace_random_one_step_sampled", "replace_random_threshold_accuracy", "run_seeds",
    "schedule", "shuffle_bound", "shuffle_half_bound", "shuffle_threshold_accuracy",
    "shuffle_topk_accuracy", "step_bound", "step_cost", "sweep", "table_rows", "task_problem",
    "total_correlation", "wilson_interval", "write_table",
]
