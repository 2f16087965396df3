"""The ideal dLLM: exact conditional marginals of a task's answer distribution (paper Section 4).

Public names: ``IdealModel`` (a decoding model for ``parallelbench.decoding.decode``), the
problems (``Problem``, ``FiniteSetProblem``, ``PermutationProblem``), builders
(``list_problem``, ``latin_square_problem``, ``sudoku_problem``, ``problem_from_sample``,
``render``), ``decode_problems`` and ``item_config``. The ``ideal`` model backend lives in
``backend.py`` and the demo in ``demo.py`` (imported lazily: they need the other parts).
"""
from .builders import (
    CONVENTIONS,
    ENUMERABLE_OPS,
    LIST_OPS,
    latin_square_problem,
    list_problem,
    op_from_task_name,
    problem_from_sample,
    render,
    sudoku_problem,
)
from .decode import ItemDecode, decode_problems, item_config
from .model import IdealModel
from .problems import FREE, FiniteSetProblem, PermutationProblem, Problem, batch_marginals

__all__ = [
    "CONVENTIONS", "ENUMERABLE_OPS", "FREE", "FiniteSetProblem", "IdealModel", "ItemDecode",
    "LIST_OPS", "PermutationProblem", "Problem", "batch_marginals", "decode_problems",
    "item_config", "latin_square_problem", "list_problem", "op_from_task_name",
    "problem_from_sample", "render", "sudoku_problem",
]
