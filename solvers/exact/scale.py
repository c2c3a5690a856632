"""Exact integer scaling of times for the CP-SAT and MILP models.

CP-SAT needs integers. All arrivals and processing times are multiplied by the smallest power
of ten (up to 10^6) that makes every one of them an integer (up to 1e-9 relative round-off);
instances whose numbers need more digits are refused with a one-line InstanceError, never
silently rounded. A bound T is scaled down to an integer (``TTFT <= T`` is then exact, since
every scaled TTFT is an integer).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from solvers.exact.data import PairData
from theory.errors import InstanceError

MAX_DIGITS = 6
MAX_SCALED = 2**52


@dataclass(frozen=True)
class Scaled:
    """Integer arrivals, first and pairwise processing times, and the factor used."""

    factor: int
    arrival: tuple[int, ...]
    first: tuple[int, ...]
    proc: tuple[tuple[int, ...], ...]

    def time(self, value: float) -> float:
        """Return a scaled model value converted back to instance time units."""
        return value / self.factor

    def bound(self, t: float) -> int:
        """Return the largest integer scaled TTFT that is <= ``t``."""
        return math.floor(t * self.factor + 1e-9 * max(1.0, t * self.factor))


def _is_integral(x: float) -> bool:
    return abs(x - round(x)) <= 1e-9 * max(1.0, abs(x))


def find_factor(values: Iterable[float], method: str) -> int:
    """Return the smallest 10^k (k <= 6) making every value an integer; InstanceError if none."""
    values = list(values)
    for k in range(MAX_DIGITS + 1):
        f = 10 ** k
        if all(_is_integral(v * f) for v in values):
            if max(values, default=0) * f * max(1, len(values)) > MAX_SCALED:
                break
            return f
    raise InstanceError(f"solver {method}: arrivals and processing times are not integers at any scale "
                        f"up to 1e{MAX_DIGITS} (or too large); round the instance's numbers")


def scale(data: PairData, method: str) -> Scaled:
    """Return the Scaled integer data of ``data`` for ``method``."""
    flat = list(data.arrival) + list(data.first) + [p for row in data.proc for p in row]
    f = find_factor(flat, method)
    r = lambda v: int(round(v * f))  # noqa: E731
    return Scaled(f, tuple(r(a) for a in data.arrival), tuple(r(p) for p in data.first),
                  tuple(tuple(r(p) for p in row) for row in data.proc))
