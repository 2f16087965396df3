import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runner_fakes import fake_source  # noqa: E402

from parallelbench.runner import spec_from_dict  # noqa: E402


@pytest.fixture
def fake_spec():
    def make(**over):
        data = {
            "model": "fake-runner", "tasks": ["fake/*"], "limit": 4, "batch_size": 3,
            "strategies": [
                {"strategy": "confidence-topk", "k": [1, 2, 4]},
                {"strategy": "confidence-threshold", "threshold": [0.5, 0.9]},
            ],
        }
        data.update(over)
        spec = spec_from_dict(data)
        return spec, fake_source(spec)

    return make
