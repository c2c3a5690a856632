"""The percentile version is strongly NP-hard for every fixed fraction p in (0, 1).

Theorem 4. Fix a rational p in (0, 1). PERC_p: given queries and T, is there an order in which at
least ceil((1 - p) * n) queries have TTFT <= T? Under the previous-query cache with c_attn = 0
(and under the radix cache with c_attn = 1) PERC_p is strongly NP-complete. ``reduce(tp, p)``
takes the FEAS instance of Theorem 1 (or 3) with n0 queries, all due by 3T, and adds
D = floor(n0 * p / (1 - p)) *dummies*: fresh prompts of T + 1 tokens arriving at 3T. A dummy
never meets T, ceil((1 - p)(n0 + D)) = n0, and dummies after the base queries disturb nothing,
so at least n0 queries meet T iff the base instance is feasible iff the 3-PARTITION instance is a
yes-instance. Size: n0 + D <= n0 / (1 - p) queries, (T + 1) * D more tokens.

Consequences: minimising the number of queries over T (goodput) is strongly NP-hard and has no
polynomial approximation within any factor unless P = NP (deciding optimum 0 is FEAS); and an
algorithm for PERC_p that is polynomial for fixed p — as the paper's Theorem 4 is summarised,
O(n exp((1/p) log(1/p))) — cannot exist for this problem unless P = NP.
Proof: proofs/percentile_hardness.md.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Sequence

from proofs import reduction_previous, reduction_radix
from proofs.reduction_windows import TokenPool
from proofs.three_partition import Partition, ThreePartition
from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import Instance, Query
from theory.instance_io import MAX_QUERIES

NAME = "3-partition/percentile"
VERSION = 1
BASES = {"previous": reduction_previous, "radix": reduction_radix}


def fraction(p: float | Fraction | str) -> Fraction:
    """Return p as an exact Fraction in (0, 1) (InstanceError otherwise)."""
    try:
        f = Fraction(str(p)) if not isinstance(p, Fraction) else p
    except (ValueError, ZeroDivisionError):
        raise InstanceError(f"percentile: p must be a number in (0, 1), got {p!r}") from None
    if not 0 < f < 1:
        raise InstanceError(f"percentile: p must be in (0, 1), got {p}")
    return f


def required_on_time(n: int, p: Fraction) -> int:
    """Return ceil((1 - p) * n): how many queries must meet T."""
    return math.ceil((1 - p) * n)


def dummies(n0: int, p: Fraction) -> int:
    """Return D = floor(n0 * p / (1 - p)), the number of dummies that makes ceil((1-p)(n0+D)) = n0."""
    return math.floor(n0 * p / (1 - p))


def reduce(tp: ThreePartition, p: float | Fraction | str, base: str = "previous") -> Instance:
    """Return the PERC_p instance: the base reduction of ``tp`` plus D dummies arriving at 3T."""
    p = fraction(p)
    inst = BASES[base].reduce(tp)
    T = inst.ttft_bound
    if inst.n + dummies(inst.n, p) > MAX_QUERIES:
        raise InstanceError(f"percentile: p = {p} needs {dummies(inst.n, p)} dummy queries; with the "
                            f"{inst.n} base queries that exceeds the format's limit of {MAX_QUERIES}")
    pool = TokenPool()
    pool.tokens = sum(q.length for q in inst.queries)
    pool.next_id = 1 + max(max(u for q in inst.queries for u in q.units), 0)
    extra = tuple(Query(f"dummy{j}", 3 * T, pool.run(T + 1)) for j in range(dummies(inst.n, p)))
    return Instance(inst.queries + extra, inst.cost, T)


def forward(tp: ThreePartition, p: float | Fraction | str, partition: Sequence[Sequence[int]],
            base: str = "previous") -> list[int]:
    """Return an order in which every base query meets T (the dummies last)."""
    order = BASES[base].forward(tp, partition)
    n_total = reduce(tp, p, base).n
    return order + list(range(len(order), n_total))


def backward(tp: ThreePartition, p: float | Fraction | str, instance: Instance, order: Sequence[int],
             base: str = "previous") -> Partition:
    """Return the partition encoded by an order with at least ceil((1-p) n) queries meeting T.

    InstanceError if the order has fewer on-time queries or the instance is not ``reduce(tp, p)``.
    The base queries' sub-order meets T on the base instance (removing dummies delays nothing)."""
    p = fraction(p)
    if instance != reduce(tp, p, base):
        raise InstanceError("instance is not the percentile reduction of this 3-partition instance")
    ev = evaluate(instance, order)
    need = required_on_time(instance.n, p)
    on_time = instance.n - ev.violations(instance.ttft_bound)
    if on_time < need:
        raise InstanceError(f"order meets T for {on_time} queries, fewer than ceil((1-p)n) = {need}")
    base_inst = BASES[base].reduce(tp)
    sub = [i for i in ev.order if i < base_inst.n]
    return BASES[base].backward(tp, base_inst, sub)
