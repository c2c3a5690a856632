"""More online policies: SGLang's dfs-weight and HRRN, DLPM, shortest-uncached-first, slack-aware.

Each reads only the ``QueueView`` (and, in ``reset``, the instance it is given) and breaks every
tie by the earliest arrival, then the earlier position in the instance. ``service(i)`` below is
the processing time of query i now, ``cost.processing_time(|x_i|, overlap_i)``: its uncached
prefill cost under the instance's cost model.

Unlike LPM and k-LPM (indexed by ``solvers.waiting``), these policies rescore the whole waiting
queue at every decision: O(queue · prompt) per pick, fine for simulation at moderate load.
"""
from __future__ import annotations

import math
from typing import Sequence

from solvers.policies import register
from solvers.policy import Policy, QueueView
from theory.errors import InstanceError
from theory.instance import Instance, Query
from theory.radix import common_prefix


def _key(view: QueueView, i: int) -> tuple[float, int]:
    return (view.instance.queries[i].arrival, i)


def service(view: QueueView, i: int) -> float:
    """Return the processing time of query ``i`` if it started now (uncached cost)."""
    q = view.instance.queries[i]
    return view.instance.cost.processing_time(q.length, view.overlap(i))


def _cached_units(q: Query, tokens: int) -> int:
    """Return how many leading units of ``q`` make up its first ``tokens`` (cached) tokens."""
    if not q.segmented:
        return tokens
    k = 0
    while tokens > 0:
        tokens -= q.units[k][1]
        k += 1
    return k


@register("dfs-weight")
class DFSWeight(Policy):
    """SGLang's dfs-weight: walk the tree of cached prefixes of the waiting queries.

    Each waiting query hangs at the end of its cached prefix. The weight of a tree point is the
    number of waiting queries hanging at or below it. Starting at the root, repeatedly step into
    the child with the largest weight (ties: the child holding the oldest query); stop where no
    child holds a waiting query, and start the oldest query hanging there. (SGLang orders the whole
    queue by this depth-first walk, heavy children first, a node's own requests after its
    children; the first request of that order is exactly this one.) With the previous cache all
    cached prefixes lie on one path, so this is LPM."""

    def choose(self, view: QueueView) -> int:
        queries = view.instance.queries
        cand = [(queries[i].units[:_cached_units(queries[i], view.overlap(i))], i) for i in view.waiting()]
        depth = 0
        while True:
            ended = [c for c in cand if len(c[0]) == depth]
            deeper: dict = {}
            for c in cand:
                if len(c[0]) > depth:
                    deeper.setdefault(c[0][depth], []).append(c)
            if not deeper:
                return min(ended, key=lambda c: _key(view, c[1]))[1]
            cand = min(deeper.values(), key=lambda g: (-len(g), min(_key(view, c[1]) for c in g)))
            depth += 1 + _shared_run(cand, depth + 1)


def _shared_run(cand: list, start: int) -> int:
    """Return how many units from ``start`` on every candidate prefix shares (a compressed edge)."""
    first = cand[0][0]
    run = len(first) - start
    for units, _ in cand[1:]:
        run = min(run, len(units) - start, common_prefix(first, start, units, start))
        if run <= 0:
            return 0
    return max(run, 0)


@register("hrrn")
class HRRN(Policy):
    """Highest response ratio next: max (wait + service) / service, wait = now − arrival.

    A query with service 0 (fully cached, base 0) has an infinite ratio and goes first."""

    def choose(self, view: QueueView) -> int:
        def ratio(i: int) -> float:
            s = service(view, i)
            wait = view.now - view.instance.queries[i].arrival
            return math.inf if s == 0 else (wait + s) / s
        return min(view.waiting(), key=lambda i: (-ratio(i), _key(view, i)))


@register("spf")
class SPF(Policy):
    """Shortest uncached prefill first: min service(i); ties to the oldest."""

    def choose(self, view: QueueView) -> int:
        return min(view.waiting(), key=lambda i: (service(view, i), _key(view, i)))


def common_prefix_units(queries: Sequence[Query]) -> int:
    """Return the number of leading units that every prompt in ``queries`` shares."""
    first = queries[0].units
    k = len(first)
    for q in queries[1:]:
        k = min(k, common_prefix(first, 0, q.units, 0))
        if k == 0:
            break
    return k


@register("dlpm")
class DLPM(Policy):
    """DLPM (Deficit LPM, arXiv 2501.14312) with one server: LPM among groups with credit.

    Group of a query: its units ``[c, c + group_units)``, where c is the number of leading units
    shared by *every* prompt of the instance (computed once in ``reset``; a prefix common to all
    identifies nobody, e.g. a global instruction) or 0 with ``skip_common=False``. Each group has
    a deficit counter, 0 at first. A pick takes the longest-prefix-match query (ties: oldest)
    among waiting queries whose group has a deficit > 0, and charges its group service(i). When
    no waiting group has credit, every waiting group receives ``quantum`` as many times as needed
    for at least one to have credit. A group with no waiting query keeps its debt but loses any
    credit (no banking while idle, as in deficit round robin)."""

    def __init__(self, quantum: float = 1000.0, group_units: int = 16, skip_common: bool = True) -> None:
        if isinstance(quantum, bool) or not isinstance(quantum, (int, float)) or not 0 < quantum < math.inf:
            raise InstanceError(f"quantum: must be a finite number > 0, got {quantum!r}")
        if isinstance(group_units, bool) or not isinstance(group_units, int) or group_units < 1:
            raise InstanceError(f"group_units: must be an integer >= 1, got {group_units!r}")
        self.quantum, self.group_units, self.skip_common = float(quantum), group_units, bool(skip_common)
        self.group: list[int] = []
        self.deficit: dict[int, float] = {}

    def reset(self, instance: Instance) -> None:
        skip = common_prefix_units(instance.queries) if self.skip_common else 0
        ids: dict = {}
        self.group = [ids.setdefault(q.units[skip:skip + self.group_units], len(ids)) for q in instance.queries]
        self.deficit = {}

    def choose(self, view: QueueView) -> int:
        waiting = list(view.waiting())
        active = {self.group[i] for i in waiting}
        for g in self.deficit:
            if g not in active and self.deficit[g] > 0:
                self.deficit[g] = 0.0
        d = self.deficit
        eligible = [i for i in waiting if d.get(self.group[i], 0.0) > 0]
        if not eligible:
            top = max(d.get(g, 0.0) for g in active)  # the least indebted group gets credit first
            rounds = math.floor(-top / self.quantum) + 1
            while top + rounds * self.quantum <= 0:  # float round-off (e.g. 146.1 / 0.05)
                rounds += max(1, math.ceil(rounds * 1e-12))
            for g in active:
                d[g] = d.get(g, 0.0) + rounds * self.quantum
            eligible = [i for i in waiting if d[self.group[i]] > 0]
        pick = min(eligible, key=lambda i: (-view.overlap(i), _key(view, i)))
        d[self.group[pick]] -= service(view, pick)
        return pick

    def describe(self) -> str:
        return f"dlpm(quantum={self.quantum:g},group_units={self.group_units})"


@register("slack")
class Slack(Policy):
    """Slack-aware LPM: protect queries that the LPM pick would push over the TTFT bound T.

    Let l be the LPM pick and slack(i) = T − (now − arrival_i) − service(i), the time query i can
    still wait and meet T. A waiting query i ≠ l is *at risk* if 0 ≤ slack(i) < service(l) +
    margin: starting l first would (by its current cached overlap) push i over T, while starting
    i now still meets it. If any query is at risk, start the one with the least slack (ties:
    oldest); otherwise start l. Queries with negative slack can no longer meet T and get no
    priority (the rule aims at the number of queries within T, not at the maximum TTFT), so under
    overload they wait for LPM to reach them. Without a bound (no ``ttft_bound`` in the instance
    and none given here) no query is ever at risk and the policy is plain LPM."""

    def __init__(self, margin: float = 0.0, bound: float | None = None) -> None:
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not math.isfinite(margin):
            raise InstanceError(f"margin: must be a finite number, got {margin!r}")
        if bound is not None and (not isinstance(bound, (int, float)) or not 0 <= bound < math.inf):
            raise InstanceError(f"bound: must be a finite number >= 0, got {bound!r}")
        self.margin, self.bound = float(margin), bound

    def choose(self, view: QueueView) -> int:
        lpm = view.longest_match()[0]
        bound = self.bound if self.bound is not None else view.instance.ttft_bound
        if bound is None:
            return lpm
        limit = service(view, lpm) + self.margin
        best, best_key = lpm, None
        for i in view.waiting():
            if i == lpm:
                continue
            s = bound - (view.now - view.instance.queries[i].arrival) - service(view, i)
            key = (s, _key(view, i))
            if 0 <= s < limit and (best_key is None or key < best_key):
                best, best_key = i, key
        return best

    def describe(self) -> str:
        return f"slack(margin={self.margin:g})"
