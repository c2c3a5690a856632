"""3-PARTITION reduces to FEAS under the lru cache with a capacity (c_attn = 0).

Theorem 2 (strong NP-hardness, lru). With the lru cache of capacity C (theory/cache.py: whole
leaves evicted, least recently used first), c_attn = 0, base 0, per_token 1, deciding whether
some order meets one common bound T is strongly NP-complete. ``reduce`` doubles the numbers
(a'_i = 2a_i, B' = 2B; same partitions), sets C = 4*min(a) - 1 and uses the window
construction with

- gadget X_k = p^P x^s, Y_k = p^P y^s (P = 2*min(a) - 1, s = 2*min(a); both of length C);
- walls split into ceil(T/C) fresh pieces of near-equal length in [2*min(a), C];
- T = 2mB + (m-1)(6*min(a) - 1).

Every prompt has length <= C and any two distinct prompts h, i have |h| + |i| - lcp(h, i) > C,
so (Lemma L) the lru cache holds exactly the previous prompt after every step and the proof of
Theorem 1 applies. Size: n <= 3m + 2(m-1) + 2*ceil(T/C) queries, at most 3T + 2(m-1)C tokens,
largest number 2T. Proof: proofs/reduction_lru.md.
"""
from __future__ import annotations

from typing import Sequence

from proofs.reduction_windows import (Gadget, Prompt, TokenPool, WindowDesign, backward_partition,
                                      build_instance, forward_order, make_design)
from proofs.three_partition import Partition, ThreePartition
from theory.instance import CostModel, Instance
from theory.radix import common_prefix

NAME = "3-partition/lru"
VERSION = 1


def wall_pieces(total: int, low: int, high: int, pool: TokenPool) -> tuple[Prompt, ...]:
    """Return ceil(total/high) fresh prompts of near-equal lengths in [low, high] summing to total."""
    count = -(-total // high)
    q, r = divmod(total, count)
    lengths = [q + 1] * r + [q] * (count - r)
    if min(lengths) < low or max(lengths) > high:
        raise ValueError(f"cannot split {total} into pieces in [{low}, {high}]")
    return tuple(pool.run(n) for n in lengths)


def design(tp: ThreePartition) -> WindowDesign:
    """Return the window design of the lru reduction for ``tp``."""
    amin = min(tp.numbers)
    C, P, s = 4 * amin - 1, 2 * amin - 1, 2 * amin
    pool = TokenPool()
    gadgets = []
    for _ in range(tp.m - 1):
        p = pool.fresh()
        gadgets.append(Gadget((p,) * P + pool.run(s), (p,) * P + pool.run(s), C, s, "junction"))
    T = 2 * tp.m * tp.B + (tp.m - 1) * (C + s)
    cost = CostModel(cache="lru", c_attn=0, per_token=1, base=0, capacity=C)
    return make_design(tp, name=NAME, version=VERSION, cost=cost, scale=2,
                       elements=tuple(pool.run(2 * a) for a in tp.numbers), gadgets=tuple(gadgets),
                       start_wall=wall_pieces(T, 2 * amin, C, pool),
                       end_wall=wall_pieces(T, 2 * amin, C, pool))


def forgets_all_but_previous(instance: Instance) -> bool:
    """Return True when Lemma L applies: lru(C) keeps exactly the previous prompt on ``instance``.

    Condition: every prompt has at most C tokens and any two queries h != i satisfy
    |h| + |i| - lcp(h, i) > C."""
    C, qs = instance.cost.capacity, instance.queries
    if C is None or any(q.length > C for q in qs):
        return False
    for a in range(len(qs)):
        for b in range(a + 1, len(qs)):
            shared = qs[a].tokens_in(common_prefix(qs[a].units, 0, qs[b].units, 0))
            if qs[a].length + qs[b].length - shared <= C:
                return False
    return True


def reduce(tp: ThreePartition) -> Instance:
    """Return the reduced lru instance (``ttft_bound`` = T, capacity C = 4*min(a) - 1)."""
    return build_instance(design(tp))


def forward(tp: ThreePartition, partition: Sequence[Sequence[int]]) -> list[int]:
    """Return an order of ``reduce(tp)`` meeting T, built from a valid partition."""
    return forward_order(design(tp), tp, partition)


def backward(tp: ThreePartition, instance: Instance, order: Sequence[int]) -> Partition:
    """Return the partition encoded by any order of ``instance`` meeting T (InstanceError if not)."""
    return backward_partition(design(tp), tp, instance, order)
