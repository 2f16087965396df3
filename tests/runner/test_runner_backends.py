"""Metric backends at run level: ``run``/``score``/``rescore`` flags and sweep keys, checked
before the first sample, recorded in the manifest and the comparability verdict, never mixed in
one results store (a rerun with other backends is refused; ``rescore`` re-scores stored outputs)."""
from __future__ import annotations

import json

import pytest

from parallelbench.cli import main
from parallelbench.errors import ConfigError
from parallelbench.metrics import MetricBackends
from parallelbench.runner import spec_from_dict

TASKS = "paraphrase_summarize/chatgpt-paraphrases,words_to_sentence/easy"


def _run(out, *flags, tasks=TASKS, limit=2):
    return main(["run", "--model", "mock:echo", "--tasks", tasks, "--strategy", "random", "--k", "1",
                 "--limit", str(limit), "--out", str(out), "--no-progress", *flags])


def _records(out):
    return [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]


@pytest.fixture(autouse=True)
def _no_languagetool_env(monkeypatch):
    monkeypatch.delenv("LANGUAGETOOL_URL", raising=False)


@pytest.mark.parametrize("flags, message", [
    (["--grammar", "languagetool"], "needs language-tool-python"),
    (["--grammar", "languagetool", "--languagetool-url", "http://user:secret@127.0.0.1:9"],
     "unreachable"),
    (["--similarity-model", "/nonexistent/model"], "no BERTScore model at"),
    (["--similarity", "chrf", "--similarity-model", "/nonexistent/model"], "does not use a model"),
])
def test_unavailable_backend_is_one_line_before_anything(tmp_path, capsys, flags, message):
    out = tmp_path / "res"
    assert _run(out, *flags) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "secret" not in err
    assert not out.exists()


def test_choice_is_recorded_and_feeds_the_verdict(tmp_path, capsys):
    out = tmp_path / "res"
    assert _run(out, "--grammar", "harper-profile", "--similarity", "chrf") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["grammar"] == "harper-profile"
    assert manifest["metric_backends"]["requested"]["similarity"] == "chrf"
    resolved = manifest["metric_backends"]["resolved"]
    assert resolved["grammar_backend"].startswith("harper-profile2-")
    assert resolved["similarity_backend"] == "chrf-fallback"
    reasons = "\n".join(manifest["comparability"]["reasons"])
    assert "grammar backend harper-profile2-" in reasons and "chrf_score" in reasons
    para = [r for r in _records(out) if r["task"].startswith("paraphrase")]
    assert para and all("chrf_score" in r["metrics"] and "bertscore_score" not in r["metrics"]
                        for r in para)
    capsys.readouterr()
    assert main(["results", str(out)]) == 0
    assert "similarity_backend chrf-fallback" in capsys.readouterr().out


def test_rerun_with_another_backend_is_refused_and_rescore_moves_on(tmp_path, capsys):
    first, second = tmp_path / "first", tmp_path / "second"
    assert _run(first, "--grammar", "harper-profile", "--similarity", "chrf") == 0
    before = (first / "records.jsonl").read_bytes(), (first / "manifest.json").read_bytes()
    capsys.readouterr()
    # More samples with another grammar backend: nothing may be scored into this store.
    assert _run(first, "--grammar", "harper", "--similarity", "chrf", limit=3) == 2
    err = capsys.readouterr().err
    assert "holds scores from grammar backend harper-profile2-" in err and "rescore" in err
    assert ((first / "records.jsonl").read_bytes(), (first / "manifest.json").read_bytes()) == before
    # The same backends go on as usual.
    assert _run(first, "--grammar", "harper-profile", "--similarity", "chrf", limit=3) == 0
    assert len(_records(first)) == 6
    # Re-scored into a new store, where the run with the other backend goes on.
    assert main(["rescore", str(first), "--out", str(second), "--grammar", "harper",
                 "--similarity", "chrf"]) == 0
    rescored = _records(second)
    assert len(rescored) == 6
    grammar = {r["metrics"]["grammar_backend"] for r in rescored}
    assert len(grammar) == 1 and grammar.pop().startswith("harper-0.")
    assert [r["output"] for r in rescored] == [r["output"] for r in _records(first)]
    assert _run(second, "--grammar", "harper", "--similarity", "chrf", limit=4) == 0
    backends = json.loads((second / "manifest.json").read_text())["backends"]
    assert len(backends["grammar_backend"]) == 1 and "profile" not in backends["grammar_backend"][0]
    assert main(["rescore", str(first), "--out", str(second), "--grammar", "harper"]) == 2


def test_sweep_keys_and_validation():
    spec = spec_from_dict({"model": "mock:echo", "tasks": ["words_to_sentence/easy"],
                           "strategies": [{"strategy": "random", "k": [1]}],
                           "grammar": "harper", "similarity": "chrf",
                           "similarity_model": None, "languagetool_url": "http://lt:8010"})
    assert MetricBackends.from_spec(spec) == MetricBackends("harper", "http://lt:8010", "chrf", None)
    with pytest.raises(ConfigError, match="unknown grammar backend"):
        spec_from_dict({"model": "mock:echo", "tasks": ["x"], "grammar": "grammarly",
                        "strategies": [{"strategy": "random", "k": [1]}]})
    assert MetricBackends(languagetool_url="https://u:p@lt.example/v2").to_dict()[
        "languagetool_url"] == "https://lt.example/v2"


def test_bertscore_from_a_local_model_folder(tmp_path):
    """``--similarity-model PATH``: real bert_score over a tiny random BERT saved locally."""
    pytest.importorskip("bert_score")
    import torch
    import transformers

    model_dir = tmp_path / "tiny-bert"
    model_dir.mkdir()
    words = "[PAD] [UNK] [CLS] [SEP] [MASK] what is the best way to learn a new language fast ?"
    (model_dir / "vocab.txt").write_text("\n".join(words.split()) + "\n")
    transformers.BertTokenizer(str(model_dir / "vocab.txt"), model_max_length=64) \
        .save_pretrained(model_dir)
    torch.manual_seed(0)
    transformers.BertModel(transformers.BertConfig(
        vocab_size=len(words.split()), hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=128, max_position_embeddings=64)).save_pretrained(model_dir)
    out = tmp_path / "res"
    assert _run(out, "--similarity-model", str(model_dir),
                tasks="paraphrase_summarize/chatgpt-paraphrases") == 0
    records = _records(out)
    assert records and all(r["metrics"]["similarity_backend"].endswith("-tiny-bert-L2")
                           and 0.0 < r["metrics"]["bertscore_score"] <= 1.0
                           and "chrf_score" not in r["metrics"] for r in records)
    reasons = json.loads((out / "manifest.json").read_text())["comparability"]["reasons"]
    assert any("tiny-bert-L2 (paper: BERTScore, roberta-large)" in r for r in reasons)


def test_score_command_takes_the_same_flags(tmp_path, capsys):
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"index": 0, "prediction": "How can I learn a language fast?"}))
    assert main(["score", "--task", "paraphrase_summarize/chatgpt-paraphrases", "--predictions",
                 str(preds), "--grammar", "harper-profile", "--similarity", "chrf"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["similarity_backend"] == "chrf-fallback" and "chrf_score" in result
    assert result["grammar_backend"].startswith("harper-profile2-")
    assert main(["score", "--task", "paraphrase_summarize/chatgpt-paraphrases", "--predictions",
                 str(preds), "--similarity-model", str(tmp_path / "none")]) == 2
