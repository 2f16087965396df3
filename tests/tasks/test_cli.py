"""The tasks / show / score / generate commands, including bad input (exit 2, one line)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from parallelbench.cli import main
from parallelbench.tasks import load_task

REPO = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(capsys, *argv, match=""):
    code, out, err = run(capsys, *argv)
    assert code == 2, (argv, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("parallelbench: error:"), err
    assert "Traceback" not in err and match in lines[0], lines[0]


def test_tasks_lists_every_task(capsys):
    code, out, _ = run(capsys, "tasks", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) >= 17 + 10 + 4
    copy = next(r for r in rows if r["name"] == "waiting_line/copy")
    assert copy == {"name": "waiting_line/copy", "category": "waiting_line", "op": "copy",
                    "metric": "list_match_score", "num_samples": 100, "lengths": [3, 4, 5, 6],
                    "source": "builtin"}
    code, out, _ = run(capsys, "tasks")
    assert code == 0 and "puzzle/sudoku_n4_12" in out and "3,4,5,6" in out


def test_show_prints_messages_and_answer(capsys):
    code, out, _ = run(capsys, "show", "waiting_line/insert_index", "--index", "2")
    sample = load_task("waiting_line/insert_index")[2]
    assert code == 0 and sample.messages[-1]["content"] in out and sample.reference in out
    code, out, _ = run(capsys, "show", "list_ops/copy", "--n", "7")
    assert code == 0 and "Repeat [" in out
    code, out, _ = run(capsys, "show", "paraphrase_summarize/samsum")
    assert "NOT comparable" in out


def test_show_names_the_sort_discrepancy_for_official_files(capsys, official_dir):
    code, out, _ = run(capsys, "show", "waiting_line/sort", "--data-dir", str(official_dir))
    assert code == 0 and "first name" in out
    code, out, _ = run(capsys, "show", "waiting_line/sort")
    assert "first name" not in out


def test_score_writes_per_sample_lines_and_prints_aggregate(capsys, tmp_path, get_metric):
    task = load_task("waiting_line/shuffle")
    preds = tmp_path / "p.jsonl"
    rows = [{"index": 0, "prediction": task[0].reference},
            {"index": 5, "prediction": task[5].record["input"]["context"]},  # unchanged: 0
            {"index": 7, "prediction": "no list here"}]
    preds.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    out_file = tmp_path / "s.jsonl"
    code, out, _ = run(capsys, "score", "--task", "waiting_line/shuffle", "--predictions",
                       str(preds), "--output", str(out_file))
    assert code == 0
    result = json.loads(out)
    assert result["num_scored"] == 3 and result["score"] == pytest.approx(100 / 3)
    lines = [json.loads(x) for x in out_file.read_text().splitlines()]
    assert [x["index"] for x in lines] == [0, 5, 7]
    assert [x["score"] for x in lines] == [1, 0, 0] and "score_strict" in lines[0]


@pytest.mark.parametrize("content,match", [
    ('{"index": 0, "prediction": "x"}\n{oops', "p.jsonl:2: malformed JSON"),
    ('{"index": 100, "prediction": "x"}\n', "out of range"),
    ('{"index": -1, "prediction": "x"}\n', "out of range"),
    ('{"idx": 0}\n', "expected"),
    ('{"index": 0, "prediction": 3}\n', "must be a string"),
    ('{"index": 0, "prediction": "a"}\n{"index": 0, "prediction": "b"}\n', "duplicate"),
    ("", "no predictions"),
])
def test_score_bad_prediction_files(capsys, tmp_path, content, match):
    preds = tmp_path / "p.jsonl"
    preds.write_text(content)
    assert_user_error(capsys, "score", "--task", "waiting_line/copy", "--predictions",
                      str(preds), match=match)


def test_bad_input_is_one_line_exit_2(capsys, tmp_path):
    assert_user_error(capsys, "show", "waiting_line/nope", match="unknown task")
    assert_user_error(capsys, "show", "waiting_line/copy", "--index", "100", match="out of range")
    assert_user_error(capsys, "show", "waiting_line/copy", "--data-dir", str(tmp_path / "x"),
                      match="not found")
    assert_user_error(capsys, "score", "--task", "nope/nope", "--predictions",
                      str(tmp_path / "p.jsonl"), match="unknown task")
    assert_user_error(capsys, "score", "--task", "waiting_line/copy", "--predictions",
                      str(tmp_path / "missing.jsonl"), match="not found")
    assert_user_error(capsys, "tasks", "--data-dir", str(tmp_path), match="no <group>/<task>")
    assert_user_error(capsys, "generate", str(tmp_path / "none.yaml"), "--out",
                      str(tmp_path), match="not found")


def test_generate_then_evaluate_with_data_dir(capsys, tmp_path, get_metric):
    out = tmp_path / "gen"
    for cfg in sorted((REPO / "configs" / "tasks").glob("*.yaml")):
        code, printed, err = run(capsys, "generate", str(cfg), "--out", str(out))
        assert code == 0, err
    code, printed, _ = run(capsys, "tasks", "--json", "--data-dir", str(out))
    infos = {r["name"]: r for r in map(json.loads, printed.splitlines())}
    assert infos["letters/copy"]["lengths"] == list(range(3, 21))
    assert infos["letters/reverse"]["num_samples"] == 180
    assert infos["waiting_line_long/copy"]["category"] == "waiting_line"
    assert infos["words/shuffle"]["lengths"] == [4, 8, 12]
    for name in infos:
        task = load_task(name, data_dir=out)
        assert task.evaluate([s.reference for s in task])["score"] == 100.0, name
    again = tmp_path / "again"
    run(capsys, "generate", str(REPO / "configs/tasks/copy_reverse_letters.yaml"), "--out",
        str(again))
    assert (again / "letters/copy.jsonl").read_text() == (out / "letters/copy.jsonl").read_text()
    rev = load_task("letters/reverse", data_dir=out, n=5)
    assert rev.lengths == [5] and len(rev) == 10 and len(rev[0].messages) == 3


@pytest.mark.parametrize("config,match", [
    ("tasks: []", "non-empty 'tasks'"),
    ("tasks: [{op: fly}]", "op must be one of"),
    ("tasks: [{op: copy, min_length: 5, max_length: 3}]", "min_length"),
    ("tasks: [{op: copy, min_length: 3, max_length: 30}]", "too long"),
    ("tasks: [{op: copy, items: nowhere.txt, lengths: [2]}]", "nowhere.txt' not found"),
    ("tasks: [{op: copy, lengths: [3], prompt: 'no placeholder'}]", "{context}"),
    ("tasks: [{op: copy, lengths: [3], colour: red}]", "unknown key"),
    ("tasks: [{op: copy\n", "malformed YAML"),
])
def test_generate_bad_configs(capsys, tmp_path, config, match):
    path = tmp_path / "bad.yaml"
    path.write_text(config)
    assert_user_error(capsys, "generate", str(path), "--out", str(tmp_path / "o"), match=match)


def test_generate_rejects_bad_word_files(capsys, tmp_path):
    (tmp_path / "w.txt").write_text("alpha\nbeta, gamma\n")
    (tmp_path / "c.yaml").write_text("items: w.txt\ntasks: [{op: copy, lengths: [2]}]\n")
    assert_user_error(capsys, "generate", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o"),
                      match="w.txt:2")


def test_generate_sorts_names_in_the_reference_order_unless_asked(capsys, tmp_path):
    (tmp_path / "c.yaml").write_text(
        "group: g\nitems: names\nlengths: [5]\nsamples_per_length: 4\n"
        "tasks: [{name: plain, op: sort}, {name: last, op: sort, sort: last_name}]\n")
    code, _, err = run(capsys, "generate", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "o"))
    assert code == 0, err
    for name, key in (("plain", None), ("last", lambda x: (x.split()[1], x))):
        for s in load_task(f"g/{name}", data_dir=tmp_path / "o"):
            items = s.metadata["items"]
            assert json.loads(s.reference) == sorted(items, key=key)


def test_score_accepts_line_separators_inside_json_strings(capsys, tmp_path):
    """Issue 13 item 12: U+2028/U+2029 (and other characters str.splitlines breaks on) are legal
    inside JSON strings; the predictions file is split on newlines only."""
    path = tmp_path / "p.jsonl"
    lines = [{"index": 0, "prediction": "a\u2028b"}, {"index": 1, "prediction": "c\u2029d\x1ce\x85"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), encoding="utf-8")
    assert "\u2028" in path.read_text(encoding="utf-8")
    code, out, err = run(capsys, "score", "--task", "waiting_line/copy", "--predictions", str(path),
                         "--output", str(tmp_path / "s.jsonl"))
    assert code == 0, err
    assert json.loads(out)["num_scored"] == 2
    assert len((tmp_path / "s.jsonl").read_text(encoding="utf-8").split("\n")) == 3


def test_generate_refuses_to_overwrite_unless_forced(capsys, tmp_path):
    """Issue 13 item 2: existing task files are never replaced silently."""
    config = tmp_path / "g.yaml"
    config.write_text("group: grp\ntasks: [{op: copy, lengths: [3], samples_per_length: 2}]\n")
    out = tmp_path / "data"
    (out / "grp").mkdir(parents=True)
    official = out / "grp" / "copy.jsonl"
    official.write_text('{"input": {"context": "[]"}, "answer": "[]"}\n' * 100)
    (out / "grp" / "task_config.yaml").write_text("grp/copy: {prompt: 'official {context}'}\n")
    keep = official.read_bytes()
    code, _, err = run(capsys, "generate", str(config), "--out", str(out))
    assert code == 2 and "already exists" in err and "--force" in err
    assert official.read_bytes() == keep
    code, out_text, _ = run(capsys, "generate", str(config), "--out", str(out), "--force")
    assert code == 0 and len(official.read_text().splitlines()) == 2
