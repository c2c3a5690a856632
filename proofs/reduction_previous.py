"""3-PARTITION reduces to the paper's decision problem (previous-query cache, c_attn = 0).

Theorem (strong NP-hardness). Let the cost model be the paper's: previous-query cache,
c_attn = 0, base 0, per_token 1. Deciding whether some order gives every query TTFT <= T (one
common bound T) is strongly NP-complete. For a 3-PARTITION instance (a_0..a_{3m-1}; B),
``reduce`` builds in polynomial time an instance that has an order meeting T if and only if the
3-PARTITION instance is a yes-instance, with

- n = 5m queries (3m elements, 2(m-1) gadget queries, two walls), T = mB + 3(m-1);
- prompts: walls T tokens each, element i a_i tokens, gadget queries 2 tokens each;
  total 3mB + 10(m-1) tokens; largest number (an arrival) 2T = 2mB + 6(m-1).

Every number is bounded by a polynomial in m and B, hence strong NP-hardness. The gadget k is
X_k = (p_k, x_k), Y_k = (p_k, y_k): Y_k reuses one token only right after X_k, and a zero-slack
budget forces that, which pins the junction X_k -> Y_k at the instant where X_k's deadline and
Y_k's arrival meet. Proof: proofs/three_partition_reduction.md.

Triple: ``reduce(tp)``, ``forward(tp, partition) -> order``, ``backward(tp, instance, order)``.
"""
from __future__ import annotations

from typing import Sequence

from proofs.reduction_windows import (Gadget, TokenPool, WindowDesign, backward_partition,
                                      build_instance, forward_order, make_design)
from proofs.three_partition import Partition, ThreePartition
from theory.instance import CostModel, Instance

NAME = "3-partition/previous"
VERSION = 1
COST = CostModel(cache="previous", c_attn=0, per_token=1, base=0)


def design(tp: ThreePartition) -> WindowDesign:
    """Return the window design of the reduction for ``tp`` (see the module docstring)."""
    pool = TokenPool()
    gadgets = []
    for _ in range(tp.m - 1):
        p = pool.fresh()
        gadgets.append(Gadget((p, pool.fresh()), (p, pool.fresh()), 2, 1, "junction"))
    T = tp.m * tp.B + 3 * (tp.m - 1)
    return make_design(tp, name=NAME, version=VERSION, cost=COST, scale=1,
                       elements=tuple(pool.run(a) for a in tp.numbers), gadgets=tuple(gadgets),
                       start_wall=(pool.run(T),), end_wall=(pool.run(T),))


def reduce(tp: ThreePartition) -> Instance:
    """Return the reduced instance (``ttft_bound`` = T = mB + 3(m-1))."""
    return build_instance(design(tp))


def forward(tp: ThreePartition, partition: Sequence[Sequence[int]]) -> list[int]:
    """Return an order of ``reduce(tp)`` meeting T, built from a valid partition."""
    return forward_order(design(tp), tp, partition)


def backward(tp: ThreePartition, instance: Instance, order: Sequence[int]) -> Partition:
    """Return the partition encoded by any order of ``instance`` meeting T (InstanceError if not)."""
    return backward_partition(design(tp), tp, instance, order)
