"""``ParallelBenchTask``: one of our tasks as an lm-eval ``generate_until`` task.

The YAMLs written by ``yamls.py`` name this class and our task. Samples come from
``load_task`` (built-in generators, or official / generated files through ``data_dir``), the
generation length is the task's ``max_tokens``, and every sample is scored by ``Task.score``;
the aggregate is ``tasks.task.aggregate`` (mean x 100), so the numbers are those of
``parallelbench run``. This module imports lm-eval; only lm-eval loads it.

Data source, first that is set: ``--metadata '{"data_dir": DIR}'``, the folder baked into the
YAML by ``parallelbench lm-eval-path --data-dir``, ``$PARALLELBENCH_DATA_DIR``, else built-in.
``--metadata '{"task_seed": S}'`` changes the built-in generators' base seed.
"""
from __future__ import annotations

import json
import os
from typing import Any

from lm_eval.api.task import ConfigurableTask

from ..errors import ConfigError
from ..tasks import load_task
from ..tasks.task import aggregate

# Per-sample decoding statistics reported as plain means (not percentages).
STAT_KEYS = ("nfe", "tokens_per_step", "output_tokens")


def percent_mean(items: list[float]) -> float:
    """Mean x 100, computed by our own ``aggregate`` (the reference's task aggregate)."""
    return aggregate([{"value": float(x)} for x in items])["value"]


def plain_mean(items: list[float]) -> float:
    return sum(float(x) for x in items) / len(items)


class _ByMetric(dict):
    """``{metric: value}`` with a default for metrics only known once samples are scored."""

    def __init__(self, stat: Any, score: Any):
        super().__init__()
        self._stat, self._score = stat, score

    def __missing__(self, key: str) -> Any:
        return self._stat if key in STAT_KEYS else self._score


def sample_doc(task_name: str, sample: Any) -> dict[str, Any]:
    """The lm-eval document of one sample: our task and index, the whole sample as JSON (the
    ``parallelbench`` model rebuilds the exact request from it), and plain text fields for
    other models (the conversation joined by blank lines, and the reference answer)."""
    try:
        target = sample.reference
    except KeyError:
        target = json.dumps(sample.label, ensure_ascii=False)
    return {
        "pb_task": task_name, "pb_index": int(sample.index),
        "pb_sample": json.dumps({"index": sample.index, "messages": sample.messages,
                                 "label": sample.label, "metadata": sample.metadata,
                                 "infill": sample.infill}, ensure_ascii=False, default=str),
        "text": "\n\n".join(m["content"] for m in sample.messages),
        "target": target,
    }


class ParallelBenchTask(ConfigurableTask):
    """See the module docstring."""

    VERSION = 1
    OUTPUT_TYPE = "generate_until"

    def __init__(self, config: dict[str, Any] | None = None, **kwargs: Any):
        config = {k: v for k, v in dict(config or {}).items() if k != "class"}
        meta = dict(config.get("metadata") or {})
        name = meta.get("parallelbench_task")
        if not name:
            raise ConfigError("a ParallelBench lm-eval task needs metadata.parallelbench_task")
        data_dir = (meta.get("data_dir") or meta.get("parallelbench_data_dir")
                    or os.environ.get("PARALLELBENCH_DATA_DIR") or None)
        seed = meta.get("task_seed")
        self.pb_task = load_task(name, data_dir=data_dir, seed=None if data_dir else seed)
        self.pb_data_dir = data_dir
        gen = dict(config.get("generation_kwargs") or {})
        gen.setdefault("until", [])  # as `run`: the whole generated region is the answer
        gen.setdefault("max_gen_toks", self.pb_task.max_tokens)
        gen.setdefault("do_sample", False)
        config.update(generation_kwargs=gen, output_type="generate_until",
                      test_split=config.get("test_split") or "test")
        config["metadata"] = {**meta, "parallelbench_source": self.pb_task.source}
        super().__init__(config=config, **kwargs)

    def download(self, dataset_kwargs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        from datasets import Dataset, DatasetDict

        docs = [sample_doc(self.pb_task.name, s) for s in self.pb_task]
        self.dataset = DatasetDict({"test": Dataset.from_list(docs)})

    def has_training_docs(self) -> bool:
        return False

    def has_validation_docs(self) -> bool:
        return False

    def doc_to_text(self, doc: dict, doc_to_text: Any = None) -> str:
        return doc["text"]

    def doc_to_target(self, doc: dict, doc_to_target: Any = None) -> str:
        return doc["target"]

    def process_results(self, doc: dict, results: list) -> dict[str, float]:
        """Our task's score dict (numeric entries), plus NFE and tokens per step when the
        ``parallelbench`` model produced the answer."""
        sample = self.pb_task[int(doc["pb_index"])]
        answer = results[0]
        scores = self.pb_task.score(str(answer), sample)
        out = {k: float(v) for k, v in scores.items()
               if isinstance(v, (int, float)) and not isinstance(v, bool)}
        stats = getattr(answer, "pb", None) or {}
        for key in STAT_KEYS:
            if stats.get(key) is not None:
                out[key] = float(stats[key])
        return out

    def aggregation(self) -> dict:
        return _ByMetric(plain_mean, percent_mean)

    def higher_is_better(self) -> dict:
        hib = _ByMetric(None, True)
        hib.update(nfe=False, tokens_per_step=True, output_tokens=None)
        return hib
