"""Total TTFT with release dates is strongly NP-hard under every cache model (checked triple).

Theorem T. Deciding whether some order has total TTFT <= K' is strongly NP-hard under the
previous, radix and lru caches for any c_attn >= 0 — already without shared prefixes. Source:
1|r_j|sum C_j (one machine, release dates, no preemption, minimise the sum of completion times),
strongly NP-hard (Lenstra, Rinnooy Kan and Brucker 1977). ``reduce`` maps job j (release r_j,
time p_j) to a query arriving at r_j whose prompt is p_j fresh tokens (nothing is ever reused,
so its processing time is p_j with per_token 1, base 0, c_attn 0) and K to K' = K - sum r_j,
since TTFT_j = C_j - r_j. Orders correspond one to one (``forward``/``backward`` are the identity
on positions); idling never helps a regular objective. Size: n queries, sum p_j tokens, numbers
unchanged — polynomial in the unary size, as strong hardness needs. With equal arrivals the
radix, c_attn = 0 case is polynomial instead (solvers/total_ttft.py).
Proof: proofs/complexity_cells.md (cell "total TTFT").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import CostModel, Instance, Query

NAME = "1|r_j|sum C_j/total-ttft"
VERSION = 1


@dataclass(frozen=True)
class SumCjInstance:
    """A 1|r_j|sum C_j decision instance: releases, processing times (ints) and the target K."""

    releases: tuple[int, ...]
    times: tuple[int, ...]
    target: int

    def __post_init__(self) -> None:
        if not self.times or len(self.releases) != len(self.times):
            raise InstanceError("jobs: need as many releases as processing times, at least one")
        if any(r < 0 for r in self.releases) or any(p < 1 for p in self.times):
            raise InstanceError("jobs: releases must be >= 0 and processing times >= 1")

    def sum_completion(self, sequence: Sequence[int]) -> int:
        """Return sum of completion times of the jobs run in ``sequence`` as early as possible."""
        clock, total = 0, 0
        for j in sequence:
            clock = max(clock, self.releases[j]) + self.times[j]
            total += clock
        return total


def reduce(src: SumCjInstance, cache: str = "radix", c_attn: float = 0) -> tuple[Instance, float]:
    """Return (the klpm instance, the total-TTFT target K - sum r_j)."""
    if c_attn != 0:
        raise InstanceError("reduce: processing times equal p_j only with c_attn = 0")
    capacity = 1 if cache == "lru" else None
    queries, token = [], 0
    for j, (r, p) in enumerate(zip(src.releases, src.times)):
        queries.append(Query(f"j{j}", r, tuple(range(token, token + p))))
        token += p
    inst = Instance(tuple(queries), CostModel(cache=cache, capacity=capacity))
    return inst, src.target - sum(src.releases)


def forward(src: SumCjInstance, sequence: Sequence[int]) -> tuple[int, ...]:
    """Return the order of the reduced instance for a job sequence meeting K (checked)."""
    if src.sum_completion(sequence) > src.target:
        raise InstanceError("forward: the job sequence misses the target K")
    return tuple(sequence)


def backward(src: SumCjInstance, instance: Instance, order: Sequence[int], target: float) -> tuple[int, ...]:
    """Return the job sequence for an order whose total TTFT is <= target (checked both ways)."""
    total = evaluate(instance, order).total_ttft
    if total > target + 1e-9:
        raise InstanceError(f"backward: the order's total TTFT {total} exceeds the target {target}")
    sequence = tuple(order)
    if src.sum_completion(sequence) > src.target:
        raise RuntimeError("backward: the job sequence misses K although the order met the target")
    return sequence
