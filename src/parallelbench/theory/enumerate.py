"""Exact accuracy of the ideal model under a decoding strategy, by walking the decoding tree.

Every branch is weighted by its probability: random position choices, random tie-breaks among
equal scores and among equally likely greedy tokens, and temperature draws. A branch whose
committed items no valid answer agrees with is a failure (committed items are final), so it is
cut with value 0; a state with a single valid completion is a success. States with equal futures
share one value (memoised by the problem's ``key``, which for position-symmetric strategies
ignores which positions are free, e.g. Shuffle states reduce to "m slots left").

Semantics follow ``parallelbench.decoding`` (DECODING.md sections 1, 3, 4.1, 4.3, 8): the LLaDA
uniform schedule per block, confidence = marginal of the chosen item (untempered), threshold pass
rule c >= gamma with the best candidate always committed; exact ties count as ties.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..ideal.problems import FREE, Problem

STRATEGIES = ("random", "l2r", "confidence-topk", "topk-margin", "entropy-topk", "confidence-threshold")
_ALIASES = {"topk_random": "random", "left_to_right": "l2r", "confidence": "confidence-topk",
            "low_confidence": "confidence-topk", "topk_confidence": "confidence-topk",
            "margin": "topk-margin", "topk_margin": "topk-margin", "entropy": "entropy-topk",
            "threshold": "confidence-threshold", "confidence_threshold": "confidence-threshold"}


MAX_WORK = 60_000  # outcomes walked before giving up (about 10 s on one core)


class Intractable(Exception):
    """The decoding tree is too large to walk (use Monte Carlo)."""


def canonical_strategy(name: str) -> str:
    """Public id of a strategy name (accepts the sampler's aliases)."""
    try:
        from ..decoding import get_strategy

        name = get_strategy(name).id
    except Exception:  # unknown to the sampler or sampler absent: try our own aliases
        name = _ALIASES.get(name, name)
    return name


@dataclass(frozen=True)
class DecodeSpec:
    """The decoding settings the exact walk understands (item level)."""

    strategy: str = "confidence-topk"
    k: int | None = None
    steps: int | None = None
    block_length: int | None = None
    threshold: float | None = None
    temperature: float = 0.0
    strict: bool = False

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> "DecodeSpec":
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in cfg.items() if k in known})


class _Walk:
    def __init__(self, problem: Problem, spec: DecodeSpec, max_work: int):
        self.p, self.spec, self.max_work, self.work = problem, spec, max_work, 0
        self.strategy = canonical_strategy(spec.strategy)
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"exact enumeration supports {', '.join(STRATEGIES)}, not {spec.strategy!r}")
        G = problem.length
        self.B = spec.block_length or G
        if G % self.B:
            raise ConfigError(f"block_length {self.B} does not divide the answer length {G}")
        self.adaptive = self.strategy == "confidence-threshold"
        if self.adaptive:
            self.gamma = 0.9 if spec.threshold is None else float(spec.threshold)
        else:
            from ..decoding.schedules import llada_uniform

            if (spec.k is None) == (spec.steps is None):
                raise ConfigError("give exactly one of k and steps for a fixed-count strategy")
            nb = G // self.B
            s = spec.steps // nb if spec.steps else math.ceil(self.B / spec.k)
            self.schedule = llada_uniform(self.B, s)
        self.symmetric = self.strategy != "l2r" and self.B == G
        self.memo: dict[Any, float] = {}

    # -- per-candidate token classes -------------------------------------------------------
    def _classes(self, c: np.ndarray, total: int, pos: int) -> list[tuple[float, Any, np.ndarray, float]]:
        """[(class probability, score, token distribution, confidence)] for one position."""
        q = c / total
        T = float(self.spec.temperature or 0.0)
        if T == 0:
            top = c == c.max()
            dist = top / top.sum()
            return [(1.0, self._score(c, q, int(c.max()), pos), dist, float(q.max()))]
        pi = np.where(q > 0, q ** (1.0 / T), 0.0)
        pi = pi / pi.sum()
        if self.strategy not in ("confidence-topk", "confidence-threshold"):
            return [(1.0, self._score(c, q, None, pos), pi, float("nan"))]
        out = []
        for val in np.unique(c[c > 0]):
            sel = c == val
            mass = float(pi[sel].sum())
            out.append((mass, int(val), np.where(sel, pi, 0.0) / mass, float(val / total)))
        return out

    def _score(self, c, q, top, pos):
        s = self.strategy
        if s in ("confidence-topk", "confidence-threshold"):
            return top
        if s == "topk-margin":
            two = np.sort(c)[::-1]
            return int(two[0] - (two[1] if two.size > 1 else 0))
        if s == "entropy-topk":
            return round(float(np.sum(q * np.log(q + 1e-10))), 11)
        return -pos if s == "l2r" else 0

    # -- selections -------------------------------------------------------------------------
    def _selections(self, scores: list, confs: list[float], n: int | None):
        """[(probability, chosen candidate indices)] over the random tie-breaks."""
        idx = list(range(len(scores)))
        if self.adaptive:
            g, tol = self.gamma, 1e-12
            sure = [i for i in idx if confs[i] >= g + tol]
            edge = [i for i in idx if abs(confs[i] - g) < tol]
            if float(self.spec.temperature or 0.0) == 0:
                # Greedy: the model nudges c = gamma up (c >= gamma passes) or, for the strict
                # rule c > gamma, down (it fails): either way the edge is decided.
                sure, edge = (sure if self.spec.strict else sure + edge), []
            out = []
            best = max(scores)
            tied = [i for i in idx if scores[i] == best]
            # Sampling: a confidence exactly at gamma passes with probability 1/2 (the model's
            # zero-mean logit noise), independently per position.
            for r in range(len(edge) + 1):
                for extra in itertools.combinations(edge, r):
                    prob = 0.5 ** len(edge)
                    passed = sorted(sure + list(extra))
                    if passed:
                        out.append((prob, tuple(passed)))
                    else:
                        out.extend((prob / len(tied), (i,)) for i in tied)
            return out
        order = sorted(idx, key=lambda i: scores[i], reverse=True)
        cut = scores[order[n - 1]]
        above = [i for i in idx if scores[i] > cut]
        tied = [i for i in idx if scores[i] == cut]
        r = n - len(above)
        combos = list(itertools.combinations(tied, r))
        return [(1.0 / len(combos), tuple(sorted(above + list(t)))) for t in combos]

    # -- recursion --------------------------------------------------------------------------
    def value(self, assign: np.ndarray, step: int) -> float:
        free = np.flatnonzero(assign == FREE)
        c, total = self.p.counts(assign)
        if free.size == 0:
            return 1.0 if total > 0 else 0.0
        if total <= 1:
            return float(total)
        key = (self.p.key(assign, self.symmetric), step)
        if key in self.memo:
            return self.memo[key]
        block = free[0] // self.B
        cands = free[free // self.B == block]
        per = [self._classes(c[i], total, int(i)) for i in cands]
        n = None if self.adaptive else self.schedule[min(step, len(self.schedule) - 1)]
        acc = 0.0
        for profile in itertools.product(*per):
            pprob = math.prod(cl[0] for cl in profile)
            if pprob == 0:
                continue
            sels = self._selections([cl[1] for cl in profile], [cl[3] for cl in profile], n)
            sels = self._lump(assign, cands, sels, len(per) and all(len(x) == 1 for x in per))
            for sprob, chosen in sels:
                positions = [int(cands[i]) for i in chosen]
                dists = np.stack([profile[i][2] for i in chosen])
                acc += pprob * sprob * self._commit(assign, positions, dists, block, step)
        self.memo[key] = acc
        return acc

    def _lump(self, assign, cands, sels, uniform_profile):
        if not (self.symmetric and uniform_profile) or len(sels) < 2:
            return sels
        groups: dict[Any, list] = {}
        for prob, chosen in sels:
            k = self.p.subset_key(assign, [int(cands[i]) for i in chosen])
            if k is None:
                return sels
            groups.setdefault(k, [0.0, chosen])[0] += prob
        return [(v[0], v[1]) for v in groups.values()]

    def _commit(self, assign, positions, dists, block, step) -> float:
        try:
            tuples = self.p.projections(assign, positions, limit=self.max_work - self.work)
        except ValueError:
            raise Intractable(f"decoding tree exceeds {self.max_work} outcomes") from None
        self.work += len(tuples) + 1
        if self.work > self.max_work:
            raise Intractable(f"decoding tree exceeds {self.max_work} outcomes")
        if len(tuples) == 0:
            return 0.0
        probs = dists[np.arange(len(positions))[None, :], tuples].prod(1)
        keep = probs > 0
        tuples, probs = tuples[keep], probs[keep]
        keys = self.p.next_keys(assign, positions, tuples, self.symmetric)
        groups: dict[Any, list] = {}
        for key, t, pr in zip(keys, tuples, probs):
            g = groups.setdefault(key, [0.0, t])
            g[0] += pr
        total = 0.0
        for prob, t in groups.values():
            nxt = assign.copy()
            nxt[positions] = t
            in_block = np.arange(block * self.B, (block + 1) * self.B)
            done = not np.any(nxt[in_block] == FREE)
            total += prob * self.value(nxt, 0 if done else step + 1)
        return total


def exact_accuracy(problem: Problem, spec: DecodeSpec | dict, max_work: int = MAX_WORK) -> float:
    """Probability that the ideal model decodes a valid answer (raises ``Intractable``)."""
    spec = spec if isinstance(spec, DecodeSpec) else DecodeSpec.from_config(spec)
    walk = _Walk(problem, spec, max_work)
    if not walk.adaptive and max(walk.schedule) == 1:
        # One item per step from exact conditionals only ever commits a value that some valid
        # answer consistent with the past takes: success is certain, whatever the order.
        return 1.0
    return walk.value(np.full(problem.length, FREE, dtype=np.int64), 0)
