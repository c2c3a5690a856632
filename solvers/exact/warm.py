"""Warm starts and bounds: the best online policy's order, and simple valid lower bounds."""
from __future__ import annotations

from solvers.exact.data import PairData, min_proc
from solvers.exact.objectives import Goal
from solvers.policies import make_policy
from solvers.simulate import simulate
from theory.evaluate import Evaluation
from theory.instance import Instance

WARM_POLICIES: tuple[tuple[str, dict], ...] = (
    ("fcfs", {}), ("lpm", {}), ("klpm", {"k": 2}), ("klpm", {"k": 3}))


def warm_start(instance: Instance, goal: Goal) -> tuple[tuple[int, ...], Evaluation, str]:
    """Return (order, evaluation, policy) of the best of FCFS, LPM, 2-LPM, 3-LPM for ``goal``."""
    best = None
    for name, params in WARM_POLICIES:
        run = simulate(instance, make_policy(name, **params))
        key = goal.value(run.evaluation)
        if best is None or key < best[0]:
            best = (key, run.order, run.evaluation, run.policy)
    return best[1], best[2], best[3]


def fixed_time_fcfs_max(arrival: tuple[float, ...], proc: list[float]) -> float:
    """Return FCFS's max TTFT when job ``j`` takes ``proc[j]`` whatever the order.

    With order-independent processing times FCFS minimises the maximum flow time on one machine
    with release dates, so this is the optimum of that relaxed problem."""
    clock, worst = 0.0, 0.0
    for j in sorted(range(len(arrival)), key=lambda j: (arrival[j], j)):
        clock = max(clock, arrival[j]) + proc[j]
        worst = max(worst, clock - arrival[j])
    return worst


def max_ttft_lower_bound(data: PairData) -> float:
    """Return a valid lower bound on the optimal max TTFT: FCFS with every job at its cheapest.

    Each job's processing time is relaxed to its minimum over all possible predecessors."""
    n = len(data.arrival)
    return fixed_time_fcfs_max(data.arrival, [min_proc(data, j) for j in range(n)])


def forced_pairs(data: PairData, cap: float) -> list[tuple[int, int]]:
    """Return pairs (j, i) such that every order with all TTFTs <= ``cap`` runs j before i.

    If i ran before j, j could not finish before max(a_i + cheapest_i, a_j) + cheapest_j."""
    n = len(data.arrival)
    cheap = [min_proc(data, j) for j in range(n)]
    a = data.arrival
    return [(j, i) for i in range(n) for j in range(n)
            if i != j and max(a[i] + cheap[i], a[j]) + cheap[j] - a[j] > cap * (1 + 1e-12)]


def ttft_cap(goal: Goal, warm_value: float | None) -> float | None:
    """Return a TTFT every query meets in some optimal (or witness) order, if one is known:
    the warm start's max TTFT for max-ttft, T for feasible; None otherwise."""
    if goal.name == "max-ttft":
        return warm_value
    return goal.bound if goal.name == "feasible" else None
