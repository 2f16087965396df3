"""Helpers of the training tests (also used by benchmarks/finetune_tiny.py): the models area's
upstream kit, and its tokenizers with the words of the training tasks."""
from __future__ import annotations

from pathlib import Path


def load_kit():
    """The models area's upstream test kit (``tests/models/upstream_kit.py``), by path."""
    import sys

    folder = str(Path(__file__).resolve().parent.parent / "models")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import upstream_kit

    return upstream_kit


def task_tokenizer(family: str, texts):
    """The kit tokenizer of ``family`` (same special tokens at the same ids, same chat template,
    same size) with the words of ``texts`` (the training tasks) instead of the kit's words."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    kit = load_kit()
    tok = kit.FAMILIES[family].tokens
    specials = list(dict.fromkeys([tok.pad, "[UNK]", tok.mask, tok.eos, tok.eot, tok.bos,
                                   *tok.extra]))
    pre = pre_tokenizers.Whitespace()
    words = dict.fromkeys(chr(65 + i) for i in range(26))
    for text in texts:
        words.update(dict.fromkeys(w for w, _ in pre.pre_tokenize_str(text)))
    words = [w for w in words if w not in specials]
    filler = [f"w{i}" for i in range(kit.VOCAB_SIZE - len(specials) - len(words))]
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(specials + words + filler)},
                                      unk_token="[UNK]"))
    core.pre_tokenizer = pre
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token=tok.pad, unk_token="[UNK]", mask_token=tok.mask,
        eos_token=tok.eos, bos_token=tok.bos,
        additional_special_tokens=[t for t in specials if t not in
                                   (tok.pad, "[UNK]", tok.mask, tok.eos, tok.bos)],
        chat_template=tok.template)
