"""Benchmark tasks: the 17 ParallelBench tasks, their scaled variants and the Section 4 list ops.

Public names: ``load_task``, ``list_tasks``, ``Task``, ``TaskInfo``, ``Sample``; helpers for
rendering (``format_list``, ``render_messages``) and for the built-in generators.
"""
from .lists import derive_seed, generate_list_records
from .loader import list_tasks, load_task, match_tasks
from . import extra as _extra  # noqa: F401,E402 - registers the extra task families
from .puzzles import generate_latin_records, generate_sudoku_records, solve_sudoku
from .registry import registered_names
from .render import format_list, format_words, render_messages
from .sample import Sample
from .task import Task, TaskInfo

__all__ = [
    "Sample", "Task", "TaskInfo", "derive_seed", "format_list", "format_words",
    "generate_latin_records", "generate_list_records", "generate_sudoku_records", "list_tasks",
    "load_task", "match_tasks", "registered_names", "render_messages", "solve_sudoku",
]
