"""Valid symmetry breaking shared by the DP, CP-SAT and MILP models.

Two queries j, j' are *twins* when they have the same length and the same overlap with every
other query (lcp(j, k) = lcp(j', k) for all k not in {j, j'}); identical prompts are twins,
and so are the queries of one Definition-4 user. Swapping twins in any order leaves every
processing time unchanged, under the previous cache (the neighbours see the same overlaps) and
under the radix cache (each query's set of earlier overlaps is the same multiset). Twinship is
an equivalence relation. Hence:

- twins with the same arrival are interchangeable: keep them in index order (all objectives);
- for max-ttft, total-ttft and feasible, twins may be taken in arrival order: the swap leaves
  every start unchanged (the later position starts after the earlier arrival anyway) and only
  moves the larger flow time onto the earlier arrival, which cannot raise the max or change the
  sum. Not valid for violation counts, where flow times split differently can change how many
  exceed T.
"""
from __future__ import annotations

from solvers.exact.data import PairData
from theory.instance import Instance

ARRIVAL_ORDER_OBJECTIVES = frozenset({"max-ttft", "total-ttft", "feasible"})


def _twins(data: PairData, a: int, b: int) -> bool:
    if data.length[a] != data.length[b]:
        return False
    la, lb = data.lcp[a], data.lcp[b]
    return all(la[k] == lb[k] for k in range(len(la)) if k != a and k != b)


def twin_classes(data: PairData) -> list[list[int]]:
    """Return the classes of mutually twin queries (each in index order, singletons included)."""
    classes: list[list[int]] = []
    for j in range(len(data.length)):
        for cls in classes:
            if _twins(data, cls[0], j):
                cls.append(j)
                break
        else:
            classes.append([j])
    return classes


def ordered_pairs(instance: Instance, objective: str, data: PairData) -> list[tuple[int, int]]:
    """Return pairs (i, j) such that some optimal order puts i before j (chains of twins)."""
    pairs = []
    for cls in twin_classes(data):
        if objective in ARRIVAL_ORDER_OBJECTIVES:
            chain = sorted(cls, key=lambda j: (data.arrival[j], j))
            pairs += list(zip(chain, chain[1:]))
            continue
        by_arrival: dict = {}
        for j in cls:
            by_arrival.setdefault(data.arrival[j], []).append(j)
        for same in by_arrival.values():
            pairs += list(zip(same, same[1:]))
    return pairs


def predecessors(instance: Instance, objective: str, data: PairData) -> list[int]:
    """Return, per query, a bitmask of queries that must precede it under ``ordered_pairs``."""
    need = [0] * instance.n
    for i, j in ordered_pairs(instance, objective, data):
        need[j] |= 1 << i
    return need


def chain_sizes(instance: Instance, objective: str, data: PairData) -> list[int]:
    """Return the sizes of the chains ``ordered_pairs`` forms (singletons count 1)."""
    parent = list(range(instance.n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in ordered_pairs(instance, objective, data):
        parent[root(j)] = root(i)
    sizes: dict[int, int] = {}
    for i in range(instance.n):
        sizes[root(i)] = sizes.get(root(i), 0) + 1
    return list(sizes.values())
