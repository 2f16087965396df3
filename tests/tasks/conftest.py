"""Shared fixtures for the task tests: the official reference files and the metrics."""
from __future__ import annotations

from pathlib import Path

import pytest
from tasks_testutil import OFFICIAL, OFFICIAL_CHECKED


@pytest.fixture(autouse=True)
def _no_dream_sudoku_from_the_environment(monkeypatch):
    """The built-in Sudoku reads Dream's set when $PARALLELBENCH_DREAM_SUDOKU names it; tests set
    it themselves."""
    monkeypatch.delenv("PARALLELBENCH_DREAM_SUDOKU", raising=False)


@pytest.fixture(scope="session")
def official_dir() -> Path:
    if not (OFFICIAL / "test").is_dir():
        pytest.skip(f"official reference files not available at {OFFICIAL}")
    return OFFICIAL


@pytest.fixture(scope="session")
def get_metric():
    """``parallelbench.metrics.get_metric`` (skips while the metrics package is not built)."""
    try:
        from parallelbench.metrics import get_metric as factory
    except ImportError as exc:
        pytest.skip(f"parallelbench.metrics not available yet: {exc}")
    return factory


def pytest_terminal_summary(terminalreporter):
    if OFFICIAL_CHECKED:
        total = sum(OFFICIAL_CHECKED.values())
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(OFFICIAL_CHECKED.items()))
        terminalreporter.write_line(f"parallelbench.tasks: official samples checked: {total} "
                                    f"({parts})")
