"""The masked-diffusion SFT objective: what is masked, how the loss is weighted, the shift."""
from __future__ import annotations

import math

import torch
from torch.nn import functional as F

from parallelbench.train.data import Example, collate
from parallelbench.train.objective import add_noise, sft_loss

MASK = 9


def test_noise_masks_only_the_response_with_probability_t():
    ids = torch.arange(1, 201).remainder(8).expand(400, 200).clone()
    plen = torch.randint(0, 100, (400,))
    noisy, masked, t = add_noise(ids, plen, MASK, torch.Generator().manual_seed(0))
    pos = torch.arange(200)[None, :]
    assert not masked[pos < plen[:, None]].any()               # the prompt stays clean
    assert torch.equal(noisy[~masked], ids[~masked]) and (noisy[masked] == MASK).all()
    assert (t > 0).all() and (t <= 1).all()
    rate = masked.sum(1) / (200 - plen)
    assert torch.corrcoef(torch.stack([rate, t]))[0, 1] > 0.95  # each row at its own level
    assert abs(float(t.mean()) - 0.5) < 0.05                    # t ~ U(0, 1]


def test_loss_is_the_one_over_t_weighted_masked_cross_entropy():
    torch.manual_seed(0)
    ids = torch.randint(0, 8, (3, 10))
    plen = torch.tensor([2, 5, 7])
    table = torch.randn(3, 10, 10)

    def forward(x):  # logits that ignore the input: the loss is then easy to recompute
        return table.clone()

    gen = torch.Generator().manual_seed(3)
    loss, count = sft_loss(forward, ids, plen, MASK, gen)
    _, masked, t = add_noise(ids, plen, MASK, torch.Generator().manual_seed(3))
    expected = 0.0
    for b in range(3):
        for i in masked[b].nonzero().flatten().tolist():
            ce = F.cross_entropy(table[b, i][None], ids[b, i][None]).item()
            expected += ce / float(t[b]) / (10 - int(plen[b]))
    assert count == int(masked.sum()) > 0
    assert math.isclose(float(loss), expected / 3, rel_tol=1e-5)


def test_shifted_families_read_the_previous_row():
    ids = torch.tensor([[1, 2, 3, 4, 5, 6]])
    plen = torch.tensor([2])
    seen = {}

    def forward(x):
        logits = torch.full((1, 6, 10), -10.0)
        logits[0, torch.arange(5), ids[0, 1:]] = 10.0  # row i predicts token i + 1
        seen["x"] = x
        return logits

    for seed in range(5):
        loss, count = sft_loss(forward, ids, plen, MASK, torch.Generator().manual_seed(seed),
                               shift_logits=True)
        assert count == 0 or float(loss) < 1e-3
    loss, count = sft_loss(forward, ids, plen, MASK, torch.Generator().manual_seed(1))
    assert count == 0 or float(loss) > 1.0  # unshifted, the same logits are wrong


def test_collate_pads_with_eos_as_response():
    ids, plen = collate([Example((1, 2, 3), 2), Example((4, 5, 6, 7, 8), 1)], pad_id=3)
    assert ids.tolist() == [[1, 2, 3, 3, 3], [4, 5, 6, 7, 8]] and plen.tolist() == [2, 1]


def test_each_calling_convention_trains_with_its_objective():
    from parallelbench.models.families import FAMILIES
    from parallelbench.train.objective import OBJECTIVES, batch_loss, objective_for

    wanted = {"llada": "masked", "llada_moe": "masked", "dream": "masked", "generic": "masked",
              "llada2": "block_diffusion", "diffusion_gemma": "canvas"}
    assert {name: objective_for(spec.convention) for name, spec in FAMILIES.items()} == wanted
    assert set(wanted.values()) <= set(OBJECTIVES)

    class Plain:  # no ``objective`` attribute: the masked objective, through ``forward``
        mask_id, shift_logits, device = MASK, False, "cpu"

        def forward(self, x):
            return torch.nn.functional.one_hot(x.clamp(max=9), 10).float()

    ids, plen = torch.randint(0, 8, (4, 9)), torch.tensor([2, 3, 4, 5])
    got = batch_loss(Plain(), ids, plen, torch.Generator().manual_seed(0))
    ref = sft_loss(Plain().forward, ids, plen, MASK, torch.Generator().manual_seed(0))
    assert got[1] == ref[1] and float(got[0]) == float(ref[0])
