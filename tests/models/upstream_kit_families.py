"""The families the upstream kit builds: token strings, chat templates and tiny configs (the
hub configs' keys, scaled down to 2 layers, hidden 64, a 128-token vocabulary). Used by
``upstream_kit.py``; see there."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

VOCAB_SIZE = 128
HIDDEN = 64
LAYERS = 2
HEADS = 4
HEAD_SCALE = 4.0
WORDS = ("a b c d e f g h i j k l m n o p q r s t u v w x y z the is of and to in line name "
         "names list answer output sort copy reverse user assistant system You are helpful "
         ". , : ; [ ] - 0 1 2 3 4 5 6 7 8 9 Alice Bob Carol Dave Eve Frank Grace Heidi").split()


@dataclass
class Tokens:
    """Special-token strings of a family's tokenizer (the real ones where they are known)."""

    mask: str
    eos: str
    eot: str
    pad: str
    bos: str
    extra: tuple[str, ...] = ()
    template: str = ""


LLAMA_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|> "
    "{{ m['content'] }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}"
    "<|start_header_id|>assistant<|end_header_id|> {% endif %}")
CHATML_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }} {{ m['content'] }}<|im_end|>{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant {% endif %}")
ROLE_TEMPLATE = (
    "{% for m in messages %}<role>{{ m['role'] | upper }}</role>{{ m['content'] }}<|role_end|>"
    "{% endfor %}{% if add_generation_prompt %}<role>ASSISTANT</role>{% endif %}")
GEMMA_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ 'model' if m['role'] == 'assistant' "
    "else m['role'] }} {{ m['content'] }}<end_of_turn>{% endfor %}{% if add_generation_prompt %}"
    "<start_of_turn>model {% endif %}")

LLADA_TOKENS = Tokens(mask="<|mdm_mask|>", eos="<|endoftext|>", eot="<|eot_id|>",
                      pad="<|endoftext|>", bos="<|startoftext|>",
                      extra=("<|start_header_id|>", "<|end_header_id|>"), template=LLAMA_TEMPLATE)
MOE_TOKENS = Tokens(mask="<|mask|>", eos="<|endoftext|>", eot="<|role_end|>", pad="<|endoftext|>",
                    bos="<|startoftext|>", extra=("<role>", "</role>", "USER", "ASSISTANT", "SYSTEM"),
                    template=ROLE_TEMPLATE)
DREAM_TOKENS = Tokens(mask="<|mask|>", eos="<|endoftext|>", eot="<|im_end|>", pad="<|endoftext|>",
                      bos="<|beginoftext|>", extra=("<|im_start|>",), template=CHATML_TEMPLATE)
GEMMA_TOKENS = Tokens(mask="<mask>", eos="<eos>", eot="<end_of_turn>", pad="<pad>", bos="<bos>",
                      extra=("<start_of_turn>", "model"), template=GEMMA_TEMPLATE)


@dataclass
class KitFamily:
    """How to build one family's tiny checkpoint."""

    name: str
    folder: str | None  # sub-folder of ../shared/upstream, None for native transformers models
    files: tuple[str, ...]
    tokens: Tokens
    config: Callable[[dict[str, int]], dict[str, Any]]
    auto_map: dict[str, str] = field(default_factory=dict)
    reference_files: tuple[str, ...] = ()  # upstream sampler files the parity tests load


def _llada_config(ids: dict[str, int]) -> dict[str, Any]:
    # The keys of the LLaDA 8B hub config, scaled down.
    return {
        "model_type": "llada", "architectures": ["LLaDAModelLM"],
        "d_model": HIDDEN, "n_heads": HEADS, "n_kv_heads": HEADS, "n_layers": LAYERS,
        "mlp_hidden_size": 2 * HIDDEN, "mlp_ratio": 2, "vocab_size": VOCAB_SIZE,
        "embedding_size": VOCAB_SIZE, "max_sequence_length": 512, "block_type": "llama",
        "activation_type": "silu", "layer_norm_type": "rms", "rms_norm_eps": 1e-5, "rope": True,
        "rope_theta": 500000.0, "rope_full_precision": True, "include_bias": False,
        "include_qkv_bias": False, "weight_tying": False, "alibi": False, "flash_attention": False,
        "attention_dropout": 0.0, "residual_dropout": 0.0, "embedding_dropout": 0.0,
        "init_device": "meta", "init_fn": "mitchell", "init_std": 0.02, "scale_logits": False,
        "input_emb_norm": False, "attention_layer_norm": False, "layer_norm_with_affine": True,
        "bias_for_layer_norm": False, "block_group_size": 1, "precision": "amp_bf16",
        "mask_token_id": ids["mask"], "eos_token_id": ids["eos"], "pad_token_id": ids["pad"],
        "use_cache": False,
    }


def _llada_moe_config(ids: dict[str, int]) -> dict[str, Any]:
    return {
        "model_type": "lladamoe", "architectures": ["LLaDAMoEModelLM"],
        "vocab_size": VOCAB_SIZE, "hidden_size": HIDDEN, "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS, "num_key_value_heads": HEADS, "dense_intermediate_size": 128,
        "expert_intermediate_size": 32, "shared_expert_intermediate_size": None,
        "num_experts": 4, "num_experts_per_tok": 2, "norm_topk_prob": True, "qk_layernorm": True,
        "moe_layer_freq": [1] * LAYERS, "moe_router_enable_expert_bias": False,
        "moe_router_score_function": "softmax", "routed_scaling_factor": 1,
        "router_num_group": None, "router_topk_group": None, "partial_rotary_factor": 1,
        "rope_theta": 50000.0, "rope_scaling": None, "max_position_embeddings": 512,
        "rms_norm_eps": 1e-6, "hidden_act": "silu", "attention_bias": False, "clip_qkv": None,
        "tie_word_embeddings": False, "use_cache": False,
        "mask_token_id": ids["mask"], "eos_token_id": ids["eos"], "pad_token_id": ids["pad"],
    }


def _llada2_config(ids: dict[str, int]) -> dict[str, Any]:
    return {
        "model_type": "llada2_moe", "architectures": ["LLaDA2MoeModelLM"],
        "vocab_size": VOCAB_SIZE, "hidden_size": HIDDEN, "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS, "num_key_value_heads": 2, "head_dim": HIDDEN // HEADS,
        "intermediate_size": 128, "moe_intermediate_size": 32, "num_experts": 4,
        "num_shared_experts": 1, "num_experts_per_tok": 2, "n_group": 2, "topk_group": 1,
        "routed_scaling_factor": 2.5, "first_k_dense_replace": 1, "partial_rotary_factor": 0.5,
        "rope_theta": 600000.0, "rope_scaling": None, "max_position_embeddings": 512,
        "rms_norm_eps": 1e-6, "hidden_act": "silu", "use_qkv_bias": False, "use_bias": False,
        "use_qk_norm": True, "norm_head": False, "embedding_dropout": 0.0,
        "attention_dropout": 0.0, "output_dropout": 0.0, "tie_word_embeddings": False,
        "use_cache": False, "score_function": "sigmoid", "moe_router_enable_expert_bias": True,
        "norm_topk_prob": True,
        "mask_token_id": ids["mask"], "eos_token_id": ids["eos"], "pad_token_id": ids["pad"],
    }


def _dream_config(ids: dict[str, int]) -> dict[str, Any]:
    return {
        "model_type": "Dream", "architectures": ["DreamModel"],
        "vocab_size": VOCAB_SIZE, "hidden_size": HIDDEN, "intermediate_size": 128,
        "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "num_key_value_heads": 2,
        "hidden_act": "silu", "max_position_embeddings": 512, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0, "rope_scaling": None, "use_sliding_window": False,
        "sliding_window": None, "max_window_layers": LAYERS, "attention_dropout": 0.0,
        "tie_word_embeddings": False, "use_cache": False, "torch_dtype": "bfloat16",
        "mask_token_id": ids["mask"], "eos_token_id": ids["eos"], "pad_token_id": ids["pad"],
        "bos_token_id": ids["bos"],
    }


def _gemma_config(ids: dict[str, int]) -> dict[str, Any]:
    text = {
        "vocab_size": VOCAB_SIZE, "hidden_size": HIDDEN, "intermediate_size": 128,
        "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "num_key_value_heads": 2,
        "head_dim": 16, "global_head_dim": 16, "layer_types": ["sliding_attention", "full_attention"],
        "sliding_window": 16, "max_position_embeddings": 512, "num_experts": 4,
        "top_k_experts": 2, "moe_intermediate_size": 32,
        "pad_token_id": ids["pad"], "eos_token_id": ids["eos"], "bos_token_id": ids["bos"],
    }
    vision = {"model_type": "gemma4_vision", "hidden_size": 32, "intermediate_size": 64,
              "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 2,
              "head_dim": 16}
    return {"model_type": "diffusion_gemma", "architectures": ["DiffusionGemmaForBlockDiffusion"],
            "text_config": text, "vision_config": vision, "canvas_length": 16,
            "boi_token_id": ids["bos"], "eoi_token_id": ids["eos"], "image_token_id": ids["pad"]}


def _remote_map(config_mod: str, config_cls: str, model_mod: str, lm_cls: str,
                base_cls: str | None = None) -> dict[str, str]:
    return {"AutoConfig": f"{config_mod}.{config_cls}",
            "AutoModel": f"{model_mod}.{base_cls or lm_cls}",
            "AutoModelForCausalLM": f"{model_mod}.{lm_cls}"}


FAMILIES: dict[str, KitFamily] = {
    "llada": KitFamily(
        "llada", "llada", ("configuration_llada.py", "modeling_llada.py"), LLADA_TOKENS,
        _llada_config, _remote_map("configuration_llada", "LLaDAConfig", "modeling_llada",
                                   "LLaDAModelLM")),
    "fast_dllm_llada": KitFamily(
        "fast_dllm_llada", "fast_dllm_llada", ("configuration_llada.py", "modeling_llada.py"),
        LLADA_TOKENS, _llada_config,
        _remote_map("configuration_llada", "LLaDAConfig", "modeling_llada", "LLaDAModelLM"),
        reference_files=("generate.py",)),
    "llada_moe": KitFamily(
        "llada_moe", "llada_moe", ("configuration_lladamoe.py", "modeling_lladamoe.py"),
        MOE_TOKENS, _llada_moe_config,
        _remote_map("configuration_lladamoe", "LLaDAMoEConfig", "modeling_lladamoe",
                    "LLaDAMoEModelLM")),
    "llada2": KitFamily(
        "llada2", "llada2_moe", ("configuration_llada2_moe.py", "modeling_llada2_moe.py"),
        MOE_TOKENS, _llada2_config,
        # The hub maps AutoModel to the bare encoder and AutoModelForCausalLM to the LM.
        _remote_map("configuration_llada2_moe", "LLaDA2MoeConfig", "modeling_llada2_moe",
                    "LLaDA2MoeModelLM", base_cls="LLaDA2MoeModel")),
    "dream": KitFamily(
        "dream", "dream", ("configuration_dream.py", "modeling_dream.py", "generation_utils.py"),
        DREAM_TOKENS, _dream_config,
        {"AutoConfig": "configuration_dream.DreamConfig", "AutoModel": "modeling_dream.DreamModel"},
        reference_files=("generation_utils.py",)),
    "diffusion_gemma": KitFamily("diffusion_gemma", None, (), GEMMA_TOKENS, _gemma_config),
}
