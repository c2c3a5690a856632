"""Optimal orders for equal arrivals (previous/radix cache, any c_attn) and the contiguous DP.

``equal_arrival_order`` (theorem E, proofs/complexity_cells.md C2): with all arrivals equal, a
depth-first walk of the prefix tree that, at every node, first emits the queries ending there and
then visits the children by increasing shortest prompt below them, minimises the makespan (hence
the maximum TTFT) under the previous and the radix cache (and an lru whose capacity holds the whole
prefix tree, which never evicts), for every c_attn, per_token, base >= 0.
Its makespan is ``equal_arrival_optimum``: a + n*base + sum over tree nodes v of
w(v) * (per_token + c_attn * m(v)), with m(v) the shortest prompt through v. O(total prompt
units + n log n).

``best_contiguous_order`` (kept as an independent cross-check): an order is *contiguous* when,
for every node of the prefix tree, the queries below it occupy consecutive positions. With equal
arrivals the makespan of a contiguous order under the previous cache decomposes over the tree: a
block for node v entered by query e, whose predecessor shares l tokens with it, costs

    F_v(l) = min_e [ base + (per_token + c_attn*|x_e|) * (|x_e| - l) + R(v, e) ],

where R(v, e) = R(c, e) + sum over the other children c' of F_{c'}(depth v) + base*(queries ending
at v) when e lies below child c (every later block is entered sharing exactly depth(v) tokens,
every query ending at v then costs only base), and R(v, e) = sum_c F_c(depth v) + base*(queries
ending at v - 1) when e ends at v. The answer is F_root(0). O(n * tree height) evaluations. It is
the best contiguous order, and since ``equal_arrival_order`` is contiguous and optimal, it is
optimal over all orders too.
"""
from __future__ import annotations

from solvers.prompt_tree import prompt_tree
from theory.claims import equal_arrivals
from theory.errors import InstanceError
from theory.evaluate import Evaluation, evaluate
from theory.instance import Instance
from theory.radix import Node, RadixTree


def _shortest_below(instance: Instance, tree: RadixTree, ends: dict) -> dict[int, int]:
    """Return {id(node): m(node)}, the shortest prompt (tokens) among the queries through node."""
    m: dict[int, int] = {}
    for node in reversed(list(tree.nodes())):  # children before parents
        lengths = [instance.queries[i].length for i in ends.get(id(node), [])]
        lengths.extend(m[id(c)] for c in node.children.values())
        m[id(node)] = min(lengths)
    return m


def _equal_arrival_tree(instance: Instance) -> tuple[RadixTree, dict, dict[int, int]]:
    """Return (prefix tree, ends, shortest-below map); InstanceError outside theorem E's cell."""
    if not equal_arrivals(instance):
        raise InstanceError("equal-arrival order: the queries do not all arrive at the same time")
    cost = instance.cost
    if cost.cache not in ("previous", "radix", "lru"):
        raise InstanceError(f"equal-arrival order: unknown cache {cost.cache!r}")
    tree, ends = prompt_tree(instance)
    if cost.cache == "lru" and cost.capacity < tree.total_tokens:
        raise InstanceError(f"equal-arrival order: lru capacity {cost.capacity} is below the "
                            f"{tree.total_tokens} prefix-tree tokens (evictions are not covered)")
    return tree, ends, _shortest_below(instance, tree, ends)


def equal_arrival_order(instance: Instance) -> tuple[int, ...]:
    """Return an order of least makespan (and maximum TTFT) for equal arrivals under the previous
    or radix cache (or an lru that never evicts), any c_attn: depth-first, queries ending at a
    node first, then its children by increasing shortest prompt below them (ties: insertion
    order). Raises InstanceError outside that cell."""
    tree, ends, m = _equal_arrival_tree(instance)
    order: list[int] = []
    stack = [tree.root]
    while stack:
        node = stack.pop()
        order.extend(ends.get(id(node), []))
        kids = sorted(enumerate(node.children.values()), key=lambda ic: (m[id(ic[1])], ic[0]))
        stack.extend(child for _, child in reversed(kids))
    return tuple(order)


def equal_arrival_optimum(instance: Instance) -> float:
    """Return the least makespan for equal arrivals (previous, radix, never-evicting lru): arrival
    + n*base + sum over prefix-tree nodes v of tokens(v) * (per_token + c_attn * m(v))."""
    tree, ends, m = _equal_arrival_tree(instance)
    cost = instance.cost
    work = sum(node.edge_tokens * (cost.per_token + cost.c_attn * m[id(node)])
               for node in tree.nodes())
    return instance.queries[0].arrival + instance.n * cost.base + work


def equal_arrival_solution(instance: Instance) -> tuple[tuple[int, ...], Evaluation]:
    """Return (``equal_arrival_order(instance)``, its evaluation by theory.evaluate)."""
    order = equal_arrival_order(instance)
    return order, evaluate(instance, order)


def best_contiguous_order(instance: Instance) -> tuple[tuple[int, ...], Evaluation]:
    """Return (the best contiguous order, its evaluation) for equal arrivals, previous cache."""
    if instance.cost.cache != "previous" or not equal_arrivals(instance):
        raise InstanceError("contiguous DP: needs the previous cache and equal arrivals")
    tree, ends = prompt_tree(instance)
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

