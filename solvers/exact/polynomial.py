"""Polynomial cells of the complexity map, answered exactly without search (issue 7, item 4).

With all arrivals equal, under the previous or radix cache (or an lru that never evicts) and any
c_attn, theorem E (proofs/complexity_cells.md) gives an optimal order for the maximum TTFT:
``solvers.contiguous.equal_arrival_order`` (depth-first, each subtree started by its shortest
prompt). Otherwise FCFS (order by arrival, ties by position) minimises the maximum TTFT, and so
decides feasibility under a common bound T, when

- the cache is radix and c_attn = 0 (any base, per_token): the work of any set of queries is
  base * |set| + per_token * (number of distinct prefix-tree tokens they touch), whatever the
  order, and an exchange argument (proofs/, written separately) makes FCFS optimal; or
- the cache is lru with a capacity of at least the prefix-tree size of all prompts and
  c_attn = 0: nothing is ever evicted, so it behaves exactly as the radix cache; or
- no two queries share a prefix (no common first token), under any cache: processing times are
  then fixed, and FCFS minimises max flow time on one machine with release dates.

Cost: O(n log n + total prompt size) for the order plus one pass of the evaluator.
"""
from __future__ import annotations

import time

from solvers.exact.base import Limits, Outcome, Solver
from solvers.exact.objectives import Goal, make_goal
from solvers.exact.result import SolveResult, Status, make_result
from solvers.prompt_tree import prompt_tree
from theory.claims import equal_arrivals, no_shared_prefix
from theory.errors import InstanceError
from theory.instance import Instance

POLY_OBJECTIVES: frozenset[str] = frozenset({"max-ttft", "feasible"})
EQUAL_ARRIVALS = "equal-arrivals-shortest-subtree"


def trie_tokens(instance: Instance) -> int:
    """Return the number of tokens in the prefix tree of all prompts (distinct prefix tokens)."""
    return prompt_tree(instance)[0].total_tokens


def polynomial_cell(instance: Instance, objective: str) -> str | None:
    """Return the name of the polynomial cell ``instance`` falls in for ``objective``, or None."""
    if objective not in POLY_OBJECTIVES:
        return None
    cost = instance.cost
    if cost.cache == "radix" and cost.c_attn == 0:
        return "radix-c0-fcfs"
    never_evicts = cost.cache != "lru" or cost.capacity >= trie_tokens(instance)
    if cost.cache == "lru" and cost.c_attn == 0 and never_evicts:
        return "lru-never-evicts-c0-fcfs"
    if equal_arrivals(instance) and never_evicts:
        return EQUAL_ARRIVALS
    if no_shared_prefix(instance):
        return "no-shared-prefix-fcfs"
    return None


def cell_order(instance: Instance, cell: str) -> tuple[int, ...]:
    """Return the optimal order of a polynomial ``cell`` (theorem E's order or FCFS)."""
    if cell == EQUAL_ARRIVALS:
        from solvers.contiguous import equal_arrival_order
        return equal_arrival_order(instance)
    return tuple(instance.arrival_order())


class FCFSExact(Solver):
    """The polynomial cells' exact algorithms (FCFS, theorem E); refuses every other instance."""

    name = "polynomial"

    def check(self, instance: Instance, goal: Goal) -> None:
        if polynomial_cell(instance, goal.name) is None:
            raise InstanceError(f"solver polynomial: {goal.name} on this instance is not a known polynomial "
                                "cell (needs max-ttft/feasible and: radix with c_attn = 0, lru that never "
                                "evicts with c_attn = 0, equal arrivals (previous, radix or a never-"
                                "evicting lru, any c_attn), or no shared prefixes)")

    def search(self, instance: Instance, goal: Goal, limits: Limits) -> Outcome:
        order = cell_order(instance, polynomial_cell(instance, goal.name))
        if goal.is_decision:
            from theory.evaluate import evaluate
            ok = goal.meets(evaluate(instance, order))
            return Outcome(Status.OPTIMAL if ok else Status.INFEASIBLE, order if ok else None)
        return Outcome(Status.OPTIMAL, order)

    def solve(self, instance: Instance, *, objective: str, ttft_bound: float | None = None,
              p: float | None = None, time_limit: float = 10, workers: int = 2, seed: int = 0,
              warm: bool = True) -> SolveResult:
        """Return FCFS's result with status OPTIMAL (or INFEASIBLE for feasible); no warm start."""
        t0 = time.perf_counter()
        bound = instance.ttft_bound if ttft_bound is None else ttft_bound
        goal = make_goal(objective, instance.n, bound, p)
        self.check(instance, goal)
        out = self.search(instance, goal, Limits(time_limit, workers, seed, t0 + time_limit, None, None))
        method = f"{self.name}:{polynomial_cell(instance, goal.name)}"
        return make_result(instance, goal, out.status, out.order, method=method,
                           time_s=time.perf_counter() - t0, seed=seed, bound=out.bound)
