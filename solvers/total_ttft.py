"""Minimum total TTFT for equal arrivals under the radix cache with c_attn = 0 (polynomial cell).

With every query arriving at the same time and a radix cache (c_attn = 0), scheduling queries
is scheduling the nodes of the prefix tree under out-tree precedence, minimising the weighted
sum of completion times 1|outtree|sum w_j C_j: a tree node costs per_token * (its tokens), weight
0; each query is a leaf under the node where its prompt ends, cost ``base``, weight 1. Any query
order is a node schedule, and conversely the queries taken in the order their leaves appear in a
node schedule finish no later (each query then processes only the nodes it still needs).
Horn's algorithm (1972; Sidney's decomposition) solves 1|outtree|sum w_j C_j exactly: repeatedly
merge the non-root group of largest ratio weight/time into its parent's group, appending its
sequence. O(N log N) for N tree nodes + queries. Proof: proofs/complexity_cells.md.
With release dates the problem contains 1|r_j|sum C_j and is strongly NP-hard
(proofs/complexity_total_ttft.py).
"""
from __future__ import annotations

import heapq
import math

from solvers.prompt_tree import prompt_tree
from theory.claims import equal_arrivals
from theory.errors import InstanceError
from theory.evaluate import Evaluation, evaluate
from theory.instance import Instance


def min_total_ttft_order(instance: Instance) -> tuple[tuple[int, ...], Evaluation]:
    """Return (an order minimising the total TTFT, its evaluation) for equal arrivals, radix
    cache, c_attn = 0 (InstanceError otherwise)."""
    cost = instance.cost
    if cost.cache != "radix" or cost.c_attn != 0 or not equal_arrivals(instance):
        raise InstanceError("total-ttft tree algorithm: needs the radix cache, c_attn = 0 and equal arrivals")
    parent, time, weight, query_of = _forest(instance)
    order = tuple(i for i in _horn(parent, time, weight) if query_of[i] is not None)
    order = tuple(query_of[i] for i in order)
    return order, evaluate(instance, order)


def _forest(instance: Instance) -> tuple[list[int], list[float], list[int], list]:
    """Return the job forest: parent index (-1 for the root), time, weight, query id per job."""
    tree, ends = prompt_tree(instance)
    end_of = {i: node_id for node_id, queries in ends.items() for i in queries}
    index, parent, time, weight, query_of = {}, [], [], [], []
    stack = [(tree.root, -1)]
    while stack:
        node, up = stack.pop()
        index[id(node)] = len(parent)
        parent.append(up)
        time.append(instance.cost.per_token * node.edge_tokens)
        weight.append(0)
        query_of.append(None)
        stack.extend((child, index[id(node)]) for child in node.children.values())
    for i in range(instance.n):
        parent.append(index[end_of[i]])
        time.append(instance.cost.base)
        weight.append(1)
        query_of.append(i)
    return parent, time, weight, query_of


def _ratio(w: float, p: float) -> float:
    return math.inf if p == 0 else w / p


def _horn(parent: list[int], time: list[float], weight: list[int]) -> list[int]:
    """Return an optimal job sequence for 1|outtree|sum w_j C_j (job 0 is the root)."""
    n = len(parent)
    group = list(range(n))  # union-find: job -> representative of its merged group
    seq = [[j] for j in range(n)]
    w, p = [float(x) for x in weight], list(time)
    heap = [(-_ratio(w[j], p[j]), j, 0) for j in range(1, n)]
    heapq.heapify(heap)
    version = [0] * n
    alive = [True] * n

    def find(j: int) -> int:
        while group[j] != j:
            group[j] = group[group[j]]
            j = group[j]
        return j

    while heap:
        _, g, ver = heapq.heappop(heap)
        if not alive[g] or ver != version[g]:
            continue
        f = find(parent[g])
        seq[f].extend(seq[g])
        w[f] += w[g]
        p[f] += p[g]
        group[g], alive[g] = f, False
        if f != 0:
            version[f] += 1
            heapq.heappush(heap, (-_ratio(w[f], p[f]), f, version[f]))
    return seq[0]
