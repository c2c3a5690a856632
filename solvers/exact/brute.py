"""Brute force over all n! orders: the independent oracle for the other back-ends.

Previous and radix caches: a depth-first walk over all partial orders (earliest starts, times
from ``CostModel.processing_time`` on pairwise prefix overlaps), with no pruning except the
allowance of decision objectives. The lru cache: every permutation scored by
``theory.evaluate`` itself. Limits: 9 queries (previous, radix), 8 (lru).
"""
from __future__ import annotations

import itertools

from solvers.exact.base import Limits, Outcome, Solver
from solvers.exact.data import PairData, pair_data, require_cache, require_size
from solvers.exact.objectives import Goal
from solvers.exact.result import Status
from theory.evaluate import evaluate
from theory.instance import Instance

BRUTE_LIMITS: dict[str, int] = {"previous": 9, "radix": 9, "lru": 8}


class _Walk:
    """Depth-first enumeration state (mutable, one per search)."""

    def __init__(self, data: PairData, goal: Goal, limits: Limits, radix: bool) -> None:
        self.data, self.goal, self.limits, self.radix = data, goal, limits, radix
        self.n = len(data.arrival)
        self.best: tuple[float, tuple[int, ...]] | None = None
        self.order: list[int] = []
        self.nodes = 0
        self.timed_out = False

    def run(self, used: int, last: int, reuse: tuple, finish: float, acc: float) -> None:
        if len(self.order) == self.n:
            if self.best is None or acc < self.best[0]:
                self.best = (acc, tuple(self.order))
            return
        self.nodes += 1
        if self.nodes % 4096 == 0 and self.limits.expired():
            self.timed_out = True
        if self.timed_out:
            return
        d = self.data
        for j in range(self.n):
            if used >> j & 1:
                continue
            if self.radix:
                p = d.reuse_time(j, reuse[j])
            else:
                p = d.first[j] if last < 0 else d.proc[last][j]
            f = max(finish, d.arrival[j]) + p
            a = self.goal.step(acc, f - d.arrival[j])
            if self.goal.prune(a):
                continue
            nr = tuple(max(r, d.lcp[j][k]) for k, r in enumerate(reuse)) if self.radix else reuse
            self.order.append(j)
            self.run(used | 1 << j, j, nr, f, a)
            self.order.pop()


class BruteSolver(Solver):
    """Enumerates every order; OPTIMAL/INFEASIBLE are proven by exhaustion."""

    name = "brute"

    def check(self, instance: Instance, goal: Goal) -> None:
        require_cache(instance, self.name, ("previous", "radix", "lru"))
        require_size(instance, self.name, BRUTE_LIMITS[instance.cost.cache])

    def search(self, instance: Instance, goal: Goal, limits: Limits) -> Outcome:
        if instance.cost.cache == "lru":
            return self._by_evaluator(instance, goal, limits)
        walk = _Walk(pair_data(instance), goal, limits, instance.cost.cache == "radix")
        walk.run(0, -1, (0,) * instance.n, 0.0, 0)
        return self._outcome(goal, walk.best, walk.timed_out)

    def _by_evaluator(self, instance: Instance, goal: Goal, limits: Limits) -> Outcome:
        best = None
        for k, order in enumerate(itertools.permutations(range(instance.n))):
            if k % 256 == 0 and limits.expired():
                return self._outcome(goal, best, True)
            ev = evaluate(instance, order)
            if goal.is_decision and not goal.meets(ev):
                continue
            value = goal.value(ev)
            if best is None or value < best[0]:
                best = (value, order)
        return self._outcome(goal, best, False)

    @staticmethod
    def _outcome(goal: Goal, best: tuple | None, timed_out: bool) -> Outcome:
        if best is None:
            return Outcome(Status.UNKNOWN if timed_out else Status.INFEASIBLE, None)
        if goal.is_decision:
            return Outcome(Status.OPTIMAL, best[1], best[0])
        return Outcome(Status.FEASIBLE if timed_out else Status.OPTIMAL, best[1], best[0])
