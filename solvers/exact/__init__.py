"""Exact solvers: CP-SAT, MILP, DP and brute force behind one interface, plus the polynomial
cells answered by FCFS. Every result is re-scored by ``theory.evaluate``."""
from solvers.exact.registry import SOLVER_NAMES, choose_solver, make_solver, solve
from solvers.exact.result import SolveResult, Status

__all__ = ["SOLVER_NAMES", "SolveResult", "Status", "choose_solver", "make_solver", "solve"]
