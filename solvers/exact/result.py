"""The one result type of every exact solver, always re-scored by ``theory.evaluate``.

``value`` is recomputed from the returned order by the evaluator; ``claimed_value`` is what the
solver's own model said. Models may allow idling, so the re-evaluated value (earliest starts)
can only be lower than or equal to the claim; it must equal the claim when the status is
OPTIMAL for an optimisation objective. ``make_result`` raises AssertionError otherwise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Sequence

from solvers.exact.objectives import Goal
from theory.evaluate import Evaluation, evaluate
from theory.instance import Instance


class Status(str, Enum):
    """OPTIMAL and INFEASIBLE only when proven; FEASIBLE carries a bound and gap."""

    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class SolveResult:
    """A solve: status, objective, re-evaluated value, proven bound, gap, order and evaluation."""

    status: Status
    objective: str
    value: float | None
    bound: float | None
    gap: float | None
    order: tuple[int, ...] | None
    evaluation: Evaluation | None
    method: str
    time_s: float
    seed: int
    claimed_value: float | None

    def to_json(self, instance: Instance) -> dict:
        """Return the CLI's JSON fields {status, objective, value, bound, gap, order, ttft, ...}."""
        ids = [q.id for q in instance.queries]
        return {"status": self.status.value, "objective": self.objective, "value": self.value,
                "bound": self.bound, "gap": self.gap,
                "order": None if self.order is None else [ids[i] for i in self.order],
                "ttft": None if self.evaluation is None else dict(zip(ids, self.evaluation.ttft)),
                "method": self.method, "seed": self.seed, "time_s": round(self.time_s, 6)}


def close(a: float, b: float, rel: float = 1e-6) -> bool:
    """Return True when ``a`` and ``b`` agree up to solver/scaling round-off."""
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel)


def make_result(instance: Instance, goal: Goal, status: Status, order: Sequence[int] | None, *,
                method: str, time_s: float, seed: int, claimed: float | None = None,
                bound: float | None = None) -> SolveResult:
    """Return a SolveResult whose value is recomputed by ``theory.evaluate`` from ``order``.

    Raises AssertionError if the re-evaluated value exceeds the claim, or differs from it under
    OPTIMAL for an optimisation objective (a modelling bug, never a user error)."""
    evaluation = None if order is None else evaluate(instance, order)
    value = None if evaluation is None else goal.value(evaluation)
    if value is not None and claimed is not None:
        if value > claimed and not close(value, claimed):
            raise AssertionError(f"{method}: re-evaluated {goal.name} {value} exceeds the model's claim {claimed}")
        if status is Status.OPTIMAL and not goal.is_decision and not close(value, claimed):
            raise AssertionError(f"{method}: re-evaluated {goal.name} {value} != proven optimum {claimed}")
    if goal.is_decision and evaluation is not None and status in (Status.OPTIMAL, Status.FEASIBLE):
        if not goal.meets(evaluation):
            raise AssertionError(f"{method}: witness order has {value} violations, allowed {goal.allowance}")
    if status is Status.OPTIMAL and not goal.is_decision:
        bound = value
    gap = None
    if value is not None and bound is not None and not goal.is_decision:
        gap = max(0.0, (value - bound) / max(abs(value), 1e-12)) if value else 0.0
    return SolveResult(status, goal.name, value, bound, gap, None if order is None else tuple(order),
                       evaluation, method, time_s, seed, claimed)
