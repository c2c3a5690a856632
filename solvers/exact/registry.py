"""The registry of exact back-ends and the dispatcher ``solve(..., solver="auto")``.

``auto``: a polynomial cell (see ``solvers.exact.polynomial``) is answered by FCFS with status
OPTIMAL; otherwise instances the DP accepts (its state estimate is small) go to the DP, the lru
cache to brute force (small n), and everything else to CP-SAT.
"""
from __future__ import annotations

import importlib

from solvers.exact.base import Solver
from solvers.exact.result import SolveResult
from theory.errors import InstanceError
from theory.instance import Instance

BACKENDS: dict[str, str] = {
    "cpsat": "solvers.exact.cpsat:CpSatSolver",
    "milp": "solvers.exact.milp:MilpSolver",
    "dp": "solvers.exact.dp:DPSolver",
    "brute": "solvers.exact.brute:BruteSolver",
    "polynomial": "solvers.exact.polynomial:FCFSExact",
}
SOLVER_NAMES: tuple[str, ...] = ("auto",) + tuple(BACKENDS)


def make_solver(name: str) -> Solver:
    """Return a new back-end by name (imports it lazily: ortools only when asked for)."""
    if name not in BACKENDS:
        raise InstanceError(f"solver: unknown solver {name!r} (choose from {list(SOLVER_NAMES)})")
    module, cls = BACKENDS[name].split(":")
    return getattr(importlib.import_module(module), cls)()


def choose_solver(instance: Instance, objective: str) -> str:
    """Return the back-end ``auto`` uses for ``objective`` on ``instance``."""
    from solvers.exact.polynomial import polynomial_cell
    if polynomial_cell(instance, objective) is not None:
        return "polynomial"
    if instance.cost.cache == "lru":
        return "brute"
    from solvers.exact.objectives import Goal
    try:
        make_solver("dp").check(instance, Goal(objective))  # the DP's check reads only the name
    except InstanceError:
        return "cpsat"
    return "dp"


def solve(instance: Instance, *, objective: str, solver: str = "auto", **options) -> SolveResult:
    """Return the SolveResult of ``solver`` (or the ``auto`` choice) on ``instance``.

    ``options``: ttft_bound, p, time_limit, workers, seed, warm (see ``Solver.solve``)."""
    name = choose_solver(instance, objective) if solver == "auto" else solver
    return make_solver(name).solve(instance, objective=objective, **options)
