"""Our tasks as lm-eval tasks: names, the generated YAML folder, lm-eval loading them, and the
data sources (built-in, official-layout files by variable / metadata / --data-dir, generated
custom tasks)."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("lm_eval")
import yaml

from parallelbench.cli import main
from parallelbench.lmeval import lm_task_name, our_strategy, our_task_name, write_task_folder
from parallelbench.lmeval.names import reference_strategy
from parallelbench.lmeval.yamls import benchmark_tasks, builtin_tasks
from parallelbench.tasks import load_task
from parallelbench.tasks.generate import generate_from_config


def test_names_both_ways():
    assert lm_task_name("waiting_line/copy") == "parallelbench_waiting_line_copy"
    assert lm_task_name("paraphrase_summarize/samsum") == "parallelbench_text_writing_summarization"
    assert lm_task_name("words_to_sentence/hard_n5") == "parallelbench_text_writing_w2s_hard_n5"
    assert lm_task_name("puzzle/sudoku_n4_12") == "parallelbench_puzzles_sudoku_n4_12"
    assert lm_task_name("custom/my-copy") == "parallelbench_custom_my_copy"
    names = builtin_tasks()
    assert len(names) == len(set(names)) and {f"list_ops/{op}" for op in ("sort", "insert_index")} <= set(names)
    assert len({lm_task_name(n) for n in names}) == len(names)
    for name in names:
        assert our_task_name(lm_task_name(name)) == name
    # Names the reference has written into result files.
    assert our_task_name("parallelbench_puzzles_sudoku_n4") == "puzzle/sudoku_n4_12"
    assert our_task_name("parallelbench_text_writing_words_to_sentence_easy") == "words_to_sentence/easy"
    assert our_task_name("parallelbench_list_ops_copy_n8") == "list_ops/copy_n8"
    assert our_task_name("gsm8k") is None
    for theirs, ours in (("left_to_right", "l2r"), ("confidence_threshold", "confidence-threshold"),
                         ("wino_dllm", "wino"), ("topk_margin", "topk-margin"), ("klass", "klass")):
        assert our_strategy(theirs) == ours and reference_strategy(ours) == theirs


def test_folder_and_groups(capsys):
    folder = write_task_folder()
    assert main(["lm-eval-path"]) == 0
    assert capsys.readouterr().out.strip() == str(folder)
    files = {p.name for p in folder.glob("*.yaml")}
    assert {f"{lm_task_name(n)}.yaml" for n in builtin_tasks()} <= files
    group = yaml.safe_load((folder / "_parallelbench.yaml").read_text())
    assert group["group"] == "parallelbench" and len(group["task"]) == 17
    assert group["task"] == [lm_task_name(t) for t in benchmark_tasks()]
    assert [m["weight_by_size"] for m in group["aggregate_metric_list"]] == [False] * 4
    stamp = (folder / ".parallelbench-tasks").stat().st_mtime_ns
    assert write_task_folder() == folder and (folder / ".parallelbench-tasks").stat().st_mtime_ns == stamp


def _manager(*paths, metadata=None):
    from lm_eval.tasks import TaskManager

    return TaskManager(include_path=[str(p) for p in paths], include_defaults=False, metadata=metadata or {})


def test_lm_eval_loads_our_tasks_exactly():
    manager = _manager(write_task_folder())
    assert {"parallelbench", "parallelbench_waiting_line", "parallelbench_puzzles"} <= set(manager.all_groups)
    assert {lm_task_name(n) for n in builtin_tasks()} <= set(manager.all_subtasks)
    loaded = manager.load(["parallelbench_waiting_line_n15_copy", "parallelbench_list_ops_sort"])["tasks"]
    for name, ours in (("parallelbench_waiting_line_n15_copy", "waiting_line_n15/copy"),
                       ("parallelbench_list_ops_sort", "list_ops/sort")):
        task, reference = loaded[name], load_task(ours)
        docs = list(task.test_docs())
        assert len(docs) == len(reference)
        assert task.config.generation_kwargs == {"until": [], "max_gen_toks": reference.max_tokens,
                                                 "do_sample": False}
        assert docs[3]["pb_task"] == ours and docs[3]["pb_index"] == 3
        assert task.doc_to_target(docs[3]) == reference[3].reference
        assert task.doc_to_text(docs[3]) == "\n\n".join(m["content"] for m in reference[3].messages)
        got = task.process_results(docs[3], [reference[3].reference])
        assert got == {"score": 1.0, "score_strict": 1.0}  # no NFE without our model
        assert task.aggregation()["score"]([1.0, 0.0, 0.0, 1.0]) == 50.0


def _official_like(tmp_path: Path) -> Path:
    """A folder in the official layout, made by `generate`: waiting_line/copy with 5 samples."""
    config = tmp_path / "gen.yaml"
    config.write_text("group: waiting_line\nitems: names\nlengths: [3, 4]\nsamples_per_length: 2\n"
                      "shots: 1\ntasks:\n  - {name: copy, op: copy}\n  - {name: reverse, op: reverse}\n")
    out = tmp_path / "official"
    generate_from_config(config, out)
    return out


def test_official_data_by_variable_metadata_and_folder(tmp_path, monkeypatch):
    data = _official_like(tmp_path)
    expected = load_task("waiting_line/copy", data_dir=data)
    assert len(expected) == 4 and len(load_task("waiting_line/copy")) == 100
    for how in ("env", "metadata"):
        if how == "env":
            monkeypatch.setenv("PARALLELBENCH_DATA_DIR", str(data))
            manager = _manager(write_task_folder())
        else:
            monkeypatch.delenv("PARALLELBENCH_DATA_DIR")
            manager = _manager(write_task_folder(), metadata={"data_dir": str(data)})
        task = manager.load(["parallelbench_waiting_line_copy"])["tasks"]["parallelbench_waiting_line_copy"]
        docs = list(task.test_docs())
        assert [d["target"] for d in docs] == [s.reference for s in expected], how
    # --data-dir: a folder with exactly the tasks found there.
    folder = write_task_folder(data, tmp_path / "yamls")
    assert sorted(p.name for p in folder.glob("*.yaml")) == [
        "parallelbench_waiting_line_copy.yaml", "parallelbench_waiting_line_reverse.yaml"]
    task = _manager(folder).load(["parallelbench_waiting_line_reverse"])["tasks"]
    assert len(list(task["parallelbench_waiting_line_reverse"].test_docs())) == 4


def test_generated_custom_tasks(tmp_path, capsys):
    config = Path(__file__).resolve().parents[2] / "configs" / "tasks" / "copy_reverse_letters.yaml"
    out = tmp_path / "custom"
    generate_from_config(config, out)
    assert main(["lm-eval-path", "--data-dir", str(out), "--out", str(tmp_path / "y")]) == 0
    folder = Path(capsys.readouterr().out.strip())
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    assert names and all(n.startswith("parallelbench_") for n in names)
    name = names[0]
    task = _manager(folder).load([name])["tasks"][name]
    doc = next(iter(task.test_docs()))
    ours = load_task(doc["pb_task"], data_dir=out)
    assert lm_task_name(ours.name) == name and doc["target"] == ours[0].reference


def test_bad_data_dir_is_one_line(tmp_path, capsys):
    assert main(["lm-eval-path", "--data-dir", str(tmp_path / "none")]) == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["parallelbench_text_writing_w2s_easy_n3", "parallelbench_puzzles_latin_square_n4"])
def test_scores_come_from_our_metric(name):
    task = _manager(write_task_folder()).load([name])["tasks"][name]
    doc = next(iter(task.test_docs()))
    ours = load_task(our_task_name(name))
    expected = {k: v for k, v in ours.score("Red cats sleep.", ours[0]).items() if isinstance(v, float)}
    assert task.process_results(doc, ["Red cats sleep."]) == expected
