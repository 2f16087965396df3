"""load_task / list_tasks: names, options and clear errors for bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from parallelbench.errors import ConfigError, DataError, ParallelBenchError
from parallelbench.tasks import Task, TaskInfo, list_tasks, load_task
from parallelbench.tasks import text as text_mod

SEVENTEEN = [f"waiting_line/{op}" for op in (
    "copy", "sort", "reverse", "shuffle", "insert_index", "insert_random", "remove_index",
    "remove_random", "replace_index", "replace_random")] + [
    "paraphrase_summarize/chatgpt-paraphrases", "paraphrase_summarize/samsum",
    "words_to_sentence/easy", "words_to_sentence/medium", "words_to_sentence/hard",
    "puzzle/latin_square_n4", "puzzle/sudoku_n4_12"]


def test_all_seventeen_tasks_are_registered_with_reference_facts():
    infos = {i.name: i for i in list_tasks()}
    assert set(SEVENTEEN) <= set(infos)
    assert all(isinstance(i, TaskInfo) for i in infos.values())
    assert infos["waiting_line/shuffle"].metric == "list_shuffle_score"
    assert infos["waiting_line/copy"].lengths == [3, 4, 5, 6]
    assert infos["puzzle/sudoku_n4_12"].category == "puzzle"
    assert infos["words_to_sentence/hard_n7"].metric == "sentence_to_words_score"
    assert {f"waiting_line_n15/{n.split('/')[1]}" for n in SEVENTEEN[:10]} <= set(infos)
    assert {"list_ops/copy", "list_ops/replace_index", "list_ops/replace_random",
            "list_ops/shuffle"} <= set(infos)
    task = load_task("waiting_line/insert_random")
    assert isinstance(task, Task) and task.op == "insert_random" and task.category == \
        "waiting_line" and len(list(iter(task))) == 100


def test_num_samples_takes_the_first_samples():
    full = load_task("waiting_line/copy")
    few = load_task("waiting_line/copy", num_samples=7)
    assert [s.messages for s in few] == [s.messages for s in full][:7]
    more = load_task("puzzle/sudoku_n4_12", num_samples=150)
    assert len(more) == 150
    with pytest.raises(ConfigError):
        load_task("words_to_sentence/easy", num_samples=101)
    with pytest.raises(ConfigError):
        load_task("waiting_line/copy", num_samples=0)


def test_bad_names_and_options():
    with pytest.raises(ParallelBenchError, match="unknown task"):
        load_task("waiting_line/nope")
    with pytest.raises(ParallelBenchError, match="unknown task"):
        load_task("nothing")
    with pytest.raises(ConfigError, match="fixes n=15"):
        load_task("waiting_line_n15/copy", n=4)
    with pytest.raises(ConfigError, match="n must be"):
        load_task("waiting_line/copy", n=0)
    with pytest.raises(ConfigError, match="at most"):
        load_task("waiting_line/copy", n=500)
    with pytest.raises(ConfigError, match="no list length"):
        load_task("puzzle/sudoku_n4_12", n=3)
    with pytest.raises(ConfigError, match="source="):
        load_task("waiting_line/copy", source="hf")
    task = load_task("waiting_line/copy")
    with pytest.raises(ParallelBenchError, match="out of range"):
        task[100]
    with pytest.raises(IndexError):
        task[-101]
    assert task[-1] is task.samples[99]


def test_official_layout_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_task("waiting_line/copy", data_dir=tmp_path / "missing")
    group = tmp_path / "grp"
    group.mkdir()
    with pytest.raises(DataError, match="not found"):
        load_task("grp/copy", data_dir=tmp_path)
    good = {"input": {"context": '["A", "B"]'}, "answer": '["A", "B"]', "metadata": {"length": 2}}
    (group / "copy.jsonl").write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(DataError, match="task_config.yaml"):
        load_task("grp/copy", data_dir=tmp_path)
    (group / "task_config.yaml").write_text("grp/copy:\n  prompt: 'Copy {context}'\n  op: copy\n")
    with pytest.raises(DataError, match=r"copy\.jsonl:2: malformed JSON"):
        load_task("grp/copy", data_dir=tmp_path)
    (group / "copy.jsonl").write_text(json.dumps(good) + "\n" + json.dumps({"answer": 1}) + "\n")
    with pytest.raises(DataError, match=r"copy\.jsonl:2: a record needs"):
        load_task("grp/copy", data_dir=tmp_path)
    (group / "copy.jsonl").write_text(json.dumps({"input": {"ctx": 1}, "answer": "x"}) + "\n")
    with pytest.raises(DataError, match=r"copy\.jsonl: record 1"):
        load_task("grp/copy", data_dir=tmp_path)
    (group / "task_config.yaml").write_text("grp/copy: [unclosed\n")
    with pytest.raises(DataError, match="malformed YAML"):
        load_task("grp/copy", data_dir=tmp_path)
    with pytest.raises(DataError, match="group/task"):
        load_task("copy", data_dir=tmp_path)


def test_hf_loader_fails_clearly_offline(monkeypatch):
    datasets = pytest.importorskip("datasets")

    def offline(*args, **kwargs):
        raise ConnectionError("Couldn't reach 'knkarthick/samsum' on the Hub (LocalEntryNotFound)")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(DataError, match="network access") as info:
        load_task("paraphrase_summarize/samsum", source="hf")
    assert "\n" not in str(info.value) and "smoke set" in str(info.value)
    with pytest.raises(ConfigError, match="unknown source"):
        load_task("paraphrase_summarize/samsum", source="web")


def test_hf_loader_procedure_on_an_in_memory_dataset(monkeypatch):
    datasets = pytest.importorskip("datasets")
    rows = {"dialogue": [f"A: line {i}\r\nB: ok {i}" for i in range(30)],
            "summary": [f"Summary {i}." for i in range(30)]}
    monkeypatch.setattr(datasets, "load_dataset",
                        lambda repo, split: datasets.Dataset.from_dict(rows))
    keep = lambda text: int(text.split()[2]) % 2 == 0  # noqa: E731 - a stand-in grammar filter
    records = text_mod.hf_records("samsum", num_samples=5, keep=keep)
    again = text_mod.hf_records("samsum", num_samples=5, keep=keep)
    assert records == again and len(records) == 5
    assert all("\r" not in r["input"]["text"] and keep(r["input"]["text"]) for r in records)
    order = [int(r["input"]["text"].split()[2]) for r in records]
    assert order != sorted(order)  # shuffled with the seeded rng, then filtered in order
    assert records[0]["answer"]["summary"] == f"Summary {order[0]}."


def test_hf_loader_real_offline_path(tmp_path):
    """The real ``datasets`` call with the Hub unreachable (offline mode, empty cache)."""
    pytest.importorskip("datasets")
    env = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    code = ("from parallelbench.cli import main; import sys; "
            "sys.exit(main(['show', 'paraphrase_summarize/samsum', '--source', 'hf']))")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "network access" in lines[0] and "knkarthick/samsum" in lines[0]


def test_declared_facts_match_the_generated_data():
    """``list_tasks`` reads declared facts instead of generating; they must agree."""
    from parallelbench.tasks.registry import registered_tasks

    declared = [d for d in registered_tasks() if d.facts]
    assert len(declared) >= 24
    for d in declared:
        info = load_task(d.name).info()
        assert (info.num_samples, info.lengths) == d.facts(), d.name
