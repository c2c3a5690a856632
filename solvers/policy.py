"""The one policy interface, shared by the simulator and the runtime.

A policy picks the next query to start from a read-only ``QueueView``: the waiting queue (its
oldest query, its longest prefix match against the cache, any query's cached overlap), the
current time and how many queries the server has started. ``choose`` is called exactly once
per start and its answer is carried out, so a policy may update its own state in it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Iterator, Protocol

from theory.instance import Instance


class WaitingIndex(Protocol):
    """What a view reads from a waiting queue (``solvers.waiting`` or the runtime's)."""

    def __len__(self) -> int: ...
    def oldest(self) -> int: ...
    def longest_match(self) -> tuple[int, int]: ...
    def overlap(self, i: int) -> int: ...
    def waiting(self) -> Iterator[int]: ...


class QueueView:
    """Read-only view of the server state handed to ``Policy.choose``."""

    def __init__(self, instance: Instance, queue: WaitingIndex) -> None:
        self.instance = instance
        self._queue = queue
        self.now = 0.0
        self.step = 0

    def __len__(self) -> int:
        return len(self._queue)

    def oldest(self) -> int:
        """Return the waiting query with the earliest (arrival, position)."""
        return self._queue.oldest()

    def longest_match(self) -> tuple[int, int]:
        """Return (query, cached tokens) maximising the cached prefix; ties to the oldest."""
        return self._queue.longest_match()

    def overlap(self, i: int) -> int:
        """Return how many tokens of query ``i`` are cached now."""
        return self._queue.overlap(i)

    def uncached(self, i: int) -> int:
        """Return how many tokens of query ``i`` would have to be computed now."""
        return self.instance.queries[i].length - self._queue.overlap(i)

    def waiting(self) -> Iterator[int]:
        """Yield the waiting queries in (arrival, position) order."""
        return self._queue.waiting()


class Policy(ABC):
    """A scheduling policy: ``choose`` returns the index of the waiting query to start next."""

    name: str = "policy"

    def reset(self, instance: Instance) -> None:
        """Prepare for a new run on ``instance`` (clears any state)."""

    @abstractmethod
    def choose(self, view: QueueView) -> int:
        """Return the waiting query to start now."""

    def describe(self) -> str:
        """Return the policy's name with its parameters, e.g. ``klpm(k=2)``."""
        return self.name
