"""The objectives the exact solvers optimise, each computed from a ``theory`` Evaluation.

All five are *regular*: with the order fixed, starting every query as early as possible
(``start = max(previous finish, arrival)``) is optimal, because finishing earlier never makes a
TTFT larger. Solvers therefore search over orders with earliest starts.

- ``max-ttft``: minimise max_j TTFT_j.
- ``total-ttft``: minimise sum_j TTFT_j.
- ``violations``: minimise #{j : TTFT_j > T} (goodput); needs T.
- ``feasible``: decision problem (the paper's): is there an order with TTFT_j <= T for all j?
  Its value is the number of violations of the returned order (0 for a witness).
- ``percentile``: decision problem: is there an order in which at least a fraction 1 - p of the
  queries meet T, i.e. with at most ``floor(p * n)`` violations? Its value is the number of
  violations of the returned order (<= the allowance for a witness). The minimum number of
  violations itself is the ``violations`` objective.

For the decision objectives, status OPTIMAL means "yes, and the order is a witness" and
INFEASIBLE means "proven no".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from theory.errors import InstanceError
from theory.evaluate import Evaluation, exceeds

OBJECTIVES: tuple[str, ...] = ("max-ttft", "feasible", "violations", "total-ttft", "percentile")
NEEDS_BOUND: frozenset[str] = frozenset({"feasible", "violations", "percentile"})
DECISION: frozenset[str] = frozenset({"feasible", "percentile"})


@dataclass(frozen=True)
class Goal:
    """A checked objective: its name, the bound T and the violation allowance (decision kinds)."""

    name: str
    bound: float | None = None
    p: float | None = None
    allowance: int | None = None

    @property
    def is_decision(self) -> bool:
        """Return True for the yes/no objectives (feasible, percentile)."""
        return self.name in DECISION

    def value(self, evaluation: Evaluation) -> float:
        """Return this objective's value for ``evaluation`` (violations for decision kinds)."""
        return VALUE[self.name](evaluation, self.bound)

    def meets(self, evaluation: Evaluation) -> bool:
        """Return True when ``evaluation`` answers a decision objective with yes."""
        return self.allowance is not None and evaluation.violations(self.bound) <= self.allowance

    def step(self, acc: float, ttft: float) -> float:
        """Return the accumulated objective after one more query with ``ttft`` (for DP/brute)."""
        if self.name == "max-ttft":
            return ttft if ttft > acc else acc
        if self.name == "total-ttft":
            return acc + ttft
        return acc + (1 if exceeds(ttft, self.bound) else 0)

    def prune(self, acc: float) -> bool:
        """Return True when a partial order with accumulated ``acc`` cannot answer yes."""
        return self.allowance is not None and acc > self.allowance


VALUE: dict[str, Callable[[Evaluation, float | None], float]] = {
    "max-ttft": lambda ev, t: ev.max_ttft,
    "total-ttft": lambda ev, t: ev.total_ttft,
    "violations": lambda ev, t: ev.violations(t),
    "feasible": lambda ev, t: ev.violations(t),
    "percentile": lambda ev, t: ev.violations(t),
}


def make_goal(name: str, n: int, bound: float | None = None, p: float | None = None) -> Goal:
    """Return the checked Goal; InstanceError for unknown names or missing/bad T and p."""
    if name not in OBJECTIVES:
        raise InstanceError(f"objective: unknown objective {name!r} (choose from {list(OBJECTIVES)})")
    if name in NEEDS_BOUND and bound is None:
        raise InstanceError(f"objective {name}: needs a TTFT bound T (--ttft-bound or the instance's ttft_bound)")
    if bound is not None and (not math.isfinite(bound) or bound < 0):
        raise InstanceError(f"ttft_bound: must be a finite number >= 0, got {bound}")
    if name == "percentile":
        if p is None:
            raise InstanceError("objective percentile: needs --p (the fraction of queries allowed over T)")
        if not 0 <= p < 1:
            raise InstanceError(f"p: must be in [0, 1), got {p}")
        return Goal(name, bound, p, math.floor(p * n + 1e-9))
    if name == "feasible":
        return Goal(name, bound, None, 0)
    return Goal(name, bound if name == "violations" else None)
