"""Answer sets of enumerable tasks and their exact conditional marginals.

A *problem* is one sample seen at item level: ``length`` output positions, a row-local item
vocabulary ``items`` (value ``v`` is ``items[v]``) and the set A(X) of valid answers, on which the
data distribution is uniform. An *assignment* is an int array of length ``length`` with ``-1`` for
positions not yet committed. Everything the ideal model and the theory need is expressed through
``counts(assign)``: how many valid answers agree with the committed positions, split by the value
each free position takes. Counting (not listing) keeps permutations tractable at n = 16.
"""
from __future__ import annotations

import itertools
import math
from typing import Hashable, Sequence

import numpy as np

FREE = -1


class Problem:
    """Base class: a uniform distribution over a set of item sequences of fixed length."""

    length: int
    items: list[str]

    @property
    def vocab_size(self) -> int:
        return len(self.items)

    def counts(self, assign: np.ndarray) -> tuple[np.ndarray, int]:
        """``(c, total)``: ``total`` valid answers agree with ``assign``; ``c[i, v]`` of them
        have value ``v`` at position ``i`` (committed positions: ``total`` at their value)."""
        raise NotImplementedError

    def num_answers(self) -> int:
        return self.counts(np.full(self.length, FREE))[1]

    def marginals(self, assign: np.ndarray) -> np.ndarray:
        """Float64 ``[length, V]``: P(y_i = v | X, committed). When nothing valid agrees with
        the committed positions (after a parallel-decoding error) a documented fallback is used."""
        c, total = self.counts(assign)
        if total == 0:
            c, total = self.fallback_counts(assign)
        # Element-wise c / total (exact Python-int division when counts exceed int64).
        return np.asarray(c / total, dtype=np.float64)

    def fallback_counts(self, assign: np.ndarray) -> tuple[np.ndarray, int]:
        """Counts over the answers that agree with the most committed positions."""
        raise NotImplementedError

    def is_valid(self, full: np.ndarray) -> bool:
        """Whether a complete assignment is one of the valid answers."""
        return bool(np.all(np.asarray(full) >= 0)) and self.counts(np.asarray(full))[1] > 0

    def projections(self, assign: np.ndarray, positions: Sequence[int],
                    limit: int | None = None) -> np.ndarray:
        """Distinct value tuples ``[N, len(positions)]`` that valid answers consistent with
        ``assign`` take at the (free) ``positions`` (``ValueError`` if there are more than
        ``limit``)."""
        raise NotImplementedError

    def key(self, assign: np.ndarray, symmetric: bool) -> Hashable:
        """A key equal for states with equal futures. ``symmetric`` = the decoding strategy is
        invariant under permuting positions, which allows coarser keys."""
        return tuple(int(a) for a in assign)

    def subset_key(self, assign: np.ndarray, subset: Sequence[int]) -> Hashable | None:
        """For symmetric strategies: a key equal for (state, subset) pairs that are isomorphic,
        or ``None`` when the problem cannot tell (no lumping)."""
        return None

    def next_keys(self, assign: np.ndarray, positions: Sequence[int], tuples: np.ndarray,
                  symmetric: bool) -> list[Hashable]:
        """``key`` of the state after committing each row of ``tuples`` at ``positions``."""
        out = []
        for t in tuples:
            nxt = np.array(assign)
            nxt[list(positions)] = t
            out.append(self.key(nxt, symmetric))
        return out

    def answers(self, limit: int = 200_000) -> np.ndarray:
        """All valid answers ``[N, length]`` (raises ``ValueError`` above ``limit``)."""
        raise NotImplementedError


class FiniteSetProblem(Problem):
    """A problem whose answers are listed explicitly (at most a few thousand)."""

    def __init__(self, answers: np.ndarray, items: Sequence[str]):
        a = np.asarray(answers, dtype=np.int64)
        if a.ndim != 2 or a.shape[0] == 0:
            raise ValueError("answers must be a non-empty [N, length] array")
        self._a = np.unique(a, axis=0)
        self.length = a.shape[1]
        self.items = list(items)

    def _consistent(self, assign: np.ndarray) -> np.ndarray:
        fixed = assign >= 0
        return np.all(self._a[:, fixed] == assign[fixed], axis=1)

    def _count_rows(self, rows: np.ndarray) -> np.ndarray:
        c = np.zeros((self.length, self.vocab_size), dtype=np.int64)
        if rows.shape[0]:
            np.add.at(c, (np.broadcast_to(np.arange(self.length), rows.shape), rows), 1)
        return c

    def counts(self, assign):
        rows = self._a[self._consistent(np.asarray(assign))]
        return self._count_rows(rows), int(rows.shape[0])

    def fallback_counts(self, assign):
        assign = np.asarray(assign)
        fixed = assign >= 0
        agree = (self._a[:, fixed] == assign[fixed]).sum(1)
        rows = self._a[agree == agree.max()]
        c = self._count_rows(rows)
        c[fixed] = 0
        c[np.flatnonzero(fixed), assign[fixed]] = rows.shape[0]
        return c, int(rows.shape[0])

    def projections(self, assign, positions, limit=None):
        rows = self._a[self._consistent(np.asarray(assign))]
        return np.unique(rows[:, list(positions)], axis=0)

    def answers(self, limit=200_000):
        return self._a.copy()


class PermutationProblem(Problem):
    """All orderings of ``n`` distinct items (the paper's Shuffle), optionally without the input
    order itself (what ``list_shuffle_score`` demands). Value ``v`` is input item ``v``."""

    def __init__(self, items: Sequence[str], exclude_identity: bool = False):
        self.items = list(items)
        self.length = len(self.items)
        if self.length < 1 or (exclude_identity and self.length < 2):
            raise ValueError("a shuffle needs at least 2 items when the input order is excluded")
        self.exclude_identity = exclude_identity

    def _parts(self, assign):
        assign = np.asarray(assign)
        used = assign[assign >= 0]
        ok = len(set(used.tolist())) == used.size
        free = np.flatnonzero(assign < 0)
        unused = np.setdiff1d(np.arange(self.length), used)
        identity = bool(np.all(assign[assign >= 0] == np.flatnonzero(assign >= 0)))
        return ok, free, unused, identity and self.exclude_identity

    def counts(self, assign):
        assign = np.asarray(assign)
        ok, free, unused, flag = self._parts(assign)
        n, m = self.length, free.size
        # (m-1)! overflows int64 from m = 22 on: fall back to exact Python integers there.
        c = np.zeros((n, n), dtype=np.int64 if m <= 20 else object)
        if not ok:
            return c, 0
        total = math.factorial(m) - (1 if flag else 0)
        if m:
            c[np.ix_(free, unused)] = math.factorial(m - 1)
            if flag:  # the one excluded completion puts every free item back in place
                c[free, free] -= 1
        fixed = np.flatnonzero(assign >= 0)
        c[fixed, assign[fixed]] = total
        return c, total

    def fallback_counts(self, assign):
        # After a duplicate, each free position is uniform over the items not used yet (or over
        # all items when none is left): the "uniform over unused items" rule, kept after errors.
        assign = np.asarray(assign)
        n = self.length
        c = np.zeros((n, n), dtype=np.float64)
        fixed = np.flatnonzero(assign >= 0)
        c[fixed, assign[fixed]] = 1.0
        unused = np.setdiff1d(np.arange(n), assign[fixed])
        pool = unused if unused.size else np.arange(n)
        c[np.ix_(np.flatnonzero(assign < 0), pool)] = 1.0 / pool.size
        return c, 1

    def projections(self, assign, positions, limit=None):
        ok, free, unused, flag = self._parts(assign)
        k = len(positions)
        if not ok:
            return np.zeros((0, k), dtype=np.int64)
        if limit is not None and math.perm(unused.size, k) > limit:
            raise ValueError(f"more than {limit} value tuples")
        tuples = np.array(list(itertools.permutations(unused.tolist(), k)), dtype=np.int64)
        tuples = tuples.reshape(-1, k)
        if flag and k == free.size:  # filling every free slot with its own item is excluded
            tuples = tuples[~np.all(tuples == np.asarray(positions), axis=1)]
        return tuples

    def key(self, assign, symmetric):
        ok, free, _unused, flag = self._parts(assign)
        if not ok:
            return ("invalid",)
        return (free.size, flag) if symmetric else (tuple(free.tolist()), flag)

    def next_keys(self, assign, positions, tuples, symmetric):
        ok, free, _unused, flag = self._parts(assign)
        pos = np.asarray(positions)
        flags = np.all(tuples == pos, axis=1) & flag if flag else np.zeros(len(tuples), bool)
        rest = (free.size - pos.size) if symmetric else tuple(sorted(set(free.tolist()) - set(pos.tolist())))
        return [(rest, bool(f)) for f in flags]

    def subset_key(self, assign, subset):
        ok, free, _unused, flag = self._parts(assign)
        return (free.size, flag, len(subset)) if ok else None

    def answers(self, limit=200_000):
        if math.factorial(self.length) > limit:
            raise ValueError(f"{self.length}! answers is too many to list")
        a = np.array(list(itertools.permutations(range(self.length))), dtype=np.int64)
        if self.exclude_identity:
            a = a[~np.all(a == np.arange(self.length), axis=1)]
        return a


def _perm_batch(n: int, exclude: bool, assign: np.ndarray) -> np.ndarray:
    """Vectorised ``PermutationProblem.marginals`` for rows of one size and convention."""
    b = assign.shape[0]
    fixed = assign >= 0
    onehot = np.zeros((b, n, n))
    r, c = np.nonzero(fixed)
    onehot[r, c, assign[r, c]] = 1.0
    uses = onehot.sum(1)  # [b, n]: how often each item is committed
    ok = np.all(uses <= 1, axis=1)
    m = (~fixed).sum(1)
    unused = uses == 0
    free = ~fixed
    # Fallback rows (a duplicate was committed): uniform over unused items, or all items.
    pool = np.where(unused.any(1, keepdims=True), unused, True)
    q = free[:, :, None] * pool[:, None, :] / pool.sum(1)[:, None, None]
    if exclude:
        ident = np.all(~fixed | (assign == np.arange(n)), axis=1) & ok
        fact = np.array([math.factorial(int(x)) for x in range(n + 1)], dtype=np.float64)
        mm = np.maximum(m, 1)
        total = fact[m] - ident
        base = np.where(total > 0, fact[mm - 1] / np.maximum(total, 1), 0.0)
        qi = free[:, :, None] * unused[:, None, :] * base[:, None, None]
        diag = np.where(total > 0, ident / np.maximum(total, 1), 0.0)
        qi[:, np.arange(n), np.arange(n)] -= free * diag[:, None]
        dead = ok & (total <= 0)  # only the excluded completion was left: use the fallback
        q = np.where((ok & ~dead)[:, None, None], qi, q)
    return q + onehot


def batch_marginals(problems: Sequence[Problem], assigns: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``[p.marginals(a) for p, a in zip(problems, assigns)]``, vectorised for Shuffle rows."""
    out: list[np.ndarray | None] = [None] * len(problems)
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(problems):
        if isinstance(p, PermutationProblem):
            groups.setdefault((p.length, p.exclude_identity), []).append(i)
        else:
            out[i] = p.marginals(assigns[i])
    for (n, exclude), idx in groups.items():
        q = _perm_batch(n, exclude, np.stack([assigns[i] for i in idx]))
        for j, i in enumerate(idx):
            out[i] = q[j]
    return out  # type: ignore[return-value]
