"""``parallelbench theory``: report contents, JSON, sweeps, plot, table and one-line errors."""
from __future__ import annotations

import json
import math

import pytest

from parallelbench.cli import main
from parallelbench.theory import table as table_mod


def run(capsys, *args):
    code = main(["theory", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_text_report_for_shuffle(capsys):
    code, out, _ = run(capsys, "--task", "list_ops/shuffle", "--n", "6", "--strategy", "random", "--k", "2")
    assert code == 0
    c = 6 * math.log2(6) - math.log2(720)
    assert f"C(Y|X) = {c:.6g} bits (closed form {c:.6g})" in out
    bound = 2 * math.log2(6) + 2 * math.log2(4) + 2 * math.log2(2) - math.log2(720)
    assert f"= {bound:.6g} bits (closed form {bound:.6g})" in out and "3 steps" in out
    assert "ideal accuracy = 0.312500 (exact enumeration)" in out
    assert "closed-form accuracy = 0.3125" in out
    assert "paper convention" in out


def test_json_sweep_and_threshold(capsys):
    code, out, _ = run(capsys, "--task", "waiting_line/replace_random", "--n", "3..5",
                       "--threshold", "0.7", "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.strip().splitlines()]
    assert [r["n"] for r in rows] == [3, 4, 5]
    for r in rows:
        n = r["n"]
        assert r["decoding"]["strategy"] == "confidence-threshold" and r["convention"] == "metric"
        assert r["C"] == pytest.approx((n - 1) * (math.log2(n) - math.log2(n - 1)))
        expected = 1.0 if (n - 1) / n < 0.7 else 0.0
        assert r["accuracy"]["method"] == "exact" and r["accuracy"]["accuracy"] == pytest.approx(expected)
        assert r["accuracy_closed_form"] == pytest.approx(expected)
        assert r["num_answers"] == n


def test_bound_and_optimum_in_json(capsys):
    code, out, _ = run(capsys, "--task", "list_ops/replace_random", "--n", "4", "--strategy", "l2r",
                       "--k", "2", "--json")
    r = json.loads(out)
    assert code == 0 and r["steps"] == 2
    assert 0 <= r["optimal_bound"] <= r["bound"] + 1e-12 <= r["C"] + 1e-12
    assert sorted(i for s in r["optimal_partition"] for i in s) == [0, 1, 2, 3]
    assert r["accuracy"]["accuracy"] == pytest.approx(0.5)


def test_monte_carlo_report_names_its_interval(capsys):
    code, out, _ = run(capsys, "--task", "list_ops/shuffle", "--n", "12", "--k", "3",
                       "--temperature", "1", "--method", "monte-carlo", "--runs", "300", "--seed", "4")
    assert code == 0
    assert "Monte Carlo, 300 runs, 95% CI [" in out
    again = run(capsys, "--task", "list_ops/shuffle", "--n", "12", "--k", "3", "--temperature", "1",
                "--method", "monte-carlo", "--runs", "300", "--seed", "4")[1]
    assert again == out  # same seed, same numbers


@pytest.mark.parametrize("args,needle", [
    (["--task", "words_to_sentence/easy"], "not enumerable"),
    (["--task", "list_ops/shuffle", "--n", "abc"], "--n"),
    (["--task", "list_ops/shuffle", "--n", "5..3"], "--n"),
    (["--task", "list_ops/shuffle", "--k", "x"], "--k"),
    (["--task", "list_ops/shuffle", "--k", "0"], "k must be"),
    (["--task", "list_ops/shuffle", "--n", "40"], "n must be"),
    (["--task", "list_ops/shuffle", "--runs", "0"], "--runs"),
    (["--task", "list_ops/shuffle", "--threshold", "1.5"], "threshold"),
    (["--task", "list_ops/shuffle", "--temperature", "-1"], "temperature"),
    (["--task", "list_ops/shuffle", "--strategy", "wino", "--k", "2"], "supports"),
    (["--task", "waiting_line/insert_random", "--n", "6", "--k", "3", "--temperature", "1", "--method", "exact",
      "--max-work", "50"], "exact enumeration"),
    (["--task", "list_ops/shuffle", "--max-work", "0"], "--max-work"),
    ([], "--task is required"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, needle):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("parallelbench: error:") and needle in err


def test_plot_writes_png(capsys, tmp_path):
    path = tmp_path / "fig2.png"
    code, out, _ = run(capsys, "--task", "list_ops/replace_random", "--n", "3..5", "--strategy", "random",
                       "--plot", str(path))
    assert code == 0 and str(path) in out
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_plot_sweep_values():
    from parallelbench.theory import sweep

    data = sweep("list_ops/shuffle", [4, 6], strategy="random")
    assert data["k"]["k=1"] == [(4, pytest.approx(1.0), pytest.approx(1.0), pytest.approx(1.0)),
                                (6, pytest.approx(1.0), pytest.approx(1.0), pytest.approx(1.0))]
    assert data["k"]["k=n"][1][1] == pytest.approx(math.factorial(6) / 6 ** 6)
    assert data["threshold_n"] == 6
    by_gamma = dict((g, a) for g, a, _lo, _hi in data["threshold"])
    assert by_gamma[0.5] == pytest.approx(0.5) and by_gamma[0.6] == pytest.approx(1.0)


def test_table_rows_and_rewrite(tmp_path, capsys):
    rows = table_mod.table_rows(ns=(3,), tasks=["list_ops/shuffle", "waiting_line/replace_random"], runs=100)
    assert rows[0][:4] == ["list_ops/shuffle", "3", "paper", f"{3 * math.log2(3) - math.log2(6):.3f}"]
    # rand k=1, 2, all then conf then l2r; then thresholds 0.5 .. 1.0
    assert rows[0][4:7] == ["100.0", "66.7", "22.2"]
    assert rows[1][4:7] == ["100.0", "100.0", "0.0"] and rows[1][-6:] == ["0.0", "0.0", "100.0", "100.0", "100.0", "100.0"]
    doc = tmp_path / "doc.md"
    doc.write_text(f"intro\n{table_mod.START}\nold\n{table_mod.END}\noutro\n", encoding="utf-8")
    table_mod.write_table(str(doc), ns=(3,), tasks=["list_ops/copy"], runs=100)
    text = doc.read_text(encoding="utf-8")
    assert "old" not in text and text.startswith("intro\n") and text.endswith("outro\n")
    assert "| list_ops/copy | 3 | paper | 0.000 |" in text
    capsys.readouterr()
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n", encoding="utf-8")
    code, _out, err = run(capsys, "--table", str(bare))
    assert code == 2 and "ideal-table:start" in err


def test_the_doc_table_is_current():
    """docs/ideal-dllm.md's exact cells equal a fresh computation for a few rows."""
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "ideal-dllm.md"
    text = doc.read_text(encoding="utf-8")
    assert "parallelbench theory --table docs/ideal-dllm.md" in text
    lines = {tuple(c.strip() for c in ln.strip("|").split("|")[:2]): ln for ln in text.splitlines()
             if ln.startswith("| ")}
    for task, n in (("waiting_line/shuffle", 4), ("list_ops/replace_random", 6), ("waiting_line/insert_random", 5)):
        fresh = "| " + " | ".join(table_mod.table_rows(ns=(n,), tasks=[task])[0]) + " |"
        assert lines[(task, str(n))] == fresh


def test_puzzle_size_comes_from_the_task_name(capsys):
    """Issue 13 item 11: latin_square_nK analyses the K x K puzzle and reports n=K."""
    from parallelbench.theory import resolve_n, task_problem

    code, out, _ = run(capsys, "--task", "puzzle/latin_square_n3", "--json")
    row = json.loads(out)
    assert code == 0 and row["n"] == 3 and row["length"] == 9 and row["num_answers"] == 12
    assert resolve_n("puzzle/latin_square_n5", None) == 5
    assert task_problem("puzzle/latin_square_n5", None)[0].length == 25
    assert resolve_n("puzzle/latin_square_n4", None) == 4 and resolve_n("puzzle/sudoku_n4_12", None) == 4
    assert resolve_n("list_ops/copy", None) == 6
    code, _, err = run(capsys, "--task", "puzzle/latin_square_n4", "--n", "5")
    assert code == 2 and "contradicts" in err and len(err.strip().splitlines()) == 1
