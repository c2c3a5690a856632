"""MILP formulation through OR-Tools' linear solver wrapper (SCIP; HiGHS as a fallback).

Written independently of the CP-SAT model, in the classic big-M style. Integer-scaled data as
in ``scale.py``; H = max a + sum P_0j is both the horizon and the big-M.

- Arcs: x_ij binary for ordered pairs, x_dj (first) and x_jd (last); every query has exactly
  one predecessor and one successor; sum_j x_dj = 1. Subtours are cut by Miller-Tucker-Zemlin
  positions u_j in [1, n]: u_j >= u_i + 1 - n (1 - x_ij).
- Times: s_j >= a_j; s_j >= f_i - H (1 - x_ij); f_j = s_j + p_j. Idling is allowed; every
  order is re-evaluated with earliest starts (optimal for these regular objectives).
- Previous cache: p_j = P_0j x_dj + sum_i P_ij x_ij.
- Radix cache: y_ij binary for i < j with lcp > 0 (1 iff i precedes j), linked to positions by
  u_j >= u_i + 1 - n (1 - y_ij) and u_i >= u_j + 1 - n y_ij. For each reuse level l_k of j,
  h_jk in [0, 1] with h_jk >= prec(i, j) for every source i with lcp(i, j) >= l_k and
  h_jk <= sum of those prec(i, j): h_jk = 1 exactly when some earlier query reaches level l_k.
  p_j = P_j(0) - sum_k h_jk (P_j(l_{k-1}) - P_j(l_k)).
- Objectives: max-ttft min z, z >= f_j - a_j; total-ttft min sum (f_j - a_j); violations
  min sum v_j with f_j - a_j <= T + H v_j; feasible f_j - a_j <= T; percentile sum v_j <= floor(pn).
- Strengthening: the warm value as an upper bound, the FCFS-at-cheapest lower bound on
  max-ttft, f_j >= a_j + min processing time, u_i + 1 <= u_j along twin chains and for
  precedences forced by a TTFT cap (the warm max TTFT, or T), f_j <= a_j + cap, and per-arc
  big-M values ub(f_i) - lb(s_j) instead of H.

SCIP is used because it takes the warm start as a hint (pywraplp's HiGHS hint segfaulted in
OR-Tools 9.15 here); SCIP is single-threaded, so ``workers`` only reaches the HiGHS fallback;
``seed`` becomes SCIP's ``randomization/randomseedshift``.
"""
from __future__ import annotations

import contextlib
import os
import sys

from solvers.exact.base import Limits, Outcome, Solver
from solvers.exact.data import pair_data, require_cache
from solvers.exact.objectives import Goal
from solvers.exact.result import Status
from solvers.exact.scale import scale
from solvers.exact.symmetry import ordered_pairs
from solvers.exact.data import min_proc
from solvers.exact.warm import forced_pairs, max_ttft_lower_bound, ttft_cap
from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import Instance


@contextlib.contextmanager
def _quiet_stdout():
    """Discard C-level stdout while the MILP runs (HiGHS prints internal debug lines there
    despite its output flags), so that ``klpm solve --json`` keeps one clean JSON object on
    stdout and stderr keeps only klpm's own messages."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.close(devnull)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


BACKEND_ORDER = ("SCIP", "HIGHS")


def _available_backends() -> list[str]:
    from ortools.linear_solver import pywraplp
    found = [b for b in BACKEND_ORDER if pywraplp.Solver.CreateSolver(b) is not None]
    if not found:
        raise InstanceError("solver milp: neither HiGHS nor SCIP is available in this OR-Tools build")
    return found


def _new_solver(backend: str):
    from ortools.linear_solver import pywraplp
    return pywraplp.Solver.CreateSolver(backend), backend


class _Milp:
    """Variables of one MILP, kept in index arrays."""

    def __init__(self, instance: Instance, goal: Goal, limits: Limits, backend: str) -> None:
        self.instance, self.goal, self.n = instance, goal, instance.n
        self.data = pair_data(instance)
        self.sc = scale(self.data, "milp")
        self.H = max(self.sc.arrival) + sum(self.sc.first)
        self.lp, self.backend = _new_solver(backend)
        self.objective_terms = None

    def build(self, warm_value: float | None) -> None:
        """Add variables and constraints (mutates the model)."""
        lp, n, H, sc = self.lp, self.n, self.H, self.sc
        self.x = {(i, j): lp.BoolVar(f"x{i}_{j}") for i in range(n) for j in range(n) if i != j}
        self.first = [lp.BoolVar(f"d{j}") for j in range(n)]
        self.last = [lp.BoolVar(f"e{j}") for j in range(n)]
        self.u = [lp.NumVar(1, n, f"u{j}") for j in range(n)]
        cap = ttft_cap(self.goal, warm_value)
        cheap = [round(min_proc(self.data, j) * sc.factor) for j in range(n)]
        f_hi = [H if cap is None else min(H, sc.arrival[j] + sc.bound(cap)) for j in range(n)]
        self.s = [lp.NumVar(sc.arrival[j], max(sc.arrival[j], f_hi[j] - cheap[j]), f"s{j}") for j in range(n)]
        self.f = [lp.NumVar(sc.arrival[j] + cheap[j], max(sc.arrival[j] + cheap[j], f_hi[j]), f"f{j}")
                  for j in range(n)]
        lp.Add(sum(self.first) == 1)
        for j in range(n):
            lp.Add(self.first[j] + sum(self.x[i, j] for i in range(n) if i != j) == 1)
            lp.Add(self.last[j] + sum(self.x[j, k] for k in range(n) if k != j) == 1)
        for (i, j), x in self.x.items():
            lp.Add(self.u[j] >= self.u[i] + 1 - n * (1 - x))
            big_m = max(0.0, self.f[i].ub() - self.s[j].lb())  # tightest valid big-M
            lp.Add(self.s[j] >= self.f[i] - big_m * (1 - x))
        p = self._previous_times() if self.instance.cost.cache == "previous" else self._radix_times()
        for j in range(n):
            lp.Add(self.f[j] == self.s[j] + p[j])
        pairs = ordered_pairs(self.instance, self.goal.name, self.data)
        if cap is not None:
            pairs += forced_pairs(self.data, cap)
        for i, j in pairs:
            lp.Add(self.u[i] + 1 <= self.u[j])
        self._objective(warm_value)

    def _previous_times(self) -> list:
        sc, n = self.sc, self.n
        return [sc.first[j] * self.first[j] + sum(sc.proc[i][j] * self.x[i, j] for i in range(n) if i != j)
                for j in range(n)]

    def _precedence(self) -> dict:
        lp, n, lcp = self.lp, self.n, self.data.lcp
        prec = {}
        for i in range(n):
            for j in range(i + 1, n):
                if lcp[i][j] > 0:
                    y = lp.BoolVar(f"y{i}_{j}")
                    lp.Add(self.u[j] >= self.u[i] + 1 - n * (1 - y))
                    lp.Add(self.u[i] >= self.u[j] + 1 - n * y)
                    prec[i, j], prec[j, i] = y, 1 - y
        return prec

    def _radix_times(self) -> list:
        lp, n, sc, lcp = self.lp, self.n, self.sc, self.data.lcp
        prec, p = self._precedence(), []
        for j in range(n):
            srcs = [i for i in range(n) if i != j and lcp[i][j] > 0]
            time_at = {0: sc.first[j], **{lcp[i][j]: sc.proc[i][j] for i in srcs}}
            expr, prev = sc.first[j], 0
            for level in sorted({lcp[i][j] for i in srcs}):
                reach = [prec[i, j] for i in srcs if lcp[i][j] >= level]
                h = lp.NumVar(0, 1, f"h{j}_{level}")
                lp.Add(h <= sum(reach))
                for r in reach:
                    lp.Add(h >= r)
                expr = expr - (time_at[prev] - time_at[level]) * h
                prev = level
            p.append(expr)
        return p

    def _objective(self, warm_value: float | None) -> None:
        lp, n, sc, goal, f, a = self.lp, self.n, self.sc, self.goal, self.f, self.sc.arrival
        # The warm value bounds the objective: in time units (scaled) or as a violation count.
        ub = None if warm_value is None or goal.is_decision else (
            warm_value if goal.name == "violations" else warm_value * sc.factor)
        if goal.name == "max-ttft":
            hi = ub if ub is not None else self.H
            z = lp.NumVar(min(hi, round(max_ttft_lower_bound(self.data) * sc.factor)), hi, "z")
            for j in range(n):
                lp.Add(z >= f[j] - a[j])
            self.objective_terms = z
        elif goal.name == "total-ttft":
            self.objective_terms = sum(f) - sum(a)
            if ub is not None:
                lp.Add(self.objective_terms <= ub)
        elif goal.name == "feasible":
            for j in range(n):
                lp.Add(f[j] - a[j] <= sc.bound(goal.bound))
        else:
            v = [lp.BoolVar(f"v{j}") for j in range(n)]
            for j in range(n):
                lp.Add(f[j] - a[j] <= sc.bound(goal.bound) + self.H * v[j])
            if goal.name == "percentile":
                lp.Add(sum(v) <= goal.allowance)
            else:
                self.objective_terms = sum(v)
                if ub is not None:
                    lp.Add(self.objective_terms <= ub)
        if self.objective_terms is not None:
            lp.Minimize(self.objective_terms)

    def hint(self, order: tuple[int, ...]) -> None:
        """Give the solver ``order`` as a starting solution (arcs, positions, times)."""
        ev = evaluate(self.instance, order)
        succ = {order[k]: order[k + 1] for k in range(len(order) - 1)}
        pairs = [(x, float(succ.get(i) == j)) for (i, j), x in self.x.items()]
        for j in range(self.n):
            pairs += [(self.first[j], float(j == order[0])), (self.last[j], float(j == order[-1])),
                      (self.u[j], float(order.index(j) + 1)),
                      (self.s[j], ev.start[j] * self.sc.factor), (self.f[j], ev.finish[j] * self.sc.factor)]
        self.lp.SetHint([v for v, _ in pairs], [x for _, x in pairs])

    def order(self) -> tuple[int, ...]:
        """Return the order given by the solution's positions u_j."""
        return tuple(sorted(range(self.n), key=lambda j: self.u[j].solution_value()))


class MilpSolver(Solver):
    """OR-Tools MILP back-end (SCIP, else HiGHS), previous and radix caches."""

    name = "milp"

    def check(self, instance: Instance, goal: Goal) -> None:
        require_cache(instance, self.name)

    def search(self, instance: Instance, goal: Goal, limits: Limits) -> Outcome:
        backends = _available_backends()
        first = self._solve_with(backends[0], instance, goal, limits)
        if len(backends) == 1 or first.status not in (Status.OPTIMAL, Status.INFEASIBLE) or \
                (goal.is_decision and first.status is Status.OPTIMAL):
            return first  # nothing to confirm (a decision witness is checked by the evaluator)
        return _agree(goal, first, self._solve_with(backends[1], instance, goal, limits))

    @staticmethod
    def _solve_with(backend: str, instance: Instance, goal: Goal, limits: Limits) -> Outcome:
        import time
        from ortools.linear_solver import pywraplp
        model = _Milp(instance, goal, limits, backend)
        model.build(limits.warm_value)
        if limits.warm_order is not None and model.backend == "SCIP":
            model.hint(limits.warm_order)  # HiGHS through pywraplp crashed on hints here
        lp = model.lp
        lp.SetTimeLimit(max(10, int(1000 * (limits.deadline - time.perf_counter()))))
        if model.backend == "SCIP":
            lp.SetSolverSpecificParametersAsString(f"randomization/randomseedshift = {limits.seed}\n")
        else:
            lp.SetSolverSpecificParametersAsString(
                f"threads={limits.workers}\nrandom_seed={limits.seed}\nmip_rel_gap=0\nmip_abs_gap=1e-9\n"
                "output_flag=false\nlog_to_console=false\n")
        lp.SuppressOutput()
        params = pywraplp.MPSolverParameters()
        params.SetDoubleParam(params.RELATIVE_MIP_GAP, 0.0)  # the wrapper's default is 1e-4
        with _quiet_stdout():
            code = lp.Solve(params)
        return MilpSolver._outcome(model, code)

    @staticmethod
    def _outcome(model: _Milp, code) -> Outcome:
        from ortools.linear_solver import pywraplp
        goal, sc, lp = model.goal, model.sc, model.lp
        if code == pywraplp.Solver.INFEASIBLE:
            return Outcome(Status.INFEASIBLE, None)
        if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            return Outcome(Status.UNKNOWN, None)
        order = model.order()
        if goal.is_decision:
            return Outcome(Status.OPTIMAL, order)
        value, bound = lp.Objective().Value(), lp.Objective().BestBound()
        if goal.name != "violations":
            value, bound = sc.time(value), sc.time(bound)
        status = Status.OPTIMAL if code == pywraplp.Solver.OPTIMAL else Status.FEASIBLE
        return Outcome(status, order, value, bound)


def _agree(goal: Goal, a: Outcome, b: Outcome) -> Outcome:
    """Return the outcome of two independent MILP solves (SCIP, then HiGHS) of one problem.

    Floating-point MILP solvers prove optimality up to tolerances, and SCIP was seen to "prove"
    a wrong optimum (18.25 where 17.5 exists). So OPTIMAL and INFEASIBLE stand only when both
    solvers reach them and agree; otherwise the better order is returned as FEASIBLE with the
    weakest bound that no found order refutes (a bound above a found value is wrong)."""
    if goal.is_decision:
        if b.status is Status.OPTIMAL:
            return b  # a witness: the evaluator checks it
        return a if b.status is Status.INFEASIBLE else Outcome(Status.UNKNOWN, None)
    found = [o for o in (a, b) if o.order is not None and o.claimed is not None]
    if not found:
        return a if a.status is b.status else Outcome(Status.UNKNOWN, None)
    best = min(found, key=lambda o: o.claimed)
    tol = 1e-6 * max(1.0, abs(best.claimed))
    if a.status is b.status is Status.OPTIMAL and abs(a.claimed - b.claimed) <= tol:
        return best
    bounds = [o.bound for o in (a, b) if o.bound is not None and o.bound <= best.claimed + tol]
    return Outcome(Status.FEASIBLE, best.order, best.claimed, min(bounds) if bounds else None)
