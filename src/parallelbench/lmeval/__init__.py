"""lm-evaluation-harness integration: our tasks as lm-eval tasks, every backend of ours as the
lm-eval model ``parallelbench``, and lm-eval result files read into / written from our store.

Nothing here imports lm-eval until it is used (``parallelbench`` starts without it).
"""
from .names import lm_task_name, our_strategy, our_task_name
from .yamls import write_task_folder

__all__ = ["lm_task_name", "our_strategy", "our_task_name", "write_task_folder", "evaluate", "register"]


def evaluate(*args, **kwargs):
    """``harness.evaluate`` (imports lm-eval)."""
    from .harness import evaluate as _evaluate

    return _evaluate(*args, **kwargs)


def register() -> None:
    """Register the ``parallelbench`` model with lm-eval (``harness.register``)."""
    from .harness import register as _register

    _register()
