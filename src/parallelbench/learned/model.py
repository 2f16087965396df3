"""A small bidirectional transformer for masked diffusion (the ``learned`` model's network).

Pre-norm blocks (RMSNorm, multi-head self-attention with rotary position embeddings, a GELU
MLP), no causal mask, an output head tied to the token embedding. ``model(ids, mask)`` returns
logits ``[B, L, V]`` like an ``hf-dllm`` model, so the same sampler and training loop serve both.

Positions are counted *within each segment*: the prompt from its first real token (so a
left-padded prompt decodes as it would alone), the response from the token after the last
``response_marker`` (the chat format's assistant marker). Rotary angles and a learned position
embedding use these positions; prompt tokens also get an embedding of their distance to the end
of the prompt, and a segment embedding tells the two apart. Answer slot i then sits at a fixed
offset from input item i (copy) and from input item n-1-i counted from the end (reverse)
whatever the prompt length; half of the attention heads take rotary angles from the forward
positions, half ("mirror" heads) from the distance to the prompt's end, so both offsets are
plain relative positions. This lets a small model learn the position-wise operations in
minutes on a CPU.
``save``/``load`` write ``config.json`` and ``model.safetensors``.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import ConfigError


@dataclass(frozen=True)
class TinyConfig:
    """Architecture of the small model (the demo recipe: dim 64, 2 layers, 2 heads, MLP 256:
    about 0.1 M parameters)."""

    vocab_size: int
    dim: int = 64
    layers: int = 2
    heads: int = 2
    mlp: int = 256
    rope_base: float = 10000.0
    response_marker: int | None = None
    max_positions: int = 512
    mirror_heads: int | None = None  # default: half of the heads
    max_relative: int = 32  # relative attention bias: offsets beyond +-this share a bucket
    pointer: bool = True  # mix a copy distribution over the prompt's tokens into the output
    mask_token: int | None = None  # enables the coverage embedding (needs the mask id)

    def __post_init__(self) -> None:
        if self.dim % self.heads or (self.dim // self.heads) % 2:
            raise ConfigError(f"dim {self.dim} must split into {self.heads} heads of even size")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rope(x: torch.Tensor, positions: torch.Tensor, base: float) -> torch.Tensor:
    """Rotate pairs of channels of ``x`` [B, H, L, D] by angles positions / base^(2i/D);
    ``positions`` is [B, H, L] (one position per head)."""
    half = x.shape[-1] // 2
    freqs = base ** (-torch.arange(half, device=x.device, dtype=torch.float32) / half)
    angles = positions[..., None].float() * freqs  # [B, H, L, half]
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    a, b = x[..., :half], x[..., half:]
    return torch.cat([a * cos - b * sin, a * sin + b * cos], dim=-1)


class Block(nn.Module):
    def __init__(self, cfg: TinyConfig):
        super().__init__()
        self.cfg = cfg
        self.norm1, self.norm2 = nn.RMSNorm(cfg.dim), nn.RMSNorm(cfg.dim)
        self.qkv = nn.Linear(cfg.dim, 3 * cfg.dim, bias=False)
        self.out = nn.Linear(cfg.dim, cfg.dim, bias=False)
        self.up = nn.Linear(cfg.dim, cfg.mlp, bias=False)
        self.down = nn.Linear(cfg.mlp, cfg.dim, bias=False)

    def forward(self, h: torch.Tensor, positions: torch.Tensor, bias: torch.Tensor | None):
        B, L, _ = h.shape
        q, k, v = self.qkv(self.norm1(h)).view(B, L, 3, self.cfg.heads, -1).permute(2, 0, 3, 1, 4)
        q, k = _rope(q, positions, self.cfg.rope_base), _rope(k, positions, self.cfg.rope_base)
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        h = h + self.out(a.transpose(1, 2).reshape(B, L, -1))
        return h + self.down(F.gelu(self.up(self.norm2(h))))


class TinyDiffusionLM(nn.Module):
    """The network: ``forward(input_ids, attention_mask=None) -> logits`` (float32)."""

    def __init__(self, cfg: TinyConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.position = nn.Embedding(cfg.max_positions, cfg.dim)
        self.from_end = nn.Embedding(cfg.max_positions, cfg.dim)
        self.segment = nn.Embedding(2, cfg.dim)
        # Coverage: how often a prompt token already appears, unmasked, in the response (0..3+).
        self.coverage = nn.Embedding(4, cfg.dim)
        # A learned bias per head, segment pair and relative offset (T5-style, shared by the
        # layers): position-wise alignments such as "copy the item two places further" are
        # then one parameter each instead of a pattern the queries and keys must discover.
        self.relative = nn.Parameter(torch.zeros(cfg.heads, 4, 2 * cfg.max_relative + 1))
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = nn.RMSNorm(cfg.dim)
        if cfg.pointer:
            self.pointer = nn.Linear(cfg.dim, 2 * cfg.dim, bias=False)
            self.pointer_relative = nn.Parameter(torch.zeros(2, 4, 2 * cfg.max_relative + 1))
            self.gate = nn.Linear(cfg.dim, 1)
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None):
        B, L = input_ids.shape
        if attention_mask is None:
            positions = torch.arange(L, device=input_ids.device).expand(B, L)
            keep = None
        else:
            keep = attention_mask.bool()
            positions = (keep.long().cumsum(-1) - 1).clamp(min=0)
        local, back, response = self._segments(input_ids, positions)
        h = (self.embed(input_ids) + self.position(local) + self.from_end(back)
             + self.segment(response.long()) + self.coverage(self._coverage(input_ids, response)))
        # Rotary positions: the first half of the heads count prompt tokens from the start,
        # the others from the end ("mirror" heads); response tokens count from their start.
        mirror = torch.where(response, local, back)
        heads = torch.arange(self.cfg.heads, device=input_ids.device)[None, :, None]
        n_mirror = self.cfg.heads // 2 if self.cfg.mirror_heads is None else self.cfg.mirror_heads
        rotary = torch.where(heads < self.cfg.heads - n_mirror, local[:, None], mirror[:, None])
        bias = self._relative_bias(rotary, response)
        if keep is not None:  # padded keys are hidden (a padded query still sees real keys)
            bias = bias.masked_fill(~keep[:, None, None, :], float("-inf"))
        for block in self.blocks:
            h = block(h, rotary, bias)
        h = self.norm(h)
        logits = h @ self.embed.weight.T
        if not self.cfg.pointer:
            return logits
        return self._with_pointer(input_ids, h, logits, local, mirror, response, keep)

    def _with_pointer(self, input_ids, h, logits, local, mirror, response, keep):
        """Pointer-generator output: log(g softmax(logits) + (1 - g) p_copy), where p_copy puts
        an attention distribution over the prompt's positions onto their tokens (scores: query
        . key + a learned bias per segment pair and forward / mirror offset)."""
        R, B, L = self.cfg.max_relative, *input_ids.shape
        q, k = self.pointer(h).chunk(2, dim=-1)
        scores = q @ k.transpose(1, 2) / q.shape[-1] ** 0.5
        pair = (2 * response[:, :, None] + response[:, None, :]).long() * (2 * R + 1)
        table = self.pointer_relative.view(2, -1)
        for which, pos in enumerate((local, mirror)):
            offset = (pos[:, :, None] - pos[:, None, :]).clamp(-R, R) + R
            scores = scores + table[which][pair + offset]
        allowed = ~response[:, None, :].expand(B, L, L)
        if keep is not None:
            allowed = allowed & keep[:, None, :]
        attn = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
        onehot = F.one_hot(input_ids, self.cfg.vocab_size).to(attn.dtype)
        gate = torch.sigmoid(self.gate(h))
        mixed = gate * torch.softmax(logits, dim=-1) + (1 - gate) * (attn @ onehot)
        return torch.log(mixed.clamp_min(1e-12))

    def _coverage(self, input_ids: torch.Tensor, response: torch.Tensor) -> torch.Tensor:
        """For each prompt token, how many unmasked response tokens equal it (clamped to 3);
        0 for response tokens. What lets the model avoid an item it already wrote (shuffle) or
        place the new word exactly once (replace at a random position)."""
        if self.cfg.mask_token is None:
            return torch.zeros_like(input_ids)
        written = response & (input_ids != self.cfg.mask_token)
        same = (input_ids[:, :, None] == input_ids[:, None, :]) & written[:, None, :]
        return same.sum(-1).masked_fill(response, 0).clamp(max=3)

    def _relative_bias(self, rotary: torch.Tensor, response: torch.Tensor) -> torch.Tensor:
        """[B, H, L, L] attention bias from each head's positions and the segment pair."""
        R = self.cfg.max_relative
        offset = (rotary[:, :, :, None] - rotary[:, :, None, :]).clamp(-R, R) + R
        pair = (2 * response[:, :, None] + response[:, None, :]).long()  # [B, L, L]
        index = pair[:, None] * (2 * R + 1) + offset  # [B, H, L, L] into the flat table
        heads = torch.arange(self.cfg.heads, device=index.device)[None, :, None, None]
        return self.relative.view(self.cfg.heads, -1)[heads, index]

    def _segments(self, input_ids: torch.Tensor, positions: torch.Tensor):
        """(position within the prompt or the response, distance to the end of the prompt (0 in
        the response), is-response) of every token; the response starts after the last
        ``response_marker``."""
        L = input_ids.shape[1]
        index = torch.arange(L, device=input_ids.device).expand_as(input_ids)
        if self.cfg.response_marker is None:
            start = torch.full_like(input_ids[:, :1], L)
        else:
            marks = torch.where(input_ids == self.cfg.response_marker, index, -1)
            start = marks.max(1, keepdim=True).values + 1
            start = torch.where(start == 0, L, start)  # no marker: all prompt
        response = index >= start
        local = torch.where(response, index - start, positions)
        top = self.cfg.max_positions - 1
        back = torch.where(response, 0, (start - 1 - index).clamp(min=0))
        return local.clamp(max=top), back.clamp(max=top), response

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # -- persistence ---------------------------------------------------------------------------
    def save(self, folder: str | Path) -> None:
        from safetensors.torch import save_file

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "config.json").write_text(json.dumps(self.cfg.to_dict(), indent=1))
        save_file({k: v.contiguous() for k, v in self.state_dict().items()},
                  str(folder / "model.safetensors"))

    @classmethod
    def load(cls, folder: str | Path) -> "TinyDiffusionLM":
        from safetensors.torch import load_file

        folder = Path(folder)
        try:
            cfg = TinyConfig(**json.loads((folder / "config.json").read_text("utf-8")))
            state = load_file(str(folder / "model.safetensors"))
            model = cls(cfg)
            model.load_state_dict(state)
        except (OSError, ValueError, TypeError, RuntimeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"{folder} is not a learned-model folder ({first})") from None
        return model.eval()
