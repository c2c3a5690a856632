"""Percentile and goodput scheduling in the cells where they are polynomial.

Problem PERC_p (the paper's Theorem 4 as summarised): given queries, a bound T and a fraction
p in [0, 1), is there an order in which at most floor(p*n) queries have TTFT > T? Equivalently:
is the maximum number of queries meeting T (goodput) at least n - floor(p*n)?

What cannot be recovered. The paper's algorithm, O(n exp((1/p) log(1/p))), is polynomial for
every fixed p; but PERC_p is strongly NP-hard for every fixed rational p in (0, 1) under the
previous cache (and under radix with c_attn > 0): proofs/reduction_percentile.py pads the
3-PARTITION instance of Theorem 1 with never-on-time dummies. So no such algorithm exists for
the general problem unless P = NP; the paper's statement must rest on assumptions that are not
available (proofs/percentile.md).

What is implemented (exact, proofs/percentile.md), each returning the maximum number of
queries meeting T and an order attaining it, re-scored by ``theory.evaluate``:

- ``equal-arrivals-tree``: all arrivals equal, c_attn = 0, previous or radix cache. The on-time
  set S can run first, in depth-first order, finishing at base*|S| + per_token*tokens(trie(S));
  a min-plus tree DP over the radix tree gives the cheapest trie for every |S|. O(n^2) merges.
- ``no-shared-prefix``: no two prompts share a first unit (fixed processing times), any cache,
  any c_attn; deadlines r_j + T are in arrival order (agreeable). Greedy in arrival order; when
  the newest query would be late, drop the query whose removal leaves the earliest finish
  (Kise, Ibaraki and Mine 1978 for agreeable release and due dates). O(n^2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from solvers.prompt_tree import prompt_tree
from theory.claims import depth_first_order, equal_arrivals, no_shared_prefix
from theory.errors import InstanceError
from theory.evaluate import Evaluation, evaluate, exceeds
from theory.instance import Instance
from theory.radix import Node

_EPS = 1e-9


@dataclass(frozen=True)
class PercentileResult:
    """Goodput answer: the cell used, the maximum number of queries meeting T, the allowance
    floor(p*n), whether the percentile target is met, and an order attaining the maximum."""

    cell: str
    bound: float
    on_time: int
    allowance: int
    feasible: bool
    order: tuple[int, ...]
    evaluation: Evaluation


def percentile_cell(instance: Instance) -> str | None:
    """Return the polynomial cell ``instance`` falls in, or None."""
    cost = instance.cost
    if equal_arrivals(instance) and cost.c_attn == 0 and cost.cache in ("previous", "radix"):
        return "equal-arrivals-tree"
    if no_shared_prefix(instance):
        return "no-shared-prefix"
    return None


def max_on_time(instance: Instance, bound: float) -> PercentileResult:
    """Return the maximum number of queries with TTFT <= ``bound`` and an order attaining it."""
    return solve_percentile(instance, bound, 0.0)


def solve_percentile(instance: Instance, bound: float, p: float) -> PercentileResult:
    """Return the PercentileResult of PERC_p on ``instance`` (InstanceError outside the cells)."""
    if not (isinstance(bound, (int, float)) and math.isfinite(bound) and bound >= 0):
        raise InstanceError(f"ttft_bound: must be a finite number >= 0, got {bound!r}")
    if not (isinstance(p, (int, float)) and 0 <= p < 1):
        raise InstanceError(f"p: must be in [0, 1), got {p!r}")
    cell = percentile_cell(instance)
    if cell is None:
        raise InstanceError("percentile: not a polynomial cell (needs equal arrivals with c_attn = 0 "
                            "and a previous/radix cache, or no shared prefixes); use solvers.exact")
    chosen = _tree_choice(instance, bound) if cell == "equal-arrivals-tree" else _greedy_choice(instance, bound)
    order = _order(instance, chosen, cell)
    ev = evaluate(instance, order)
    on_time = instance.n - ev.violations(bound)
    if on_time < len(chosen):
        raise AssertionError(f"{cell}: re-evaluated on-time count {on_time} < claimed {len(chosen)}")
    allowance = math.floor(p * instance.n + _EPS)
    return PercentileResult(cell, bound, on_time, allowance, instance.n - on_time <= allowance, order, ev)


def _order(instance: Instance, chosen: list[int], cell: str) -> tuple[int, ...]:
    keep = set(chosen)
    if cell == "equal-arrivals-tree":
        first = [i for i in depth_first_order(instance) if i in keep]
    else:
        first = [i for i in instance.arrival_order() if i in keep]
    return tuple(first + [i for i in instance.arrival_order() if i not in keep])


# ---------------------------------------------------------------- equal arrivals: tree DP

def _tree_choice(instance: Instance, bound: float) -> list[int]:
    """Return a largest set S of queries with base*|S| + per_token*trie_tokens(S) <= bound."""
    tree, ends = prompt_tree(instance)
    table = _subtree_costs(tree.root, ends)
    cost = instance.cost
    best = max(m for m in range(len(table[id(tree.root)][0]))
               if not exceeds(cost.base * m + cost.per_token * table[id(tree.root)][0][m], bound))
    chosen: list[int] = []
    _pick(tree.root, best, table, ends, chosen)
    return chosen


def _subtree_costs(root: Node, ends: dict) -> dict:
    """Return {id(node): (f, splits)}: f[m] = least tokens of a root-closed part of the subtree
    (the node's own edge included when m > 0) covering m queries; splits[c][m] = m given to
    child c when merging (children in insertion order)."""
    table: dict = {}
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in node.children.values())
            continue
        f = [0.0] * (len(ends.get(id(node), ())) + 1)
        splits = []
        for child in node.children.values():
            g = table[id(child)][0]
            merged = [math.inf] * (len(f) + len(g) - 1)
            arg = [0] * len(merged)
            for a, fa in enumerate(f):
                for b, gb in enumerate(g):
                    if fa + gb < merged[a + b]:
                        merged[a + b], arg[a + b] = fa + gb, b
            f = merged
            splits.append(arg)
        edge = node.edge_tokens
        table[id(node)] = ([0.0] + [x + edge for x in f[1:]], splits)
    return table


def _pick(node: Node, m: int, table: dict, ends: dict, chosen: list[int]) -> None:
    """Append to ``chosen`` the m queries the DP selected in ``node``'s subtree."""
    stack = [(node, m)]
    while stack:
        node, m = stack.pop()
        if m == 0:
            continue
        splits = table[id(node)][1]
        children = list(node.children.values())
        for child, arg in reversed(list(zip(children, splits))):
            take = arg[m]
            stack.append((child, take))
            m -= take
        chosen.extend(ends.get(id(node), [])[:m])


# ---------------------------------------------------------------- no shared prefix: greedy

def _greedy_choice(instance: Instance, bound: float) -> list[int]:
    """Return a largest on-time set for fixed processing times and deadlines arrival + bound."""
    qs, cost = instance.queries, instance.cost
    proc = [cost.processing_time(q.length, 0) for q in qs]
    kept: list[int] = []
    for j in instance.arrival_order():
        kept.append(j)
        if exceeds(_finish(kept, qs, proc) - qs[j].arrival, bound):
            drop = min(range(len(kept)), key=lambda x: (_finish(kept[:x] + kept[x + 1:], qs, proc), -x))
            kept.pop(drop)
    return kept


def _finish(kept: list[int], qs, proc: list[float]) -> float:
    clock = 0.0
    for i in kept:
        clock = max(clock, qs[i].arrival) + proc[i]
    return clock
