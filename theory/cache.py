"""The three cache models: what a query can reuse, and how the cache changes after it runs.

- ``previous``: only the prompt processed just before counts (the paper's model).
- ``radix``: every prompt processed before counts; nothing is ever evicted.
- ``lru``: a radix cache holding at most ``capacity`` tokens. A query reuses its longest match
  against the cache as it stands when the query starts; after it runs, its whole prompt is
  inserted and every node on its path is stamped with the step number; then least-recently-used
  unlocked leaves are evicted whole (ties: the older node) until at most ``capacity`` tokens
  remain. The just-processed path is the most recent, so it goes last; a prompt longer than the
  capacity keeps only the part of its path that fits after whole-leaf evictions.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from theory.instance import CostModel, Query
from theory.radix import RadixTree, common_prefix


class Cache(ABC):
    """A cache model's state. ``match`` is pure; ``admit`` mutates."""

    @abstractmethod
    def match(self, query: Query) -> int:
        """Return how many prompt tokens of ``query`` are cached now."""

    @abstractmethod
    def admit(self, query: Query, step: int) -> None:
        """Record that ``query`` was processed as the ``step``-th query (mutates)."""


class PreviousCache(Cache):
    """Holds only the previously processed prompt."""

    def __init__(self) -> None:
        self.previous: Query | None = None

    def match(self, query: Query) -> int:
        if self.previous is None:
            return 0
        return query.tokens_in(common_prefix(self.previous.units, 0, query.units, 0))

    def admit(self, query: Query, step: int) -> None:
        self.previous = query


class RadixCache(Cache):
    """Holds every processed prompt in a radix tree; ``capacity`` None means unbounded."""

    def __init__(self, capacity: int | None = None) -> None:
        self.tree = RadixTree()
        self.capacity = capacity

    def match(self, query: Query) -> int:
        return self.tree.match_tokens(query.units)

    def admit(self, query: Query, step: int) -> None:
        self.tree.insert(query.units, now=step)
        if self.capacity is not None:
            self.tree.evict(self.capacity)


def make_cache(cost: CostModel) -> Cache:
    """Return a fresh, empty cache for the cache model named in ``cost``."""
    if cost.cache == "previous":
        return PreviousCache()
    if cost.cache == "radix":
        return RadixCache()
    if cost.cache == "lru":
        return RadixCache(capacity=cost.capacity)
    raise ValueError(f"unknown cache model {cost.cache!r}")
