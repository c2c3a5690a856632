"""Best contiguous order for equal arrivals under the previous cache, any c_attn (makespan).

An order is *contiguous* when, for every node of the prefix tree, the queries below it occupy
consecutive positions (depth-first orders are exactly these). With equal arrivals the makespan
(hence the maximum TTFT) of a contiguous order decomposes over the tree: a block for node v
entered by query e, whose predecessor shares l tokens with it, costs

    F_v(l) = min_e [ base + (per_token + c_attn*|x_e|) * (|x_e| - l) + R(v, e) ],

where R(v, e) = R(c, e) + sum over the other children c' of F_{c'}(depth v) + base*(queries ending
at v) when e lies below child c (every later block is entered sharing exactly depth(v) tokens,
every query ending at v then costs only base), and R(v, e) = sum_c F_c(depth v) + base*(queries
ending at v - 1) when e ends at v. The answer is F_root(0). O(n * tree height) evaluations.

Theorem (proofs/complexity_cells.md): the order returned is optimal among contiguous orders.
Conjecture: some optimal order is contiguous, so this is exact for the cell "previous cache,
equal arrivals, c_attn > 0"; no counterexample in the brute-force searches (tests). With
c_attn = 0 it returns a depth-first order, which is optimal (proofs: the LPM claim).
"""
from __future__ import annotations

from theory.errors import InstanceError
from theory.evaluate import Evaluation, evaluate
from theory.instance import Instance
from theory.radix import Node, RadixTree


def best_contiguous_order(instance: Instance) -> tuple[tuple[int, ...], Evaluation]:
    """Return (the best contiguous order, its evaluation) for equal arrivals, previous cache."""
    if instance.cost.cache != "previous" or len({q.arrival for q in instance.queries}) != 1:
        raise InstanceError("contiguous DP: needs the previous cache and equal arrivals")
    tree = RadixTree()
    ends: dict[int, list[int]] = {}
    for i, q in enumerate(instance.queries):
        ends.setdefault(id(tree.insert(q.units)), []).append(i)
    rest = _rest_costs(instance, tree.root, ends)
    entry = _best_entry(instance, tree.root, 0, rest)
    order = _unfold(tree.root, entry, ends, rest, instance)
    return order, evaluate(instance, order)


def _entry_cost(instance: Instance, e: int, shared: int) -> float:
    q, cost = instance.queries[e], instance.cost
    return cost.processing_time(q.length, shared)


def _best_entry(instance: Instance, node: Node, shared: int, rest: dict) -> int:
    """Return the entry query minimising the block cost of ``node`` entered sharing ``shared``."""
    table = rest[id(node)]
    return min(table, key=lambda e: (_entry_cost(instance, e, shared) + table[e][0], e))


def _block(instance: Instance, node: Node, shared: int, rest: dict) -> float:
    e = _best_entry(instance, node, shared, rest)
    return _entry_cost(instance, e, shared) + rest[id(node)][e][0]


def _rest_costs(instance: Instance, root: Node, ends: dict) -> dict:
    """Return {id(node): {entry query: (R(node, entry), child holding it or None)}}, bottom-up."""
    rest: dict = {}
    post, stack = [], [root]
    while stack:
        node = stack.pop()
        post.append(node)
        stack.extend(node.children.values())
    base = instance.cost.base
    for node in reversed(post):
        here = ends.get(id(node), [])
        depth = node.depth_tokens
        blocks = {id(c): _block(instance, c, depth, rest) for c in node.children.values()}
        total = sum(blocks.values())
        table = {e: (total + base * (len(here) - 1), None) for e in here}
        for child in node.children.values():
            others = total - blocks[id(child)] + base * len(here)
            for e, (r, _) in rest[id(child)].items():
                table[e] = (r + others, child)
        rest[id(node)] = table
    return rest


def _unfold(root: Node, entry: int, ends: dict, rest: dict, instance: Instance) -> tuple[int, ...]:
    """Return the order the DP chose: recursive blocks, expanded with an explicit stack."""
    order: list[int] = []
    stack: list = [(root, entry)]
    while stack:
        item = stack.pop()
        if isinstance(item, int):
            order.append(item)
            continue
        node, e = item
        _, holder = rest[id(node)][e]
        depth = node.depth_tokens
        later: list = []
        for child in node.children.values():
            if child is not holder:
                later.append((child, _best_entry(instance, child, depth, rest)))
        later.extend(i for i in ends.get(id(node), []) if i != e)
        first = (holder, e) if holder is not None else e
        stack.extend(reversed([first] + later))
    return tuple(order)

