"""The one solver interface: every back-end is a ``Solver`` with a name and a ``search`` method.

``Solver.solve`` does what all back-ends share: checks the objective and the cache model,
warm-starts from the best online policy (FCFS, LPM, 2-LPM, 3-LPM), answers a decision
objective at once when that order already meets T, calls the back-end's ``search``, and wraps
the answer in a ``SolveResult`` re-scored by the evaluator.
"""
from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from solvers.exact.objectives import Goal, make_goal
from solvers.exact.result import SolveResult, Status, make_result
from solvers.exact.data import pair_data
from solvers.exact.warm import max_ttft_lower_bound, warm_start
from theory.errors import InstanceError
from theory.instance import Instance


@dataclass(frozen=True)
class Limits:
    """Search limits and the warm start handed to a back-end."""

    time_limit: float
    workers: int
    seed: int
    deadline: float
    warm_order: tuple[int, ...] | None
    warm_value: float | None

    def expired(self) -> bool:
        """Return True once the wall-clock deadline has passed."""
        return time.perf_counter() >= self.deadline


@dataclass(frozen=True)
class Outcome:
    """What a back-end found: status, order, its own claimed value and a proven bound."""

    status: Status
    order: tuple[int, ...] | None
    claimed: float | None = None
    bound: float | None = None


MAX_SEED = 2**31 - 1  # CP-SAT and SCIP take 32-bit seeds


def check_limits(time_limit: float, workers: int, seed: int) -> None:
    """Raise InstanceError (one line) unless the time limit, worker count and seed are usable."""
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not 0 <= time_limit < math.inf:
        raise InstanceError(f"time_limit: must be a finite number >= 0, got {time_limit!r}")
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 1024:
        raise InstanceError(f"workers: must be an integer in [1, 1024], got {workers!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InstanceError(f"seed: must be an integer in [0, {MAX_SEED}], got {seed!r}")


class Solver(ABC):
    """An exact back-end; subclasses set ``name`` and implement ``check`` and ``search``."""

    name: str = "solver"

    def check(self, instance: Instance, goal: Goal) -> None:
        """Raise InstanceError when this back-end cannot take ``instance`` (size, cache)."""

    @abstractmethod
    def search(self, instance: Instance, goal: Goal, limits: Limits) -> Outcome:
        """Return the Outcome of searching for an optimal (or witness) order."""

    def solve(self, instance: Instance, *, objective: str, ttft_bound: float | None = None,
              p: float | None = None, time_limit: float = 10, workers: int = 2, seed: int = 0,
              warm: bool = True) -> SolveResult:
        """Return the SolveResult of optimising ``objective`` on ``instance``.

        ``ttft_bound`` defaults to the instance's; ``warm`` False skips the online-policy warm
        start (tests use it to exercise the search itself)."""
        t0 = time.perf_counter()
        check_limits(time_limit, workers, seed)
        bound = instance.ttft_bound if ttft_bound is None else ttft_bound
        goal = make_goal(objective, instance.n, bound, p)
        self.check(instance, goal)
        order = value = None
        if warm:
            order, evaluation, _ = warm_start(instance, goal)
            value = goal.value(evaluation)
            if goal.is_decision and goal.meets(evaluation):
                return self._finish(instance, goal, Outcome(Status.OPTIMAL, order, value), t0, seed)
        limits = Limits(time_limit, workers, seed, t0 + time_limit, order, value)
        outcome = self.search(instance, goal, limits)
        unproven = outcome.status in (Status.FEASIBLE, Status.UNKNOWN)
        if unproven and outcome.bound is None and goal.name == "max-ttft":
            outcome = Outcome(outcome.status, outcome.order, outcome.claimed,
                              max_ttft_lower_bound(pair_data(instance)))
        if unproven and order is not None and not goal.is_decision and (
                outcome.order is None or outcome.claimed is None or value < outcome.claimed):
            outcome = Outcome(Status.FEASIBLE, order, value, outcome.bound)
        return self._finish(instance, goal, outcome, t0, seed)

    def _finish(self, instance: Instance, goal: Goal, outcome: Outcome, t0: float, seed: int) -> SolveResult:
        return make_result(instance, goal, outcome.status, outcome.order, method=self.name,
                           time_s=time.perf_counter() - t0, seed=seed, claimed=outcome.claimed,
                           bound=outcome.bound)
