"""Masked-diffusion supervised fine-tuning (LLaDA's SFT recipe) for ``hf-dllm`` checkpoints and
the learned model: data (``data``), the objectives (``objective``; LLaDA2's ``block_objective``,
DiffusionGemma's ``canvas_objective``), the loop with resumable
checkpoints (``loop``, ``checkpoints``), the manifest (``manifest``), Hugging Face models with
full or LoRA training (``hf``) and the ``parallelbench train`` command (``cli``).

Importing this package does not import torch; the submodules do.
"""
__all__ = ["block_objective", "canvas_objective", "checkpoints", "data", "hf", "loop", "manifest",
           "objective"]
