"""The ideal dLLM: exact conditional marginals of a task's answer distribution (paper Section 4).

Public names: ``IdealModel`` (a decoding model for ``parallelbench.decoding.decode``), the
problems (``Problem``, ``FiniteSetProblem``, ``PermutationProblem``), builders
(``list_problem``, ``latin_square_problem``, ``sudoku_problem``, ``problem_from_sample``,
``render``), ``decode_problems`` and ``item_config``. The ``ideal`` model backend lives in
``backend.py`` and the demo in ``demo.py`` (imported lazily: they need the other parts).
"""
from .._lazy import lazy_exports

# Names are imported on first use (the sampler, hence torch, only when decoding).
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    ".builders": ["CONVENTIONS", "ENUMERABLE_OPS", "LIST_OPS", "latin_square_problem",
                  "list_problem", "op_from_task_name", "problem_from_sample", "render",
                  "sudoku_problem"],
    ".decode": ["ItemDecode", "decode_problems", "item_config"],
    ".model": ["IdealModel"],
    ".problems": ["FREE", "FiniteSetProblem", "PermutationProblem", "Problem", "batch_marginals"],
})
