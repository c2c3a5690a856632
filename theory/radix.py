"""A compressed radix tree over prompts (tuples of units), generic in what a node stores.

One tree serves every part of klpm: the theory's radix and lru caches (payload unused), the
simulator's index of waiting queries (payload: per-node bookkeeping) and the runtime's KV
cache (payload: KV slots). ``match`` and ``walk`` are pure; ``insert``, ``split``, ``lock``,
``unlock`` and ``evict`` mutate. ``check_invariants`` verifies the whole structure.

Eviction rule (the ``lru`` cache model): while the tree holds more tokens than the target,
remove the unlocked leaf with the oldest ``last_access`` (ties: the earlier-created node), whole.
"""
from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from theory.instance import Unit, unit_tokens

_CHUNK = 64


def common_prefix(a: Sequence[Unit], ai: int, b: Sequence[Unit], bi: int) -> int:
    """Return the length (in units) of the common prefix of ``a[ai:]`` and ``b[bi:]``."""
    n = min(len(a) - ai, len(b) - bi)
    k = 0
    # Compare whole chunks at C speed first; long shared prefixes are the common case.
    while k + _CHUNK <= n and a[ai + k:ai + k + _CHUNK] == b[bi + k:bi + k + _CHUNK]:
        k += _CHUNK
    while k < n and a[ai + k] == b[bi + k]:
        k += 1
    return k


class Node:
    """A tree node: the edge (units) leading into it, children keyed by first unit, payload."""

    __slots__ = ("parent", "edge", "edge_tokens", "depth_tokens", "children", "value",
                 "lock_ref", "last_access", "stamp")

    def __init__(self, parent: "Node | None", edge: tuple, edge_tokens: int, stamp: int) -> None:
        self.parent = parent
        self.edge = edge
        self.edge_tokens = edge_tokens
        self.depth_tokens = (parent.depth_tokens if parent else 0) + edge_tokens
        self.children: dict[Unit, Node] = {}
        self.value: Any = None
        self.lock_ref = 0
        self.last_access = 0.0
        self.stamp = stamp

    def path_units(self) -> tuple:
        """Return the units from the root to the end of this node."""
        parts, node = [], self
        while node is not None:
            parts.append(node.edge)
            node = node.parent
        return tuple(itertools.chain.from_iterable(reversed(parts)))

    def __repr__(self) -> str:
        return f"Node(depth={self.depth_tokens}, edge_units={len(self.edge)}, children={len(self.children)})"


@dataclass(frozen=True)
class Match:
    """Result of a pure match: ``node`` is the deepest node fully matched; ``child`` the node
    whose edge was entered partially (``child_units`` of it matched) or None."""

    node: Node
    child: Node | None
    child_units: int
    units: int
    tokens: int


def _edge_tokens(edge: tuple, segmented: bool) -> int:
    return unit_tokens(edge) if segmented else len(edge)


class RadixTree:
    """Compressed radix tree. ``split_value(value, k_units)`` -> (upper, lower) splits payloads."""

    def __init__(self, split_value: Callable[[Any, int], tuple[Any, Any]] | None = None) -> None:
        self._stamps = itertools.count()
        self.root = Node(None, (), 0, next(self._stamps))
        self.root.lock_ref = 1  # the root is never evicted
        self.total_tokens = 0
        self.split_value = split_value

    # ---- pure queries -------------------------------------------------------------------
    def walk(self, units: Sequence[Unit]) -> Iterator[tuple[Node, int, int]]:
        """Yield ``(node, units_matched_in_its_edge, tokens_matched_so_far)`` along ``units``.

        The root comes first (0, 0); the last item may be a partially matched edge."""
        node, pos, tokens = self.root, 0, 0
        yield node, 0, 0
        while pos < len(units):
            child = node.children.get(units[pos])
            if child is None:
                return
            k = common_prefix(child.edge, 0, units, pos)
            if k == len(child.edge):
                tokens += child.edge_tokens
            else:
                tokens += _edge_tokens(child.edge[:k], type(child.edge[0]) is tuple)
            yield child, k, tokens
            if k < len(child.edge):
                return
            node, pos = child, pos + k

    def match(self, units: Sequence[Unit]) -> Match:
        """Return the longest match of ``units`` against the tree (pure; no node is split)."""
        node, child, child_units, n_units, tokens = self.root, None, 0, 0, 0
        for cur, k, tok in self.walk(units):
            if cur is self.root:
                continue
            n_units += k
            tokens = tok
            if k == len(cur.edge):
                node = cur
            else:
                child, child_units = cur, k
        return Match(node, child, child_units, n_units, tokens)

    def match_tokens(self, units: Sequence[Unit]) -> int:
        """Return the number of tokens of the longest cached prefix of ``units``."""
        return self.match(units).tokens

    # ---- mutation -----------------------------------------------------------------------
    def split(self, node: Node, k: int) -> Node:
        """Split ``node``'s edge after ``k`` units; return the new upper node (mutates)."""
        assert 0 < k < len(node.edge), "split point must lie inside the edge"
        parent = node.parent
        upper_edge, lower_edge = node.edge[:k], node.edge[k:]
        seg = type(upper_edge[0]) is tuple
        upper = Node(parent, upper_edge, _edge_tokens(upper_edge, seg), next(self._stamps))
        upper.lock_ref, upper.last_access = node.lock_ref, node.last_access
        if self.split_value is not None and node.value is not None:
            upper.value, node.value = self.split_value(node.value, k)
        parent.children[upper_edge[0]] = upper
        node.parent, node.edge = upper, lower_edge
        node.edge_tokens -= upper.edge_tokens
        upper.children[lower_edge[0]] = node
        return upper

    def insert(self, units: Sequence[Unit], now: float | None = None,
               make_value: Callable[[Node, int, int], Any] | None = None) -> Node:
        """Insert ``units``; return the node ending exactly at its end (mutates).

        ``now``: stamp ``last_access`` on every node of the path. ``make_value(node, start,
        end)`` builds the payload of a new node holding ``units[start:end]``."""
        units = tuple(units)
        node, pos = self.root, 0
        while pos < len(units):
            child = node.children.get(units[pos])
            if child is None:
                edge = units[pos:]
                child = Node(node, edge, _edge_tokens(edge, type(edge[0]) is tuple), next(self._stamps))
                if make_value is not None:
                    child.value = make_value(child, pos, len(units))
                node.children[edge[0]] = child
                self.total_tokens += child.edge_tokens
                pos = len(units)
            else:
                k = common_prefix(child.edge, 0, units, pos)
                if k < len(child.edge):
                    child = self.split(child, k)
                pos += k
            node = child
            if now is not None:
                node.last_access = now
        return node

    def walk_up(self, node: Node) -> Iterator[Node]:
        """Yield ``node`` and each of its ancestors up to and including the root."""
        while node is not None:
            yield node
            node = node.parent

    def touch(self, node: Node, now: float) -> None:
        """Set ``last_access = now`` on ``node`` and all its ancestors (mutates)."""
        while node is not None:
            node.last_access = now
            node = node.parent

    def lock(self, node: Node) -> None:
        """Protect ``node`` and its ancestors from eviction (mutates)."""
        while node is not None:
            node.lock_ref += 1
            node = node.parent

    def unlock(self, node: Node) -> None:
        """Undo one ``lock(node)`` (mutates)."""
        while node is not None:
            if node.lock_ref <= 0:
                raise RuntimeError("unlock without a matching lock")
            node.lock_ref -= 1
            node = node.parent

    def remove_leaf(self, node: Node) -> None:
        """Remove the unlocked leaf ``node`` (mutates)."""
        if node.children or node is self.root or node.lock_ref > 0:
            raise RuntimeError("only unlocked leaves can be removed")
        del node.parent.children[node.edge[0]]
        self.total_tokens -= node.edge_tokens
        node.parent = None

    def nodes(self) -> Iterator[Node]:
        """Yield every node, root first (depth-first)."""
        stack = [self.root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(node.children.values())

    def evict(self, target_tokens: int, on_evict: Callable[[Node], None] | None = None) -> int:
        """Evict LRU unlocked leaves until at most ``target_tokens`` remain; return tokens freed."""
        if self.total_tokens <= target_tokens:
            return 0
        heap = [(n.last_access, n.stamp, n) for n in self.nodes() if not n.children and n.lock_ref == 0]
        heapq.heapify(heap)
        freed = 0
        while self.total_tokens > target_tokens and heap:
            _, _, leaf = heapq.heappop(heap)
            parent = leaf.parent
            if on_evict is not None:
                on_evict(leaf)
            freed += leaf.edge_tokens
            self.remove_leaf(leaf)
            if parent is not self.root and not parent.children and parent.lock_ref == 0:
                heapq.heappush(heap, (parent.last_access, parent.stamp, parent))
        return freed

    # ---- integrity ------------------------------------------------------------------------
    def check_invariants(self) -> None:
        """Raise AssertionError if any structural invariant is violated."""
        total = 0
        for node in self.nodes():
            if node is self.root:
                assert node.parent is None and node.edge == () and node.lock_ref >= 1
            else:
                assert node.edge, "non-root node with an empty edge"
                assert node.parent.children.get(node.edge[0]) is node, "child keyed by wrong unit"
                assert node.edge_tokens == unit_tokens(node.edge), "edge token count is stale"
                assert node.depth_tokens == node.parent.depth_tokens + node.edge_tokens, "depth is stale"
                assert node.lock_ref >= 0
                total += node.edge_tokens
            for key, child in node.children.items():
                assert child.edge[0] == key and child.parent is node
            # lock(v) counts on v and every ancestor, so a node holds at least its children's locks
            assert node.lock_ref >= sum(c.lock_ref for c in node.children.values()), "lock counts inconsistent"
        assert total == self.total_tokens, f"total_tokens {self.total_tokens} != {total}"
