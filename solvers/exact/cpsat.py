"""CP-SAT formulation (OR-Tools) for the previous and radix caches.

Sets: queries J = {0..n-1}, depot d. Integer data after exact scaling (``scale.py``): arrival
a_j, processing time P_0j with nothing cached, P_ij after i (previous cache) or with reuse
lcp(i, j) (radix cache).

- Order: one arc literal x_ij per ordered pair and per depot arc; ``AddCircuit`` makes them a
  Hamiltonian path d -> ... -> d. Positions pos_j in [0, n-1]: x_dj => pos_j = 0,
  x_ij => pos_j = pos_i + 1 (redundant with the circuit, but it carries precedences).
- Times: s_j >= a_j, x_ij => s_j >= f_i, f_j = s_j + p_j, all within [0, H] with
  H = max a + sum P_0j (an earliest-start schedule never ends later). Idling is allowed in the
  model; every returned order is re-evaluated with earliest starts, which is optimal for
  these regular objectives, so the re-evaluated value is <= the model's and equal at optimum.
- Previous cache: x_dj => p_j = P_0j, x_ij => p_j = P_ij.
- Radix cache: b_ij <=> pos_i < pos_j for pairs with lcp > 0. For each distinct reuse level
  l_1 < ... < l_m of j, g_jk <=> OR{b_ij : lcp(i,j) >= l_k}; then
  p_j = P_j(0) - sum_k g_jk (P_j(l_{k-1}) - P_j(l_k)). Reuse is thus exactly the maximum
  overlap with an earlier query: no source can be claimed that does not precede j, and every
  earlier one is counted.
- Objectives: max-ttft min M with M >= f_j - a_j; total-ttft min sum f_j - a_j; violations
  min sum v_j with !v_j => f_j - a_j <= T; feasible: f_j <= a_j + T; percentile:
  sum v_j <= floor(p n).
- Strengthening: the warm start's value as an upper bound (and as a solution hint), the
  FCFS-at-cheapest-processing lower bound on max-ttft, f_j >= a_j + min_i P_ij, and symmetry
  breaking pos_i < pos_j along chains of twin queries (``symmetry.py``), and a redundant
  ``AddNoOverlap`` over the intervals [s_j, f_j). (Precedences forced by a TTFT cap, used by the
  MILP, made CP-SAT slower on Definition-4 instances and are left out.)
"""
from __future__ import annotations

from solvers.exact.base import Limits, Outcome, Solver
from solvers.exact.data import pair_data, require_cache
from solvers.exact.objectives import Goal
from solvers.exact.result import Status
from solvers.exact.scale import Scaled, scale
from solvers.exact.symmetry import ordered_pairs
from solvers.exact.warm import max_ttft_lower_bound
from theory.evaluate import evaluate
from theory.instance import Instance


class _Model:
    """Variables of one CP-SAT model, kept in index arrays (never looked up by name)."""

    def __init__(self, instance: Instance, goal: Goal) -> None:
        from ortools.sat.python import cp_model
        self.cp = cp_model
        self.m = cp_model.CpModel()
        self.instance, self.goal = instance, goal
        self.data = pair_data(instance)
        self.sc: Scaled = scale(self.data, "cpsat")
        self.n = instance.n
        self.horizon = max(self.sc.arrival) + sum(self.sc.first)
        self.objective_expr = None

    def build(self, warm_value: float | None) -> None:
        """Add variables, constraints and the objective (mutates the model)."""
        n, m, sc = self.n, self.m, self.sc
        self.s = [m.NewIntVar(sc.arrival[j], self.horizon, f"s{j}") for j in range(n)]
        self.f = [m.NewIntVar(sc.arrival[j], self.horizon, f"f{j}") for j in range(n)]
        self.pos = [m.NewIntVar(0, n - 1, f"pos{j}") for j in range(n)]
        self.depot_in = [m.NewBoolVar(f"d{j}") for j in range(n)]
        self.depot_out = [m.NewBoolVar(f"e{j}") for j in range(n)]
        self.arc = {(i, j): m.NewBoolVar(f"x{i}_{j}") for i in range(n) for j in range(n) if i != j}
        arcs = [(n, j, self.depot_in[j]) for j in range(n)] + [(j, n, self.depot_out[j]) for j in range(n)]
        arcs += [(i, j, lit) for (i, j), lit in self.arc.items()]
        m.AddCircuit(arcs)
        for j in range(n):
            m.Add(self.pos[j] == 0).OnlyEnforceIf(self.depot_in[j])
        for (i, j), lit in self.arc.items():
            m.Add(self.pos[j] == self.pos[i] + 1).OnlyEnforceIf(lit)
            m.Add(self.s[j] >= self.f[i]).OnlyEnforceIf(lit)
        m.AddAllDifferent(self.pos)
        p = self._previous_times() if self.instance.cost.cache == "previous" else self._radix_times()
        intervals = [m.NewIntervalVar(self.s[j], p[j], self.f[j], f"i{j}") for j in range(n)]
        m.AddNoOverlap(intervals)
        for i, j in ordered_pairs(self.instance, self.goal.name, self.data):
            m.Add(self.pos[i] < self.pos[j])
        self._objective(warm_value)

    def _previous_times(self) -> list:
        sc, m, n = self.sc, self.m, self.n
        p = []
        for j in range(n):
            values = {sc.first[j]} | {sc.proc[i][j] for i in range(n) if i != j}
            pj = m.NewIntVarFromDomain(self.cp.Domain.FromValues(sorted(values)), f"p{j}")
            m.Add(pj == sc.first[j]).OnlyEnforceIf(self.depot_in[j])
            for i in range(n):
                if i != j:
                    m.Add(pj == sc.proc[i][j]).OnlyEnforceIf(self.arc[i, j])
            p.append(pj)
        return p

    def _radix_times(self) -> list:
        sc, m, n, lcp = self.sc, self.m, self.n, self.data.lcp
        before: dict = {}
        for i in range(n):
            for j in range(i + 1, n):
                if lcp[i][j] > 0:
                    b = m.NewBoolVar(f"b{i}_{j}")
                    m.Add(self.pos[i] < self.pos[j]).OnlyEnforceIf(b)
                    m.Add(self.pos[j] < self.pos[i]).OnlyEnforceIf(b.Not())
                    before[i, j], before[j, i] = b, b.Not()
        p = []
        for j in range(n):
            levels = sorted({lcp[i][j] for i in range(n) if i != j and lcp[i][j] > 0})
            time_at = {0: sc.first[j]}
            time_at.update({lcp[i][j]: sc.proc[i][j] for i in range(n) if i != j and lcp[i][j] > 0})
            expr, prev = sc.first[j], 0
            for level in levels:
                srcs = [before[i, j] for i in range(n) if i != j and lcp[i][j] >= level]
                g = m.NewBoolVar(f"g{j}_{level}")
                m.AddBoolOr(srcs).OnlyEnforceIf(g)
                for b in srcs:
                    m.AddImplication(b, g)
                expr = expr - (time_at[prev] - time_at[level]) * g
                prev = level
            pj = m.NewIntVar(min(time_at.values()), sc.first[j], f"p{j}")
            m.Add(pj == expr)
            p.append(pj)
        return p

    def _objective(self, warm_value: float | None) -> None:
        m, n, sc, goal = self.m, self.n, self.sc, self.goal
        a, f = sc.arrival, self.f
        cheapest = [min([sc.first[j]] + [sc.proc[i][j] for i in range(n) if i != j]) for j in range(n)]
        for j in range(n):
            m.Add(f[j] >= a[j] + cheapest[j])
        # The warm value bounds the objective: in time units (scaled) or as a violation count.
        ub = None if warm_value is None or goal.is_decision else (
            int(warm_value) if goal.name == "violations" else round(warm_value * sc.factor))
        if goal.name == "max-ttft":
            hi = ub if ub is not None else self.horizon
            lb = min(hi, round(max_ttft_lower_bound(self.data) * sc.factor))
            mx = m.NewIntVar(lb, hi, "max_ttft")
            for j in range(n):
                m.Add(mx >= f[j] - a[j])
            self.objective_expr = mx
        elif goal.name == "total-ttft":
            self.objective_expr = sum(f) - sum(a)
            if ub is not None:
                m.Add(self.objective_expr <= ub)
        elif goal.name == "feasible":
            t = sc.bound(goal.bound)
            for j in range(n):
                m.Add(f[j] - a[j] <= t)
        else:
            self._late_objective(goal, ub)
        if self.objective_expr is not None:
            m.Minimize(self.objective_expr)

    def _late_objective(self, goal: Goal, ub: int | None) -> None:
        m, sc, f = self.m, self.sc, self.f
        t = sc.bound(goal.bound)
        late = [m.NewBoolVar(f"v{j}") for j in range(self.n)]
        for j in range(self.n):
            m.Add(f[j] - sc.arrival[j] <= t).OnlyEnforceIf(late[j].Not())
        if goal.name == "percentile":
            m.Add(sum(late) <= goal.allowance)
        else:
            if ub is not None:
                m.Add(sum(late) <= ub)
            self.objective_expr = sum(late)
        self.late = late

    def hint(self, order: tuple[int, ...]) -> None:
        """Hint the solver with ``order`` (arcs, positions and earliest-start times)."""
        ev = evaluate(self.instance, order)
        succ = {order[k]: order[k + 1] for k in range(len(order) - 1)}
        for (i, j), lit in self.arc.items():
            self.m.AddHint(lit, succ.get(i) == j)
        for j in range(self.n):
            self.m.AddHint(self.depot_in[j], j == order[0])
            self.m.AddHint(self.depot_out[j], j == order[-1])
            self.m.AddHint(self.pos[j], order.index(j))
            self.m.AddHint(self.s[j], round(ev.start[j] * self.sc.factor))
            self.m.AddHint(self.f[j], round(ev.finish[j] * self.sc.factor))

    def order(self, solver) -> tuple[int, ...]:
        """Return the order read off the arc literals of a solution."""
        first = next(j for j in range(self.n) if solver.BooleanValue(self.depot_in[j]))
        order = [first]
        while len(order) < self.n:
            i = order[-1]
            order.append(next(j for j in range(self.n) if j != i and solver.BooleanValue(self.arc[i, j])))
        return tuple(order)


class CpSatSolver(Solver):
    """OR-Tools CP-SAT back-end (previous and radix caches)."""

    name = "cpsat"

    def check(self, instance: Instance, goal: Goal) -> None:
        require_cache(instance, self.name)

    def search(self, instance: Instance, goal: Goal, limits: Limits) -> Outcome:
        import time
        model = _Model(instance, goal)
        model.build(limits.warm_value)
        if limits.warm_order is not None:
            model.hint(limits.warm_order)
        solver = model.cp.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.01, limits.deadline - time.perf_counter())
        solver.parameters.num_workers = limits.workers
        solver.parameters.random_seed = limits.seed
        code = solver.Solve(model.m)
        return self._outcome(model, solver, code)

    @staticmethod
    def _outcome(model: _Model, solver, code) -> Outcome:
        cp, goal, sc = model.cp, model.goal, model.sc
        if code == cp.INFEASIBLE:
            return Outcome(Status.INFEASIBLE, None)
        if code not in (cp.OPTIMAL, cp.FEASIBLE):
            return Outcome(Status.UNKNOWN, None, bound=_bound(model, solver))
        order = model.order(solver)
        if goal.is_decision:
            return Outcome(Status.OPTIMAL, order)
        claimed = solver.Value(model.objective_expr)
        claimed = claimed if goal.name == "violations" else sc.time(claimed)
        status = Status.OPTIMAL if code == cp.OPTIMAL else Status.FEASIBLE
        return Outcome(status, order, claimed, _bound(model, solver))


def _bound(model: _Model, solver) -> float | None:
    if model.objective_expr is None:
        return None
    b = solver.BestObjectiveBound()
    return b if model.goal.name == "violations" else model.sc.time(b)
