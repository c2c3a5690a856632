"""The one evaluator: start, finish, reused tokens and TTFT of every query for a given order.

Every simulator run, solver result and runtime trace in klpm is scored by this module.
Semantics (the spec's): one server, one query at a time, non-preemptive; the server is free at
time 0; a query starts at ``max(previous finish, arrival)`` unless a later start is given (the
server may idle); ``TTFT_j = finish_j - arrival_j``.

``TTFT <= T`` is decided by ``exceeds`` up to float round-off (relative ``TIME_RTOL``): finish
minus arrival in floating point can land a few ulps above a bound that the exact arithmetic meets
(1.5 + 1.11 - 1.5 is 1.1100000000000003), and the exact solvers, which work on integers scaled
by a power of ten, meet it. Every bound check in klpm goes through ``exceeds``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from theory.cache import make_cache
from theory.errors import InstanceError
from theory.instance import Instance


TIME_RTOL = 1e-9


def exceeds(ttft: float, bound: float) -> bool:
    """Return True when ``ttft`` is above ``bound`` by more than round-off
    (``TIME_RTOL * max(1, |bound|)``), i.e. when the query misses the bound."""
    return ttft > bound + TIME_RTOL * max(1.0, abs(bound))


@dataclass(frozen=True)
class Step:
    """One processed query: its index, start, finish, reused tokens and TTFT."""

    index: int
    start: float
    finish: float
    reused: int
    ttft: float


class Timeline:
    """Processes queries one at a time on one server (mutable; used by evaluate and simulators)."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.cache = make_cache(instance.cost)
        self.clock = 0.0
        self.steps = 0

    def overlap(self, index: int) -> int:
        """Return the tokens query ``index`` would reuse if it started now (pure)."""
        return self.cache.match(self.instance.queries[index])

    def process(self, index: int, start: float | None = None) -> Step:
        """Run query ``index`` next, at ``start`` or as early as possible; return its Step."""
        q = self.instance.queries[index]
        earliest = max(self.clock, q.arrival)
        if start is None:
            start = earliest
        elif start < earliest:
            raise InstanceError(f"start of {q.id!r}: {start} is before its earliest start {earliest}")
        reused = self.cache.match(q)
        finish = start + self.instance.cost.processing_time(q.length, reused)
        self.cache.admit(q, self.steps)
        self.steps += 1
        self.clock = finish
        return Step(index, start, finish, reused, finish - q.arrival)


@dataclass(frozen=True)
class Evaluation:
    """Per-query results of an order; tuples are indexed by query position in the instance."""

    order: tuple[int, ...]
    start: tuple[float, ...]
    finish: tuple[float, ...]
    reused: tuple[int, ...]
    ttft: tuple[float, ...]

    @property
    def max_ttft(self) -> float:
        """Return the maximum TTFT."""
        return max(self.ttft)

    @property
    def total_ttft(self) -> float:
        """Return the sum of TTFTs."""
        return sum(self.ttft)

    @property
    def makespan(self) -> float:
        """Return the finish time of the last query."""
        return max(self.finish)

    def violations(self, bound: float) -> int:
        """Return the number of queries whose TTFT exceeds ``bound`` (see ``exceeds``)."""
        return sum(1 for t in self.ttft if exceeds(t, bound))


def check_order(instance: Instance, order: Sequence[int]) -> tuple[int, ...]:
    """Return ``order`` as a tuple after checking it is a permutation of the query indices."""
    order = tuple(order)
    if sorted(order) != list(range(instance.n)):
        seen, dup = set(), None
        for i in order:
            if i in seen:
                dup = i
            seen.add(i)
        if dup is not None:
            raise InstanceError(f"order: query {instance.queries[dup].id!r} appears twice")
        missing = sorted(set(range(instance.n)) - seen)
        if missing:
            raise InstanceError(f"order: query {instance.queries[missing[0]].id!r} is missing")
        raise InstanceError("order: contains an index that is not a query")
    return order


def order_from_ids(instance: Instance, ids: Sequence[str]) -> tuple[int, ...]:
    """Return the index order for a list of query ids (InstanceError for unknown ids)."""
    out = []
    for k, qid in enumerate(ids):
        if not isinstance(qid, str):
            raise InstanceError(f"order[{k}]: must be a query id string, got {qid!r}")
        try:
            out.append(instance.index_of(qid))
        except KeyError:
            raise InstanceError(f"order[{k}]: unknown query id {qid!r}") from None
    return check_order(instance, out)


def evaluate(instance: Instance, order: Sequence[int],
             starts: Mapping[int, float] | None = None) -> Evaluation:
    """Return the Evaluation of processing ``order`` (indices), with optional explicit starts."""
    order = check_order(instance, order)
    timeline = Timeline(instance)
    n = instance.n
    start, finish, reused, ttft = [0.0] * n, [0.0] * n, [0] * n, [0.0] * n
    for i in order:
        step = timeline.process(i, None if starts is None else starts.get(i))
        start[i], finish[i], reused[i], ttft[i] = step.start, step.finish, step.reused, step.ttft
    return Evaluation(order, tuple(start), tuple(finish), tuple(reused), tuple(ttft))
