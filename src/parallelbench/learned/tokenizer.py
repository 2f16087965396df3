"""The learned model's vocabulary: a word-level tokenizer for the list-task prompts and answers.

Text is split, left to right, into *phrases* (the literal text between the placeholders of the
task templates, e.g. ``" exactly, preserving every character (...). Only provide the final
answer."``, one token each, as a BPE trained on these prompts would merge them), the list
delimiters ``["``, ``", "`` and ``"]`` (so an answer ``["A", "B"]`` is the 5 tokens ``["``
``A`` ``", "`` ``B`` ``"]``: one token per item plus one per separator), words and numbers
(``\\w+``) and single punctuation marks; other spaces are not tokens. Decoding joins the tokens,
with a space between two word tokens. A chat is ``<user>`` + each user turn (+ ``<asst>`` + each
answer) + ``<asst>``.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import ConfigError

SPECIALS = ("[PAD]", "[MASK]", "<eos>", "<unk>", "<user>", "<asst>")
DELIMITERS = ('["', '", "', '"]')
_BASIC = r'\["|", "|"\]|\w+|[^\w\s]'
_SINGLE = re.compile(r"\w+|[^\w\s]")


def is_phrase(token: str) -> bool:
    """Phrase tokens are every non-special token other than a delimiter, a word or one mark."""
    return token not in SPECIALS and token not in DELIMITERS and not _SINGLE.fullmatch(token)


def splitter(phrases: Iterable[str]) -> re.Pattern:
    """The pre-tokenizer: phrases (longest first), then delimiters, words and marks."""
    alternatives = [re.escape(p) for p in sorted(set(phrases), key=lambda p: (-len(p), p))]
    return re.compile("|".join(alternatives + [_BASIC]))


def template_phrases(templates: Iterable[str]) -> list[str]:
    """The literal pieces of ``str.format`` templates that hold more than one token."""
    out: list[str] = []
    for template in templates:
        for piece in re.split(r"\{\w+\}", template):
            if len(re.findall(_BASIC, piece)) > 1 and piece not in out:
                out.append(piece)
    return out


def pieces(text: str, pattern: re.Pattern | None = None) -> list[str]:
    """The token strings of ``text`` (no phrases unless ``pattern`` has them)."""
    return (pattern or _DEFAULT).findall(text)


_DEFAULT = splitter([])


class WordTokenizer:
    """Vocabulary with ``encode``/``decode`` and the special ids the sampler needs."""

    def __init__(self, vocab: Sequence[str]):
        if list(vocab[: len(SPECIALS)]) != list(SPECIALS):
            raise ConfigError("a learned-model vocabulary must start with the special tokens")
        if len(set(vocab)) != len(vocab):
            raise ConfigError("the vocabulary has duplicate tokens")
        self.vocab = list(vocab)
        self.index = {tok: i for i, tok in enumerate(self.vocab)}
        self.pattern = splitter(t for t in self.vocab if is_phrase(t))
        self.pad_token_id, self.mask_token_id, self.eos_token_id, self.unk_token_id = 0, 1, 2, 3
        self.user_id, self.assistant_id = 4, 5

    @classmethod
    def build(cls, texts: Iterable[str], extra: Iterable[str] = (),
              phrases: Iterable[str] = ()) -> "WordTokenizer":
        """A vocabulary of ``phrases``, ``extra`` and every piece of ``texts`` (first seen
        first)."""
        phrases = list(phrases)
        seen: dict[str, None] = dict.fromkeys([*SPECIALS, *DELIMITERS, *phrases])
        for tok in extra:
            seen.setdefault(tok, None)
        pattern = splitter(phrases)
        for text in texts:
            for tok in pieces(text, pattern):
                seen.setdefault(tok, None)
        return cls(list(seen))

    def __len__(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        return [self.index.get(tok, self.unk_token_id) for tok in pieces(text, self.pattern)]

    def convert_ids_to_tokens(self, ids: int | Sequence[int]):
        if isinstance(ids, int):
            return self.vocab[ids]
        return [self.vocab[i] for i in ids]

    def decode(self, ids: Iterable[int], skip_special_tokens: bool = True) -> str:
        out: list[str] = []
        prev_word = False
        for i in ids:
            tok = self.vocab[int(i)]
            if skip_special_tokens and tok in SPECIALS:
                continue
            word = bool(re.fullmatch(r"\w+", tok))
            if word and prev_word:
                out.append(" ")
            out.append(tok)
            prev_word = word
        return "".join(out)

    def chat_ids(self, messages: Sequence[dict[str, str]]) -> list[int]:
        """Prompt ids of a chat, ending with the assistant marker (the generation prompt)."""
        ids: list[int] = []
        for message in messages:
            marker = self.user_id if message["role"] == "user" else self.assistant_id
            ids += [marker, *self.encode(message["content"])]
        return ids + [self.assistant_id]

    def save(self, folder: str | Path) -> None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "vocab.json").write_text(json.dumps(self.vocab, ensure_ascii=False))

    @classmethod
    def load(cls, folder: str | Path) -> "WordTokenizer":
        try:
            return cls(json.loads((Path(folder) / "vocab.json").read_text("utf-8")))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{folder}: no learned-model vocabulary ({exc})") from None
