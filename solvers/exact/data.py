"""Pairwise data shared by the exact back-ends, built from the theory's own functions.

``lcp[i][j]``: tokens query ``j`` reuses from query ``i`` (longest common prefix in tokens,
``theory.radix.common_prefix`` + ``Query.tokens_in``). ``proc[i][j]``: processing time of ``j``
reusing ``lcp[i][j]``; ``first[j]``: processing time of ``j`` with nothing cached; both computed
with ``CostModel.processing_time`` so that sums match the evaluator's floats exactly.
Under the radix cache the reuse of ``j`` is the max of ``lcp[i][j]`` over earlier ``i``.
"""
from __future__ import annotations

from dataclasses import dataclass

from theory.errors import InstanceError
from theory.instance import CostModel, Instance
from theory.radix import common_prefix

EXACT_CACHES: tuple[str, ...] = ("previous", "radix")


@dataclass(frozen=True)
class PairData:
    """Arrivals, lengths, pairwise reuse (tokens) and processing times of an instance."""

    arrival: tuple[float, ...]
    length: tuple[int, ...]
    lcp: tuple[tuple[int, ...], ...]
    first: tuple[float, ...]
    proc: tuple[tuple[float, ...], ...]
    cost: CostModel

    def reuse_time(self, j: int, reused: int) -> float:
        """Return the processing time of ``j`` when it reuses ``reused`` tokens."""
        return self.cost.processing_time(self.length[j], reused)


def pair_data(instance: Instance) -> PairData:
    """Return the PairData of ``instance`` (O(n^2 * prompt length))."""
    qs, cost = instance.queries, instance.cost
    n = len(qs)
    lcp = [[0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            k = common_prefix(qs[i].units, 0, qs[j].units, 0)
            lcp[i][j] = qs[j].tokens_in(k)
            lcp[j][i] = qs[i].tokens_in(k)
    first = tuple(cost.processing_time(q.length, 0) for q in qs)
    proc = tuple(tuple(cost.processing_time(qs[j].length, lcp[i][j]) for j in range(n)) for i in range(n))
    return PairData(tuple(q.arrival for q in qs), tuple(q.length for q in qs),
                    tuple(tuple(r) for r in lcp), first, proc, cost)


def require_cache(instance: Instance, method: str, caches: tuple[str, ...] = EXACT_CACHES) -> None:
    """Raise InstanceError unless the instance's cache model is one ``method`` supports."""
    if instance.cost.cache not in caches:
        raise InstanceError(f"solver {method}: cache model {instance.cost.cache!r} is not supported "
                            f"(supported: {', '.join(caches)})")


def require_size(instance: Instance, method: str, limit: int) -> None:
    """Raise InstanceError when the instance has more than ``limit`` queries for ``method``."""
    if instance.n > limit:
        hint = ("no exact method here goes further (cpsat and milp model only the previous and radix caches)"
                if instance.cost.cache == "lru" else "use cpsat or milp")
        raise InstanceError(f"solver {method}: {instance.n} queries is too many "
                            f"(limit {limit} for the {instance.cost.cache} cache); {hint}")


def min_proc(data: PairData, j: int) -> float:
    """Return the smallest processing time ``j`` can have (its best reuse over all queries)."""
    best = data.first[j]
    for i in range(len(data.first)):
        if i != j and data.proc[i][j] < best:
            best = data.proc[i][j]
    return best


def identical_groups(instance: Instance) -> list[list[int]]:
    """Return groups (size >= 2) of queries with the same prompt and arrival, in index order."""
    groups: dict = {}
    for i, q in enumerate(instance.queries):
        groups.setdefault((q.units, q.arrival), []).append(i)
    return [g for g in groups.values() if len(g) > 1]
