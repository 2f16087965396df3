"""DiffusionGemma's own decoding (transformers ``DiffusionGemmaForBlockDiffusion.generate``) as a
strategy, so ParallelBench can measure it with its own NFE and tokens per step.

Per canvas (block), starting from uniform noise, each step:

1. scales the logits by a temperature that falls linearly from ``t_max`` to ``t_min`` over
   ``max_denoising_steps`` (t = t_min + (t_max - t_min) * remaining / max_denoising_steps);
2. samples a token at every canvas position from those tempered probabilities;
3. *accepts* the k lowest-entropy positions with sum(H) - max(H) <= ``entropy_bound`` (the
   entropy-bound sampler, over the whole canvas: earlier acceptances are not kept) and puts
   fresh uniform noise at the others; the tempered logits become the next step's
   self-conditioning;
4. stops when the argmax canvas equals the last ``stability_threshold`` ones and the mean entropy
   is below ``confidence_threshold``, or after ``max_denoising_steps``; the canvas's tokens are
   the argmax of that last step.

No position is committed before the canvas stops (nothing is final in between), so each canvas
counts its steps as NFE and all its tokens at the last one. Only canvas models (whose runner
shows ``state.memory["noise"]`` at undecided positions) can run it. Random draws come from each
row's generator in the reference's order (initial canvas, then per step the sample and the
renoise), so a batch of one seeded like ``torch.manual_seed`` reproduces ``generate``.
"""
from __future__ import annotations

import math

import torch

from ...errors import ConfigError
from .base import Strategy, strategy


@strategy("native", aliases=("diffusion_gemma", "diffusiongemma-native"))
class DiffusionGemmaNative(Strategy):
    """The model's own entropy-bound, self-conditioned, adaptively stopped sampler."""

    params = {"entropy_bound": 0.1, "max_denoising_steps": 48, "t_min": 0.4, "t_max": 0.8,
              "stability_threshold": 1, "confidence_threshold": 0.005}
    candidates_only = True
    draws_noise = True  # the canvas runner shows state.memory["noise"] at undecided positions
    requires = "a canvas model (DiffusionGemma)"  # not a masked-diffusion rule: no generic model runs it
    source = "DiffusionGemma (transformers 5 generate: EntropyBoundSampler, StableAndConfident stopping)"

    def check(self):
        p = self.p
        if not isinstance(p["max_denoising_steps"], int) or p["max_denoising_steps"] < 1:
            raise ConfigError(f"native: max_denoising_steps must be a positive integer, got {p['max_denoising_steps']!r}")
        if not isinstance(p["stability_threshold"], int) or p["stability_threshold"] < 0:
            raise ConfigError(f"native: stability_threshold must be an integer >= 0, got {p['stability_threshold']!r}")
        for name in ("entropy_bound", "confidence_threshold", "t_min", "t_max"):
            v = p[name]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
                raise ConfigError(f"native: {name} must be a number >= 0, got {v!r}")
        if p["t_max"] <= p["t_min"] or p["entropy_bound"] <= 0:
            raise ConfigError("native: needs t_max > t_min and entropy_bound > 0")

    def setup(self, state):
        if "noise" not in state.memory:
            state.memory["noise"] = torch.zeros_like(state.gen)
        k = max(self.p["stability_threshold"], 1)
        state.memory["native_history"] = torch.full((state.batch, k, state.block_len), -1, dtype=torch.long,
                                                    device=state.x.device)
        self._V = None

    def on_block_start(self, state, rows):
        """Uniform noise for the new canvas (the reference's ``initialize_canvas``)."""
        if rows.numel() == 0:
            return
        V = self._vocab(state)
        start, end = state.block_bounds(rows)
        for i, r in enumerate(rows.tolist()):
            s, e = int(start[i]), int(end[i])
            state.memory["noise"][r, s:e] = torch.randint(0, V, (1, e - s), generator=state.generators[r])[0]
        state.memory["native_history"][rows] = -1

    def _vocab(self, state) -> int:
        backend = getattr(state.runner, "backend", None)
        if self._V is None:
            if backend is None or not getattr(backend, "canvas_decoder", False):
                raise ConfigError("strategy 'native' runs DiffusionGemma's own sampler: it needs a canvas "
                                  "model (DiffusionGemma), not this one")
            self._V = backend.vocab_size
        return self._V

    def select(self, view):
        state, rows, p = view.state, view.rows, self.p
        s = int(view.block_start[0])
        logits = view.window  # the canvas's logits [b, C, V] as the model returned them
        C = logits.shape[1]
        steps = p["max_denoising_steps"]
        remaining = (steps - view.step_in_block).to(torch.int32)  # the reference counts steps down
        temperature = p["t_min"] + ((p["t_max"] - p["t_min"]) * (remaining / steps))  # float32, as it
        processed = logits / temperature.to(logits.device)[:, None, None]
        if view.suppressing:  # our convention: the mask (sentinel) token is never sampled nor emitted
            processed[..., self.cfg.mask_id] = float("-inf")
        probs = torch.softmax(processed, dim=-1, dtype=torch.float32)
        sampled = torch.stack([torch.multinomial(probs[i], 1, generator=g)[:, 0]
                               for i, g in enumerate(view.generators)])
        argmax = processed.argmax(-1)
        entropy = torch.distributions.Categorical(logits=processed).entropy()
        ordered, order = torch.sort(entropy, dim=-1, descending=False)
        cumulative = torch.cumsum(ordered, dim=-1)
        accepted = torch.zeros_like(ordered, dtype=torch.bool).scatter(-1, order, cumulative - ordered <= p["entropy_bound"])
        noise = state.memory["noise"]
        current = noise[rows, s: s + C]
        kept = torch.where(accepted, sampled, current)
        fresh = torch.stack([torch.randint(0, self._vocab(state), (1, C), generator=g)[0] for g in view.generators])
        noise[rows, s: s + C] = torch.where(accepted, kept, fresh)
        state.memory["self_conditioning"][rows] = processed
        history = state.memory["native_history"][rows]
        if p["stability_threshold"] == 0:
            stable = torch.ones(rows.numel(), dtype=torch.bool, device=logits.device)
        else:
            stable = (history == argmax[:, None, :]).all(-1).all(-1)
            history = torch.roll(history, shifts=-1, dims=1)
            history[:, -1] = argmax
            state.memory["native_history"][rows] = history
        confident = entropy.mean(-1) < p["confidence_threshold"]
        done = (stable & confident) | (view.step_in_block + 1 >= steps)
        view.x_hat[:, s: s + C] = torch.where(done[:, None], argmax, view.x_hat[:, s: s + C])
        return view.candidates & done[:, None]

    def block_done(self, state, rows):
        return ~state.block_masks(rows).any(1)
