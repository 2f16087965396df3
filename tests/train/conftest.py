"""Tiny checkpoints for the training tests: a BERT masked LM (generic family) and, when
``../shared/upstream`` is present, the real LLaDA and Dream architectures at 2 layers / hidden 64
(the models area's upstream kit) with a tokenizer covering the training tasks."""
from __future__ import annotations

import pytest
from train_testkit import load_kit, task_tokenizer

SPECIALS = ["[PAD]", "[UNK]", "[MASK]", "<eos>", "<eot>", "<bos>", "<user>", "<asst>"]
CHAT = ("<bos>{% for m in messages %}<{{ 'user' if m['role'] == 'user' else 'asst' }}> "
        "{{ m['content'] }} <eot>{% endfor %}{% if add_generation_prompt %}<asst> {% endif %}")
TASKS = ["list_ops/copy_n3", "list_ops/reverse_n3"]


def build_tokenizer(texts):
    """A word-level tokenizer (whitespace + punctuation split) covering ``texts``."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    pre = pre_tokenizers.Whitespace()
    words = dict.fromkeys(SPECIALS + [chr(65 + i) for i in range(26)])
    for text in texts:
        words.update(dict.fromkeys(w for w, _ in pre.pre_tokenize_str(text)))
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    core.pre_tokenizer = pre
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="[PAD]", unk_token="[UNK]", mask_token="[MASK]",
        eos_token="<eos>", bos_token="<bos>", additional_special_tokens=["<eot>", "<user>", "<asst>"],
        chat_template=CHAT)


def _task_texts():
    from parallelbench.tasks import load_task

    return [t for name in TASKS for s in load_task(name) for t in (s.prompt, s.reference)]


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> str:
    import torch
    from transformers import BertConfig, BertForMaskedLM

    folder = tmp_path_factory.mktemp("tiny_bert")
    tokenizer = build_tokenizer(_task_texts())
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(
        vocab_size=len(tokenizer), hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=128, max_position_embeddings=256, pad_token_id=0))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def kit_model(tmp_path_factory):
    """``kit_model(family)``: the real upstream architecture of ``family`` at 2 layers /
    hidden 64, random init (the models area's kit), with a tokenizer for the training tasks;
    skips when ``../shared/upstream`` is absent."""
    built: dict[str, str] = {}

    def make(family: str) -> str:
        kit = load_kit()
        if not kit.available(family):
            pytest.skip(f"upstream {family} code not available under {kit.UPSTREAM}")
        if family not in built:
            folder = kit.build(family, tmp_path_factory.mktemp(f"kit_{family}"), seed=0)
            task_tokenizer(family, _task_texts()).save_pretrained(folder)
            built[family] = str(folder)
        return built[family]

    return make
