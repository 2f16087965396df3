"""A small masked-diffusion transformer trained here, on CPU, on the synthetic list tasks.

It stands behind the same interface as an ``hf-dllm`` model (a callable ids -> logits, a
vocabulary, save/load), trains with ``parallelbench.train``'s masked-diffusion SFT loop and
runs through the ``learned`` model backend, so users without a GPU see a real learned dLLM's
behaviour under parallel decoding next to the ideal model's (``parallelbench demo --model
learned``; docs/learned-model.md). Heavy imports (torch) happen in the submodules.
"""
from .recipe import DEMO_RECIPE, Recipe, cache_root, ensure_model, train_recipe

__all__ = ["DEMO_RECIPE", "Recipe", "cache_root", "ensure_model", "train_recipe"]
