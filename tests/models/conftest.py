"""Fixtures for the model-backend tests: tiny Hugging Face checkpoints built inside the tests
(the scripted HTTP server ``fake_api`` is in tests/conftest.py)."""
from __future__ import annotations

import json

import pytest


# --------------------------------------------------------------------------------------------
# Tiny Hugging Face checkpoints built inside the tests (random weights, our own tokenizer).

SPECIALS = ["[PAD]", "[UNK]", "[MASK]", "<eos>", "<eot>", "<bos>", "<user>", "<asst>", "<sys>"]
WORDS = ("a b c d e f g h i j k l m n o p q r s t u v w x y z the is of and to in line "
         "name names list answer output sort copy reverse , . : ; [ ] ' \" - 0 1 2 3 4 5 6 7 8 9 "
         "Alice Bob Carol Dave Eve Frank Grace Heidi Ivan Judy").split()

# LLaDA-like: the template already carries BOS; turns end with an end-of-turn token.
CHAT_TEMPLATE = ("<bos>{% for m in messages %}<{{ 'sys' if m['role'] == 'system' else "
                 "('user' if m['role'] == 'user' else 'asst') }}> {{ m['content'] }} <eot>"
                 "{% endfor %}{% if add_generation_prompt %}<asst> {% endif %}")

# Remote code shared by the LLaDA-like and Dream-like test models. The forward refuses calling
# conventions that differ from the real family's, so the adapter is checked too.
CONFIG_SRC = '''
from transformers import PretrainedConfig


class TinyDllmConfig(PretrainedConfig):
    model_type = "MODEL_TYPE"

    def __init__(self, vocab_size=64, hidden_size=32, mask_token_id=None, convention="llada",
                 **kwargs):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.mask_token_id = mask_token_id
        self.convention = convention
        super().__init__(**kwargs)
'''
MODEL_SRC = '''
import torch
from torch import nn
from transformers import PreTrainedModel
from transformers.modeling_outputs import MaskedLMOutput

from .configuration_tinydllm import TinyDllmConfig


class TinyDllmModel(PreTrainedModel):
    config_class = TinyDllmConfig
    base_model_prefix = "tiny"

    def __init__(self, config):
        super().__init__(config)
        self.embed = nn.Embedding(config.vocab_size, config.hidden_size)
        self.pos = nn.Embedding(512, config.hidden_size)
        self.attn = nn.MultiheadAttention(config.hidden_size, 2, batch_first=True)
        self.head = nn.Linear(config.hidden_size, config.vocab_size)
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            module.weight.data.normal_(0.0, 1.0)

    def forward(self, input_ids, attention_mask=None, position_ids=None, **kwargs):
        b, n = input_ids.shape
        if self.config.convention == "dream":
            assert isinstance(attention_mask, str) or attention_mask.dim() == 4, "dream: 4-D mask"
            assert not kwargs, "dream is called positionally"
            keep = None if isinstance(attention_mask, str) else attention_mask[:, 0]
        else:
            assert attention_mask is None or attention_mask.dim() == 2, "llada: a 2-D mask"
            keep = None if attention_mask is None else (
                attention_mask.bool()[:, None, :] & attention_mask.bool()[:, :, None])
        if position_ids is None:
            position_ids = torch.arange(n, device=input_ids.device).expand(b, n)
        h = self.embed(input_ids) + self.pos(position_ids)
        mask = None
        if keep is not None:
            keep = keep | torch.eye(n, dtype=torch.bool, device=keep.device)  # no empty rows
            mask = (~keep).repeat_interleave(2, dim=0)
        a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        return MaskedLMOutput(logits=self.head(h + a))
'''


def build_tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {w: i for i, w in enumerate(SPECIALS + WORDS)}
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=core, pad_token="[PAD]", unk_token="[UNK]", mask_token="[MASK]",
        eos_token="<eos>", bos_token="<bos>",
        additional_special_tokens=["<eot>", "<user>", "<asst>", "<sys>"],
        chat_template=CHAT_TEMPLATE)


def build_remote_dllm(folder, convention: str, seed: int = 0):
    """A remote-code masked LM whose config says ``model_type`` Dream or LLaDA."""
    import json

    import torch
    from transformers import AutoConfig, AutoModel

    folder.mkdir(parents=True, exist_ok=True)
    model_type = "Dream" if convention == "dream" else "llada"  # what the real configs say
    (folder / "configuration_tinydllm.py").write_text(CONFIG_SRC.replace("MODEL_TYPE", model_type))
    (folder / "modeling_tinydllm.py").write_text(MODEL_SRC)
    tokenizer = build_tokenizer()
    config = {
        "model_type": model_type,
        "architectures": ["DreamModel" if convention == "dream" else "LLaDAModelLM"],
        "auto_map": {"AutoConfig": "configuration_tinydllm.TinyDllmConfig",
                     "AutoModel": "modeling_tinydllm.TinyDllmModel"},
        "vocab_size": len(tokenizer), "hidden_size": 32, "convention": convention,
        "mask_token_id": tokenizer.mask_token_id,
    }
    (folder / "config.json").write_text(json.dumps(config))
    torch.manual_seed(seed)
    model = AutoModel.from_config(AutoConfig.from_pretrained(folder, trust_remote_code=True),
                                  trust_remote_code=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_dllms(tmp_path_factory):
    """Paths of a LLaDA-like, a Dream-like (remote code) and a BERT masked LM."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    root = tmp_path_factory.mktemp("tiny_dllm")
    paths = {"llada": build_remote_dllm(root / "llada", "llada"),
             "dream": build_remote_dllm(root / "dream", "dream", seed=1)}
    tokenizer = build_tokenizer()
    torch.manual_seed(2)
    bert = BertForMaskedLM(BertConfig(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=512, pad_token_id=0))
    bert.save_pretrained(root / "bert")
    tokenizer.save_pretrained(root / "bert")
    paths["bert"] = root / "bert"
    return {k: str(v) for k, v in paths.items()}


@pytest.fixture(scope="session")
def tiny_ar(tmp_path_factory):
    """Path of a tiny random-init Llama causal LM with the test tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    folder = tmp_path_factory.mktemp("tiny_ar")
    tokenizer = build_tokenizer()
    torch.manual_seed(3)
    model = LlamaForCausalLM(LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.bos_token_id))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


# --------------------------------------------------------------------------------------------
# Tiny checkpoints of the real upstream architectures (tests/models/upstream_kit.py).

class KitCheckpoints:
    """Builds each family's tiny checkpoint once per session; skips when its upstream files
    (../shared/upstream) are absent."""

    def __init__(self, root):
        self.root, self.paths = root, {}

    def path(self, name: str, seed: int = 0) -> str:
        import upstream_kit

        if not upstream_kit.available(name):
            pytest.skip(f"../shared/upstream is absent: no {name} checkpoint")
        key = (name, seed)
        if key not in self.paths:
            self.paths[key] = str(upstream_kit.build(name, self.root / f"{name}-{seed}", seed=seed))
        return self.paths[key]


@pytest.fixture(scope="session")
def kit_checkpoints(tmp_path_factory):
    return KitCheckpoints(tmp_path_factory.mktemp("upstream_kit"))
