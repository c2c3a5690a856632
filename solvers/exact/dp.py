"""Exact dynamic program over subsets (Held-Karp style) with Pareto fronts.

State for the previous cache: (set processed, last query); for the radix cache: the set alone,
since the cache then holds exactly the union of the processed prompts. Each state keeps the
Pareto front of (finish time, objective so far) pairs: a later finish never helps the future
and every objective here is monotone in each TTFT, so dominated pairs can be dropped. Starts
are earliest (optimal for these regular objectives). Pruning is exact: partial objectives above
the warm-start value (or above the allowance of a decision objective) are cut, for max-TTFT
and feasibility a waiting query that cannot meet the cap even at its cheapest cuts the state,
and twin queries are taken in the order ``symmetry.predecessors`` allows.
Size limits: as many states as 18 queries (previous) or 20 (radix) without twins would have,
estimated from the twin chains, and 60 queries at most; lru is not supported (its state is the
cache).
"""
from __future__ import annotations

import math

from solvers.exact.base import Limits, Outcome, Solver
from solvers.exact.data import PairData, min_proc, pair_data, require_cache, require_size
from solvers.exact.objectives import Goal
from solvers.exact.result import Status
from solvers.exact.symmetry import chain_sizes, predecessors
from theory.errors import InstanceError
from theory.instance import Instance

DP_LIMITS: dict[str, int] = {"previous": 18, "radix": 20}
HARD_LIMIT = 60
TOL = 1e-9


def _insert(front: list, entry: tuple) -> None:
    f, a = entry[0], entry[1]
    for e in front:
        if e[0] <= f and e[1] <= a:
            return
    front[:] = [e for e in front if not (f <= e[0] and a <= e[1])]
    front.append(entry)


def _cap(goal: Goal, limits: Limits) -> float | None:
    if goal.name == "max-ttft":
        return limits.warm_value
    return goal.bound if goal.name == "feasible" else None


class DPSolver(Solver):
    """Exact DP; proves OPTIMAL/INFEASIBLE unless the time limit runs out first."""

    name = "dp"

    def check(self, instance: Instance, goal: Goal) -> None:
        """Refuse lru, more than 60 queries, or more states than 18 (previous) / 20 (radix)
        queries without twins would have: the state count is estimated from the twin chains."""
        require_cache(instance, self.name)
        require_size(instance, self.name, HARD_LIMIT)
        limit = DP_LIMITS[instance.cost.cache]
        states = 1
        for size in chain_sizes(instance, goal.name, pair_data(instance)):
            states *= size + 1
        radix = instance.cost.cache == "radix"
        if states * (1 if radix else instance.n) > 2 ** limit * (1 if radix else limit):
            raise InstanceError(f"solver dp: about {states} subsets is too many (the limit is that of "
                                f"{limit} queries without twins under the {instance.cost.cache} cache); "
                                "use cpsat or milp")

    def search(self, instance: Instance, goal: Goal, limits: Limits) -> Outcome:
        data = pair_data(instance)
        n, radix = instance.n, instance.cost.cache == "radix"
        ub = math.inf if goal.is_decision or limits.warm_value is None else limits.warm_value
        cap = _cap(goal, limits)
        cheapest = [min_proc(data, j) for j in range(n)]
        need = predecessors(instance, goal.name, data)
        layer: dict = {(0, -1): ((0,) * n, [(0.0, 0, -1, None)])}
        for _ in range(n):
            nxt: dict = {}
            for (mask, last), (reuse, front) in layer.items():
                if limits.expired():
                    return Outcome(Status.UNKNOWN, None)
                for j in range(n):
                    if mask >> j & 1 or need[j] & mask != need[j]:
                        continue
                    key = (mask | 1 << j, -1 if radix else j)
                    for entry in front:
                        self._push(data, goal, entry, j, last, reuse, nxt, key, ub, cap, cheapest, radix)
            layer = nxt
        return self._best(goal, layer, limits)

    @staticmethod
    def _push(data: PairData, goal: Goal, entry: tuple, j: int, last: int, reuse: tuple,
              nxt: dict, key: tuple, ub: float, cap: float | None, cheapest: list, radix: bool) -> None:
        if radix:
            p = data.reuse_time(j, reuse[j])
        else:
            p = data.first[j] if last < 0 else data.proc[last][j]
        finish = max(entry[0], data.arrival[j]) + p
        acc = goal.step(entry[1], finish - data.arrival[j])
        if acc > ub + TOL * max(1.0, abs(ub)) or goal.prune(acc):
            return
        mask = key[0]
        if cap is not None:
            for k in range(len(cheapest)):
                if not mask >> k & 1 and max(finish, data.arrival[k]) + cheapest[k] - data.arrival[k] > cap + TOL * max(1.0, cap):
                    return
        if key not in nxt:
            new_reuse = tuple(max(r, data.lcp[j][k]) for k, r in enumerate(reuse)) if radix else reuse
            nxt[key] = (new_reuse, [])
        _insert(nxt[key][1], (finish, acc, j, entry))

    @staticmethod
    def _best(goal: Goal, layer: dict, limits: Limits) -> Outcome:
        best = None
        for _, front in layer.values():
            for entry in front:
                if best is None or entry[1] < best[1]:
                    best = entry
        if best is None:
            # Every completion was cut by an exact rule: proven infeasible, or (cannot happen
            # for a warm order, whose own path is never cut) the warm start is optimal.
            if goal.is_decision or limits.warm_order is None:
                return Outcome(Status.INFEASIBLE, None)
            return Outcome(Status.OPTIMAL, limits.warm_order, limits.warm_value)
        order, e = [], best
        while e[3] is not None:
            order.append(e[2])
            e = e[3]
        return Outcome(Status.OPTIMAL, tuple(reversed(order)), best[1])
