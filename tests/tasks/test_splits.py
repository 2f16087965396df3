"""Training splits: other seeds, no test prompt, reference train configs, CLI errors."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from parallelbench.cli import main
from parallelbench.errors import ConfigError
from parallelbench.tasks import load_task
from parallelbench.tasks.splits import (generator_tasks, train_task, write_train_from_config,
                                        write_train_tasks)

REPO = Path(__file__).resolve().parents[2]


def _prompts(task) -> set[str]:
    return {s.prompt for s in task}


def test_builtin_training_split_is_seeded_apart_and_disjoint():
    task, removed = train_task("list_ops/copy_n6", 400)
    again, _ = train_task("list_ops/copy_n6", 400)
    assert [s.messages for s in task] == [s.messages for s in again]
    assert task.config["split"] == "train" and task.source == "builtin-train"
    assert not _prompts(task) & _prompts(load_task("list_ops/copy_n6"))
    assert len(task) + removed == 400
    # A tiny prompt space (domino: 810 prompts in all) must lose the test prompts.
    domino, removed = train_task("list_gen/domino", 3000)
    assert removed > 0 and len(domino) == 3000 - removed
    assert not _prompts(domino) & _prompts(load_task("list_gen/domino"))
    with pytest.raises(ConfigError, match="seed other than 42"):
        train_task("list_ops/copy", 10, seed=42)


def test_fixed_data_tasks_have_no_training_split():
    with pytest.raises(ConfigError, match="fixed data"):
        generator_tasks(["words_to_sentence/easy"])
    with pytest.raises(ConfigError, match="no generator task"):
        generator_tasks(["words_to_sentence/*"])
    names = generator_tasks(["puzzle/*", "list_ops/copy", "puzzle/sudoku_n4_12"])
    assert names == ["puzzle/latin_square_n4", "puzzle/sudoku_n4_12", "list_ops/copy"]
    assert "paraphrase_summarize/samsum" not in generator_tasks(["*"])


def test_write_train_tasks_layout_and_no_overwrite(tmp_path):
    [(path, removed)] = write_train_tasks(["waiting_line/reverse"], tmp_path, 40, seed=5)
    assert path == tmp_path / "train" / "waiting_line" / "reverse.jsonl"
    config = yaml.safe_load((path.parent / "task_config.yaml").read_text())
    entry = config["waiting_line/reverse"]
    assert entry["split"] == "train" and entry["base_seed"] == 5 and entry["num_samples"] == 40
    loaded = load_task("waiting_line/reverse", data_dir=tmp_path / "train")
    assert len(loaded) == 40 and not _prompts(loaded) & _prompts(load_task("waiting_line/reverse"))
    assert all(loaded.score(s.reference, s)["score"] == 1 for s in loaded)
    with pytest.raises(ConfigError, match="already exists"):
        write_train_tasks(["waiting_line/reverse"], tmp_path, 40, seed=5)


def _small_config(tmp_path, **changes) -> Path:
    config = yaml.safe_load((REPO / "configs/train/letters.yaml").read_text())
    config.update(samples_per_length=20)
    for task in config["tasks"]:
        if "samples_per_length" in task:
            task["samples_per_length"] = 40
    config.update(changes)
    path = tmp_path / "letters.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_reference_style_train_config(tmp_path):
    written = write_train_from_config(_small_config(tmp_path), tmp_path / "out")
    assert len(written) == 12
    train = tmp_path / "out" / "train"
    for name in ("abc/copy", "abc/replace_random_list", "abc/repeat_each"):
        task = load_task(name, data_dir=train)
        assert task.config["split"] == "train" and task.config["seed"] != 42
        assert all(task.score(s.reference, s)["score"] == 1 for s in task)
        builtin = load_task("list_ops/" + name.split("/")[1].removesuffix("_list"))
        assert not _prompts(task) & _prompts(builtin)
    repeat = load_task("abc/repeat_each", data_dir=train)
    assert repeat.config["removed_test_prompts"] > 0  # short lists recur in list_ops/repeat_each
    assert len(repeat) + repeat.config["removed_test_prompts"] == 200


def test_config_split_excludes_its_own_test_split_and_given_files(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text(yaml.safe_dump({
        "group": "tiny", "items": "letters", "lengths": [2], "samples_per_length": 150,
        "shots": 0, "tasks": [{"name": "copy", "op": "copy"}]}))
    test_files = tmp_path / "test"
    main(["generate", str(config), "--out", str(test_files)])
    [(path, removed)] = write_train_from_config(config, tmp_path / "out", test_files)
    assert removed > 0  # 650 possible prompts: the two splits must meet
    train = load_task("tiny/copy", data_dir=tmp_path / "out" / "train")
    assert not _prompts(train) & _prompts(load_task("tiny/copy", data_dir=test_files))
    same = tmp_path / "same.yaml"
    same.write_text(config.read_text() + "train_seed: 42\n")
    with pytest.raises(ConfigError, match="train_seed equals seed"):
        write_train_from_config(same, tmp_path / "other")


def test_cli_train_split(tmp_path, capsys):
    assert main(["generate", "--split", "train", "--tasks", "rec/*,math_op/l2_plus",
                 "--num-samples", "30", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "train/rec/cumsum.jsonl" in out and "train/math_op/l2_plus.jsonl" in out
    assert main(["generate", "--tasks", "rec/*", "--out", str(tmp_path)]) == 2
    assert "--split train" in capsys.readouterr().err
    assert main(["generate", "--split", "train", "--out", str(tmp_path)]) == 2
    assert main(["generate", "--split", "train", "--tasks", "nothing/*", "--out",
                 str(tmp_path)]) == 2
    assert "no generator task" in capsys.readouterr().err
