"""3-PARTITION reduces to FEAS under the radix cache with c_attn = 1.

Theorem 3 (strong NP-hardness, radix, c_attn > 0). With the radix cache (a query reuses its
longest prefix match with any earlier query; nothing evicted), c_attn = 1, per_token 1, base 0,
deciding whether some order meets one common bound T is strongly NP-complete. (With c_attn = 0
it is polynomial: FCFS is optimal, proofs/radix_fcfs.md.)

Construction (window layout of proofs/reduction_windows.py): L = the least odd number > max(a);
a *warm* prompt w^L in the start wall; element i = w^(L-a_i) e_i^(a_i), of length L, so that it
always reuses L - a_i tokens and costs (1+L)*a_i; gadget k = a light Y_k = (p, y) released at the
block start and a heavy X_k = (p, x, x) due at the block end: Y first costs 3*2 + 4*2 = 14,
X first 4*3 + 3*1 = 15, so zero slack forces Y_k before X_k and pins the block. Window
W = (1+L)B, T = m(1+L)B + 14(m-1). Walls: the warm prompt plus at most three fresh pieces whose
costs l(l+1) add up to the rest (every integer is a sum of three triangular numbers; L odd keeps
all costs even). Size: n <= 5m + 5 queries, at most (3m+1)L + 6*sqrt(T) + 5(m-1) tokens,
largest number 2T = O(m B^2). Proof: proofs/reduction_radix.md.
"""
from __future__ import annotations

import math
from typing import Sequence

from proofs.reduction_windows import (Gadget, Prompt, TokenPool, WindowDesign, backward_partition,
                                      build_instance, forward_order, make_design)
from proofs.three_partition import Partition, ThreePartition
from theory.instance import CostModel, Instance

NAME = "3-partition/radix-cattn1"
VERSION = 1
COST = CostModel(cache="radix", c_attn=1, per_token=1, base=0)


def triangular_split(total: int) -> tuple[int, int, int]:
    """Return (l1, l2, l3) >= 0 with sum of l(l+1) equal to the even ``total`` (Gauss)."""
    if total < 0 or total % 2:
        raise ValueError(f"cannot write {total} as a sum of l(l+1) terms")
    half = total // 2
    tri = lambda n: n * (n + 1) // 2  # noqa: E731
    top = math.isqrt(2 * half) + 1
    for l1 in range(top, -1, -1):
        rest = half - tri(l1)
        if rest < 0:
            continue
        for l2 in range(min(l1, math.isqrt(2 * rest) + 1), -1, -1):
            r = rest - tri(l2)
            if r < 0:
                continue
            l3 = (math.isqrt(8 * r + 1) - 1) // 2
            if tri(l3) == r:
                return l1, l2, l3
    raise AssertionError("Gauss's Eureka theorem guarantees a split")


def _pieces(total: int, pool: TokenPool) -> tuple[Prompt, ...]:
    return tuple(pool.run(n) for n in triangular_split(total) if n > 0)


def design(tp: ThreePartition) -> WindowDesign:
    """Return the window design of the radix (c_attn = 1) reduction for ``tp``."""
    L = max(tp.numbers) + 1
    L += 1 - L % 2
    pool = TokenPool()
    w = pool.fresh()
    elements = tuple((w,) * (L - a) + pool.run(a) for a in tp.numbers)
    gadgets = []
    for _ in range(tp.m - 1):
        p = pool.fresh()
        gadgets.append(Gadget((p, pool.fresh()), (p,) + pool.run(2), 6, 8, "ends"))
    T = tp.m * (1 + L) * tp.B + 14 * (tp.m - 1)
    warm = (w,) * L
    return make_design(tp, name=NAME, version=VERSION, cost=COST, scale=1 + L,
                       elements=elements, gadgets=tuple(gadgets),
                       start_wall=(warm,) + _pieces(T - (1 + L) * L, pool),
                       end_wall=_pieces(T, pool))


def reduce(tp: ThreePartition) -> Instance:
    """Return the reduced radix instance (c_attn = 1, ``ttft_bound`` = T)."""
    return build_instance(design(tp))


def forward(tp: ThreePartition, partition: Sequence[Sequence[int]]) -> list[int]:
    """Return an order of ``reduce(tp)`` meeting T, built from a valid partition."""
    return forward_order(design(tp), tp, partition)


def backward(tp: ThreePartition, instance: Instance, order: Sequence[int]) -> Partition:
    """Return the partition encoded by any order of ``instance`` meeting T (InstanceError if not)."""
    return backward_partition(design(tp), tp, instance, order)
