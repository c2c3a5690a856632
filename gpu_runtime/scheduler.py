"""The scheduler: which waiting request runs next, decided by the simulator's policy objects.

It holds a ``solvers.waiting.WaitingQueue`` whose cache is the engine's ``RadixKVCache`` (a
``theory.cache.RadixCache``), so ``longest_match`` reads the real KV tree, and hands the policy
the same ``QueueView`` the simulator does. Batch size 1 is the paper's setting; with a token
budget, a prefill batch is filled SGLang-style by successive policy picks until the uncached
tokens of the batch reach the budget (the last pick may overshoot it; no chunked prefill).
"""
from __future__ import annotations

import time
from typing import Sequence

from gpu_runtime.kv_cache import RadixKVCache
from solvers.policy import Policy, QueueView
from solvers.waiting import WaitingQueue
from theory.errors import InstanceError
from theory.instance import Instance


class FixedOrder(Policy):
    """Replays a given order (e.g. an exact optimum); the engine waits for the next query in it
    when that one has not arrived yet (``next_required``)."""

    name = "fixed-order"

    def __init__(self, order: Sequence[int], label: str = "fixed-order") -> None:
        self.order = tuple(order)
        self.label = label
        self.pos = 0

    def reset(self, instance: Instance) -> None:
        self.pos = 0

    def next_required(self) -> int | None:
        """Return the query this policy must start next (None when the order is exhausted)."""
        return self.order[self.pos] if self.pos < len(self.order) else None

    def choose(self, view: QueueView) -> int:
        i = self.order[self.pos]
        self.pos += 1
        return i

    def describe(self) -> str:
        return self.label


class Scheduler:
    """Waiting requests of one run and the policy that orders them (mutable)."""

    def __init__(self, instance: Instance, policy: Policy, cache: RadixKVCache,
                 token_budget: int = 0) -> None:
        policy.reset(instance)
        self.instance = instance
        self.policy = policy
        self.queue = WaitingQueue(instance, cache)
        self.view = QueueView(instance, self.queue)
        self.token_budget = token_budget
        self.starts = 0
        self.seconds = 0.0  # wall time spent in add / next_batch / processed (scheduler overhead)

    def __len__(self) -> int:
        return len(self.queue)

    def add(self, i: int) -> None:
        """Put arrived request ``i`` in the waiting queue (mutates)."""
        t0 = time.perf_counter()
        self.queue.add(i)
        self.seconds += time.perf_counter() - t0

    def drop(self, i: int) -> None:
        """Tell a fixed-order policy that request ``i`` will never run (it was rejected)."""
        if isinstance(self.policy, FixedOrder) and i in self.policy.order:
            order = list(self.policy.order)
            order.remove(i)
            self.policy.order = tuple(order)

    def ready(self) -> bool:
        """Return True when the policy can pick now (something waits, and a fixed order's next
        query has arrived)."""
        if len(self.queue) == 0:
            return False
        need = getattr(self.policy, "next_required", None)
        if need is None:
            return True
        i = need()
        return i is not None and self.queue.waiting_flags[i]

    def _pick(self, now: float) -> int:
        self.view.now, self.view.step = now, self.starts
        i = self.policy.choose(self.view)
        if not (0 <= i < self.instance.n) or not self.queue.waiting_flags[i]:
            raise InstanceError(f"policy {self.policy.describe()}: chose {i}, which is not waiting")
        self.queue.remove(i)
        self.starts += 1
        return i

    def next_batch(self, now: float) -> list[int]:
        """Return the requests to prefill next (one, or a token-budget batch) (mutates)."""
        t0 = time.perf_counter()
        batch = [self._pick(now)]
        used = self.view.uncached(batch[0])
        while self.token_budget and used < self.token_budget and self.ready():
            i = self._pick(now)
            used += self.view.uncached(i)
            batch.append(i)
        self.seconds += time.perf_counter() - t0
        return batch

    def processed(self, i: int) -> None:
        """Tell the waiting index that request ``i``'s prompt entered the KV cache (mutates)."""
        t0 = time.perf_counter()
        self.queue.processed(i)
        self.seconds += time.perf_counter() - t0
