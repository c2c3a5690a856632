"""The waiting queue: which queries wait, the oldest one, and the longest prefix match.

``WaitingQueue`` indexes waiting prompts in a ``theory.radix.RadixTree`` so that a longest-
prefix-match pick does not rescore the whole queue:

- previous cache: walk the cached prompt P down the waiting tree; the deepest point whose
  subtree still holds a waiting query is the longest match: O(|P| + depth·log n).
- radix / lru caches: the match of a waiting query is the deepest point of its path that the
  cache covers. Each waiting-tree node keeps heap entries ``(-covered tokens, node)`` pushed when
  coverage grows (a prompt enters the cache, a query arrives); entries are upper bounds, checked
  when popped (lru evictions can shrink coverage), so a pick costs O(|P| + log n) amortised.

Ties go to the earliest arrival, then to the earlier position in the instance (a per-node heap of
``(arrival, index)``). ``NaiveWaitingQueue`` rescores every waiting query: the oracle in tests and
the baseline in benchmarks.
"""
from __future__ import annotations

import heapq
from typing import Iterator

from theory.cache import Cache, PreviousCache, RadixCache
from theory.instance import Instance
from theory.radix import Node, RadixTree


class _Slot:
    """Per-node bookkeeping: waiting queries below the node, a lazy heap of their keys, the key of
    the node's live coverage entry (0: none) and the cache epoch at which that key was exact."""

    __slots__ = ("count", "heap", "cov_key", "checked")

    def __init__(self, count: int = 0, heap: list | None = None) -> None:
        self.count = count
        self.heap = heap if heap is not None else []
        self.cov_key = 0
        self.checked = -1


def _split_slot(slot: _Slot, k: int) -> tuple[_Slot, _Slot]:
    # The new upper node covers exactly the lower node's subtree (its new sibling is added later).
    return _Slot(slot.count, list(slot.heap)), slot


class WaitingQueue:
    """Waiting queries of ``instance`` against ``cache``; call ``processed`` after each admit."""

    def __init__(self, instance: Instance, cache: Cache) -> None:
        self.instance = instance
        self.cache = cache
        self.tree = RadixTree(split_value=_split_slot)
        self.tree.root.value = _Slot()
        self.waiting_flags = [False] * instance.n
        self.leaf: list[Node | None] = [None] * instance.n
        self.coverage: list[tuple[int, int, Node]] = []  # (-tokens, node stamp, node)
        self.members: set[int] = set()  # so that waiting() costs O(queue), not O(instance)
        self.size = 0
        self.epoch = 0  # bumped at every admit into an evicting cache: coverage may have shrunk

    def __len__(self) -> int:
        return self.size

    def _key(self, i: int) -> tuple[float, int]:
        return (self.instance.queries[i].arrival, i)

    def _top(self, node: Node) -> tuple[float, int] | None:
        heap = node.value.heap
        while heap and not self.waiting_flags[heap[0][1]]:
            heapq.heappop(heap)
        return heap[0] if heap else None

    def add(self, i: int) -> None:
        """Put query ``i`` in the queue (mutates)."""
        q = self.instance.queries[i]
        leaf = self.tree.insert(q.units, make_value=lambda node, a, b: _Slot())
        for node in self.tree.walk_up(leaf):
            if node.value is None:
                node.value = _Slot()
            node.value.count += 1
            heapq.heappush(node.value.heap, self._key(i))
        self.leaf[i] = leaf
        self.waiting_flags[i] = True
        self.members.add(i)
        self.size += 1
        if isinstance(self.cache, RadixCache):
            self._push_coverage(q.units, self.cache.match(q))

    def remove(self, i: int) -> None:
        """Take query ``i`` out of the queue (mutates)."""
        if not self.waiting_flags[i]:
            raise KeyError(f"query {i} is not waiting")
        self.waiting_flags[i] = False
        self.members.discard(i)
        self.size -= 1
        for node in self.tree.walk_up(self.leaf[i]):
            node.value.count -= 1

    def processed(self, i: int) -> None:
        """Tell the index that query ``i`` was just admitted to the cache (mutates)."""
        if isinstance(self.cache, RadixCache):
            q = self.instance.queries[i]
            if self.cache.capacity is None:
                self._push_coverage(q.units, q.length)
            else:
                self.epoch += 1
                # after lru eviction only part of the prompt may remain: push what is really cached
                self._push_coverage(q.units, self.cache.match(q))

    def _push_coverage(self, units: tuple, covered: int) -> None:
        """Record that the cache covers the first ``covered`` tokens of ``units`` (exact now)."""
        for node, k, tokens in self.tree.walk(units):
            if node is self.tree.root:
                continue
            if covered <= node.depth_tokens - node.edge_tokens:
                return
            value, slot = min(covered, tokens), node.value
            if value > slot.cov_key:  # one live entry per node: the highest key wins
                slot.cov_key, slot.checked = value, self.epoch
                heapq.heappush(self.coverage, (-value, node.stamp, node))

    def waiting(self) -> Iterator[int]:
        """Yield waiting query indices in (arrival, position) order."""
        return iter(sorted(self.members, key=self._key))

    def oldest(self) -> int:
        """Return the waiting query with the earliest (arrival, position)."""
        top = self._top(self.tree.root)
        if top is None:
            raise IndexError("no query is waiting")
        return top[1]

    def overlap(self, i: int) -> int:
        """Return the cached tokens of query ``i``'s prompt (pure)."""
        return self.cache.match(self.instance.queries[i])

    def longest_match(self) -> tuple[int, int]:
        """Return (query, cached tokens) of the waiting query with the longest cached prefix."""
        if self.size == 0:
            raise IndexError("no query is waiting")
        if isinstance(self.cache, PreviousCache):
            return self._longest_previous()
        return self._longest_covered()

    def _longest_previous(self) -> tuple[int, int]:
        prev = self.cache.previous
        best, best_tokens = self.tree.root, 0
        if prev is not None:
            for node, k, tokens in self.tree.walk(prev.units):
                if node.value.count == 0:
                    break
                best, best_tokens = node, tokens
        return self._top(best)[1], best_tokens

    def _coverage_now(self, node: Node, key: int) -> int:
        """Return the exact coverage of ``node`` given its entry's (upper-bound) ``key``."""
        slot = node.value
        # Only lru evictions can shrink coverage, and only at an admit (a new epoch).
        if self.cache.capacity is None or slot.checked == self.epoch:
            return key
        slot.checked = self.epoch
        return min(key, self.cache.tree.match_tokens(node.path_units()))

    def _longest_covered(self) -> tuple[int, int]:
        heap, valid = self.coverage, []
        best_value = None
        while heap:
            neg, stamp, node = heap[0]
            slot = node.value
            if -neg != slot.cov_key:
                heapq.heappop(heap)  # superseded by a later entry of the same node
                continue
            value = 0 if slot.count == 0 else self._coverage_now(node, -neg)
            if value <= node.depth_tokens - node.edge_tokens:
                heapq.heappop(heap)  # empty subtree, or coverage now lies above this node
                slot.cov_key = 0
                continue
            if value < -neg:
                slot.cov_key = value
                heapq.heapreplace(heap, (-value, stamp, node))
                continue
            if best_value is not None and value < best_value:
                break
            best_value = value
            valid.append(heapq.heappop(heap))
        if not valid:
            return self.oldest(), 0
        for entry in valid:
            heapq.heappush(heap, entry)
        key = min(self._top(entry[2]) for entry in valid)
        return key[1], best_value


class NaiveWaitingQueue:
    """Same interface as ``WaitingQueue``; rescores every waiting query on each pick."""

    def __init__(self, instance: Instance, cache: Cache) -> None:
        self.instance = instance
        self.cache = cache
        self.items: set[int] = set()

    def __len__(self) -> int:
        return len(self.items)

    def _key(self, i: int) -> tuple[float, int]:
        return (self.instance.queries[i].arrival, i)

    def add(self, i: int) -> None:
        self.items.add(i)

    def remove(self, i: int) -> None:
        self.items.remove(i)

    def processed(self, i: int) -> None:
        pass

    def waiting(self) -> Iterator[int]:
        return iter(sorted(self.items, key=self._key))

    def oldest(self) -> int:
        return min(self.items, key=self._key)

    def overlap(self, i: int) -> int:
        return self.cache.match(self.instance.queries[i])

    def longest_match(self) -> tuple[int, int]:
        scored = [(-self.overlap(i), self._key(i)) for i in self.items]
        neg, key = min(scored)
        return key[1], -neg
