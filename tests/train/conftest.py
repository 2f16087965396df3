"""Tiny checkpoints for the training tests: a BERT masked LM (generic family) and, when
``../shared/upstream`` is present, the real LLaDA architecture at 2 layers / hidden 64."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

UPSTREAM = Path(__file__).resolve().parents[3] / "shared" / "upstream"
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


LLADA_CONFIG = {
    "model_type": "llada", "architectures": ["LLaDAModelLM"],
    "auto_map": {"AutoConfig": "configuration_llada.LLaDAConfig",
                 "AutoModel": "modeling_llada.LLaDAModelLM"},
    "d_model": 64, "n_heads": 4, "n_kv_heads": 4, "n_layers": 2, "mlp_hidden_size": 128,
    "mlp_ratio": 2, "activation_type": "silu", "block_type": "llama", "rope": True,
    "rope_theta": 10000.0, "layer_norm_type": "rms", "rms_norm_eps": 1e-5,
    "attention_dropout": 0.0, "residual_dropout": 0.0, "embedding_dropout": 0.0,
    "max_sequence_length": 512, "weight_tying": False, "include_bias": False,
    "include_qkv_bias": False, "init_device": "cpu", "init_fn": "mitchell", "init_std": 0.02,
    "scale_logits": False, "use_cache": False, "flash_attention": False, "alibi": False,
    "block_group_size": 1, "input_emb_norm": False, "attention_layer_norm": False,
}


@pytest.fixture(scope="session")
def tiny_llada(tmp_path_factory) -> str:
    """The real LLaDA modelling code (``../shared/upstream/llada``), random weights."""
    import torch

    source = UPSTREAM / "llada"
    if not (source / "modeling_llada.py").is_file():
        pytest.skip(f"upstream LLaDA code not available at {source}")
    folder = tmp_path_factory.mktemp("tiny_llada")
    for name in ("configuration_llada.py", "modeling_llada.py"):
        shutil.copy(source / name, folder / name)
    tokenizer = build_tokenizer(_task_texts())
    ids = {"vocab_size": len(tokenizer), "embedding_size": len(tokenizer),
           "mask_token_id": tokenizer.mask_token_id, "eos_token_id": tokenizer.eos_token_id,
           "pad_token_id": tokenizer.pad_token_id}
    (folder / "config.json").write_text(json.dumps({**LLADA_CONFIG, **ids}))
    from transformers import AutoConfig, AutoModel

    try:
        config = AutoConfig.from_pretrained(folder, trust_remote_code=True)
        torch.manual_seed(0)
        model = AutoModel.from_config(config, trust_remote_code=True)
        model.save_pretrained(folder)
        AutoModel.from_pretrained(folder, trust_remote_code=True)
    except (AttributeError, TypeError) as exc:  # the 4.x remote code on transformers 5
        pytest.skip(f"the LLaDA remote code does not load on this transformers yet: {exc}")
    tokenizer.save_pretrained(folder)
    return str(folder)
