import pytest


@pytest.fixture(autouse=True)
def _offline_cache(tmp_path_factory, monkeypatch):
    """Task YAMLs in a per-session folder; no hub access from lm-eval or datasets."""
    monkeypatch.setenv("PARALLELBENCH_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "pbcache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.delenv("PARALLELBENCH_DATA_DIR", raising=False)
