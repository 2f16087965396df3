"""Information-theoretic analysis of parallel decoding (paper Section 4) and the ideal dLLM's
accuracy under a decoding strategy.

* ``information``: C(Y|X), the T-step bound L_T for an ordered partition, the optimal L*_T.
* ``closed_forms``: the Section 4 closed forms (Copy / Replace Index / Replace Random / Shuffle).
* ``enumerate`` and ``accuracy``: exact accuracy by walking the decoding tree, or Monte Carlo
  through the real sampler with a 95% Wilson interval (results say which).
* ``analysis``, ``plot``, ``table``, ``cli``: the ``parallelbench theory`` command, Figure 2
  style plots and the table of docs/ideal-dllm.md.
"""
from .._lazy import lazy_exports

# Names are imported on first use: ``parallelbench theory --help`` must not pay for torch.
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".closed_forms": ["closed_forms:", "closed_form_accuracy", "replace_random_greedy_accuracy",
                      "replace_random_one_step_sampled", "replace_random_threshold_accuracy",
                      "schedule", "shuffle_bound", "shuffle_half_bound",
                      "shuffle_threshold_accuracy", "shuffle_topk_accuracy"],
    ".accuracy": ["METHODS", "AccuracyResult", "ideal_accuracy", "monte_carlo_accuracy",
                  "run_seeds", "wilson_interval"],
    ".analysis": ["analyse", "decode_config", "default_convention", "format_report",
                  "resolve_n", "task_problem"],
    ".enumerate": ["MAX_WORK", "STRATEGIES", "DecodeSpec", "Intractable", "canonical_strategy",
                   "exact_accuracy"],
    ".information": ["optimal_bound", "step_bound", "step_cost", "total_correlation"],
    ".plot": ["plot_sweep", "sweep"],
    ".table": ["build_table", "table_rows", "write_table"],
})
