"""Fixed-count schedules: how many tokens each step of a block commits (DECODING.md section 3)."""
from __future__ import annotations

import math


def llada_uniform(masks: int, steps: int) -> list[int]:
    """LLaDA reference: floor(M/s) per step, the remainder going to the *first* steps.

    ``llada_uniform(10, 4) == [3, 3, 2, 2]``.
    """
    if masks <= 0:
        return []
    steps = max(1, min(steps, masks))  # never plan a step that commits nothing
    base, rem = divmod(masks, steps)
    return [base + (1 if j < rem else 0) for j in range(steps)]


def dream_timestep(masks: int, steps: int, eps: float = 0.0) -> list[int]:
    """Dream's timestep schedule, evaluated exactly (integer arithmetic when eps = 0): schedule
    ``dream_exact``, our correction of the reference's float32 evaluation (``dream_float32``).

    Step j reveals floor(M_j * (1 - t_{j+1}/t_j)) with t_j = 1 - j(1-eps)/s; the last step reveals
    what is left. With eps = 0 this is floor(M_j / (s - j)), so the remainder goes to the *last*
    steps: ``dream_timestep(10, 4) == [2, 2, 3, 3]``.
    """
    if masks <= 0:
        return []
    steps = max(1, min(steps, masks))
    left, out = masks, []
    for j in range(steps):
        if j == steps - 1:
            n = left
        elif eps == 0.0:
            n = left // (steps - j)
        else:
            t0 = 1 - j * (1 - eps) / steps
            t1 = 1 - (j + 1) * (1 - eps) / steps
            n = math.floor(left * (1 - t1 / t0))
        out.append(n)
        left -= n
    return out


def dream_float32(masks: int, steps: int, eps: float = 0.0, device=None) -> list[int]:
    """Dream's timestep schedule as its reference sampler evaluates it (schedule ``dream``, the
    Dream family's default): ``int(M_j * (1 - t_{j+1}/t_j))`` with M_j a float32 count and the
    grid ``torch.linspace(1, eps, steps + 1)`` in float32. The rounding can commit k-1 or even 0
    tokens in a step and more in the last one (``dream_float32(32, 8) == [4, 3, 4, 4, 4, 4, 4,
    5]``). It is evaluated on ``device`` (the sampler passes the model's), as the reference does.
    Checked on an H200 (torch 2.11, CUDA 13): CUDA's ``linspace`` grids and these counts equal the
    CPU's for every steps <= 1024 and for every (masks, steps) with masks in {8, ..., 512}."""
    import torch

    if masks <= 0:
        return []
    grid = torch.linspace(1, eps, steps + 1, device=device)
    left, out = masks, []
    for j in range(steps):
        if j == steps - 1:
            n = left
        else:
            ratio = 1 - grid[j + 1] / grid[j]
            n = int(torch.tensor(float(left), dtype=torch.float32, device=grid.device) * ratio)
        out.append(n)
        left -= n
    return out


SCHEDULES = {"llada": llada_uniform, "dream": dream_float32, "dream_exact": dream_timestep}
"""Schedule name -> function(masks, steps) (``DecodeConfig.schedule``)."""
