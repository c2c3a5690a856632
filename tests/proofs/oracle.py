"""An exact search over orders for small instances, on the theory evaluator's own stepper.

``fewest_violations(instance, bound, budget)`` explores orders depth-first with
``theory.evaluate.Timeline`` (any cache model, lru included), merging states with the same set of
processed queries and the same cache contents and keeping only Pareto-best (clock, violations)
pairs: the future depends on nothing else, and an earlier clock never hurts. It is exact.
"""
from __future__ import annotations

import copy
from typing import Sequence

from theory.cache import PreviousCache
from theory.evaluate import Timeline, evaluate
from theory.instance import Instance


def _cache_key(timeline: Timeline) -> object:
    cache = timeline.cache
    if isinstance(cache, PreviousCache):
        return None if cache.previous is None else cache.previous.id
    tree = cache.tree
    nodes = [n for n in tree.nodes() if n is not tree.root]
    if cache.capacity is None:
        return frozenset(n.path_units() for n in nodes if not n.children)
    return frozenset((n.path_units(), n.last_access) for n in nodes)


def _child(instance: Instance, timeline: Timeline, j: int) -> tuple[Timeline, float]:
    memo = {id(q): q for q in instance.queries}
    memo[id(instance)] = instance
    child = copy.deepcopy(timeline, memo)
    return child, child.process(j).ttft


def fewest_violations(instance: Instance, bound: float, budget: int) -> tuple[int, ...] | None:
    """Return an order with at most ``budget`` TTFTs over ``bound``, or None if none exists."""
    n, seen = instance.n, {}
    deadline = [q.arrival + bound for q in instance.queries]

    def late_lower_bound(done: frozenset, clock: float) -> int:
        return sum(1 for j in range(n) if j not in done and max(clock, instance.queries[j].arrival) > deadline[j])

    def dfs(done: frozenset, timeline: Timeline, viol: int, order: tuple) -> tuple | None:
        if len(order) == n:
            return order
        key = (done, _cache_key(timeline))
        front = seen.setdefault(key, [])
        if any(c <= timeline.clock and v <= viol for c, v in front):
            return None
        front.append((timeline.clock, viol))
        for j in range(n):
            if j in done:
                continue
            child, ttft = _child(instance, timeline, j)
            v = viol + (ttft > bound)
            nd = done | {j}
            if v + late_lower_bound(nd, child.clock) > budget:
                continue
            found = dfs(nd, child, v, order + (j,))
            if found is not None:
                return found
        return None

    order = dfs(frozenset(), Timeline(instance), 0, ())
    if order is not None:
        assert evaluate(instance, order).violations(bound) <= budget
    return order


def feasible_order(instance: Instance, bound: float | None = None) -> tuple[int, ...] | None:
    """Return an order meeting ``bound`` (default: the instance's) for every query, or None."""
    return fewest_violations(instance, instance.ttft_bound if bound is None else bound, 0)


def meets(instance: Instance, order: Sequence[int]) -> bool:
    """Return True when ``order`` gives every query TTFT <= the instance's bound."""
    return evaluate(instance, order).max_ttft <= instance.ttft_bound
