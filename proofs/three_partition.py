"""3-PARTITION: instances, a seeded generator of yes- and no-instances, and an exact decider.

3-PARTITION (strongly NP-complete; Garey & Johnson, problem SP15): given 3m positive integers
a_0..a_{3m-1} and a bound B with B/4 < a_i < B/2 and sum a_i = m*B, can the indices be split
into m triples, each summing to B? (The bounds force every set summing to B to have exactly
three members.) A *partition* here is a tuple of m triples of indices into ``numbers``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from theory.errors import InstanceError

Partition = tuple[tuple[int, int, int], ...]


@dataclass(frozen=True)
class ThreePartition:
    """A validated 3-PARTITION instance: ``numbers`` (3m positive ints) and the bound ``B``."""

    numbers: tuple[int, ...]
    B: int

    def __post_init__(self) -> None:
        nums, B = self.numbers, self.B
        object.__setattr__(self, "numbers", tuple(nums))
        if isinstance(B, bool) or not isinstance(B, int) or B < 1:
            raise InstanceError(f"3-partition: B must be a positive integer, got {B!r}")
        if not nums or len(nums) % 3:
            raise InstanceError(f"3-partition: need 3m numbers (m >= 1), got {len(nums)}")
        for i, a in enumerate(nums):
            if isinstance(a, bool) or not isinstance(a, int) or a < 1:
                raise InstanceError(f"3-partition: numbers[{i}] must be a positive integer, got {a!r}")
            if not (4 * a > B and 2 * a < B):
                raise InstanceError(f"3-partition: numbers[{i}] = {a} violates B/4 < a < B/2 (B = {B})")
        if sum(nums) != self.m * B:
            raise InstanceError(f"3-partition: numbers sum to {sum(nums)}, expected m*B = {self.m * B}")

    @property
    def m(self) -> int:
        """Return the number of triples m."""
        return len(self.numbers) // 3

    @classmethod
    def from_numbers(cls, numbers: Sequence[int]) -> "ThreePartition":
        """Return the instance with B inferred as sum/m (InstanceError if that is impossible)."""
        nums = tuple(numbers)
        if not nums or len(nums) % 3:
            raise InstanceError(f"3-partition: need 3m numbers (m >= 1), got {len(nums)}")
        m, total = len(nums) // 3, sum(nums)
        if total % m:
            raise InstanceError(f"3-partition: sum {total} is not divisible by m = {m}, so B = sum/m is not an integer")
        return cls(nums, total // m)

    def check_partition(self, partition: Sequence[Sequence[int]]) -> Partition:
        """Return ``partition`` normalised (sorted triples); InstanceError if it is not valid."""
        triples = [tuple(sorted(t)) for t in partition]
        if len(triples) != self.m:
            raise InstanceError(f"partition: expected {self.m} triples, got {len(triples)}")
        used = sorted(i for t in triples for i in t)
        if used != list(range(len(self.numbers))):
            raise InstanceError("partition: must use every index exactly once")
        for k, t in enumerate(triples):
            if len(t) != 3 or sum(self.numbers[i] for i in t) != self.B:
                raise InstanceError(f"partition: triple {k} {t} does not sum to B = {self.B} with 3 members")
        return tuple(triples)  # type: ignore[return-value]


def decide(tp: ThreePartition) -> Partition | None:
    """Return a partition of ``tp`` into triples summing to B, or None if none exists.

    Backtracking: the largest remaining number opens the next triple, and the two others are
    chosen among the remaining values (duplicates skipped); failures are memoised on the
    multiset of remaining values, so the search is exact and fast for the sizes tests use.
    """
    order = sorted(range(len(tp.numbers)), key=lambda i: -tp.numbers[i])
    values = tuple(tp.numbers[i] for i in order)
    B = tp.B

    @lru_cache(maxsize=None)
    def solve(rest: tuple[int, ...]) -> tuple[tuple[int, int, int], ...] | None:
        if not rest:
            return ()
        a, tail = rest[0], rest[1:]
        for j in range(len(tail)):
            if j and tail[j] == tail[j - 1]:
                continue
            for k in range(j + 1, len(tail)):
                if k > j + 1 and tail[k] == tail[k - 1]:
                    continue
                if a + tail[j] + tail[k] == B:
                    sub = solve(tail[:j] + tail[j + 1:k] + tail[k + 1:])
                    if sub is not None:
                        return ((a, tail[j], tail[k]),) + sub
        return None

    triples = solve(values)
    if triples is None:
        return None
    pools: dict[int, list[int]] = {}
    for i in order:
        pools.setdefault(tp.numbers[i], []).append(i)
    return tp.check_partition([[pools[v].pop() for v in t] for t in triples])


def _triple(rng: random.Random, B: int) -> tuple[int, int, int] | None:
    lo, hi = B // 4 + 1, (B - 1) // 2
    a1, a2 = rng.randint(lo, hi), rng.randint(lo, hi)
    a3 = B - a1 - a2
    return (a1, a2, a3) if lo <= a3 <= hi else None


def valid_bounds(B: int) -> bool:
    """Return True when some three integers in (B/4, B/2) sum to B (so instances exist)."""
    lo, hi = B // 4 + 1, (B - 1) // 2
    return 3 * lo <= B <= 3 * hi


def yes_instance(m: int, B: int, seed: int) -> tuple[ThreePartition, Partition]:
    """Return a random yes-instance with m triples and bound B, and the partition it was built from."""
    if m < 1 or not valid_bounds(B):
        raise InstanceError(f"3-partition generator: no instance has m = {m}, B = {B}")
    rng = random.Random(seed)
    triples = []
    while len(triples) < m:
        t = _triple(rng, B)
        if t is not None:
            triples.append(t)
    flat = [(a, k) for k, t in enumerate(triples) for a in t]
    rng.shuffle(flat)
    tp = ThreePartition(tuple(a for a, _ in flat), B)
    groups: dict[int, list[int]] = {}
    for i, (_, k) in enumerate(flat):
        groups.setdefault(k, []).append(i)
    return tp, tp.check_partition(list(groups.values()))


def no_instance(m: int, B: int, seed: int, tries: int = 20000) -> ThreePartition:
    """Return a random no-instance (checked by ``decide``); InstanceError if none is found."""
    if m < 1 or not valid_bounds(B):
        raise InstanceError(f"3-partition generator: no instance has m = {m}, B = {B}")
    rng = random.Random(seed)
    lo, hi = B // 4 + 1, (B - 1) // 2
    for _ in range(tries):
        nums = [rng.randint(lo, hi) for _ in range(3 * m - 1)]
        last = m * B - sum(nums)
        if lo <= last <= hi:
            tp = ThreePartition(tuple(nums + [last]), B)
            if decide(tp) is None:
                return tp
    raise InstanceError(f"3-partition generator: no no-instance found for m = {m}, B = {B} in {tries} tries")
