"""The paper's easy-case claims (and issue 7's radix theorem) as executable checks.

Each ``check_*`` function takes one instance, decides whether the claim's hypotheses hold,
and if so compares the claimed-optimal order with a brute force over all orders (through
``theory.evaluate.evaluate``; n <= ``MAX_BRUTE``). It returns a ``ClaimCheck``; ``holds`` is
False only for a genuine counterexample. The claims (proofs in proofs/):

- ``no-sharing-fcfs`` (paper): no two prompts share a first unit, any cache model, any cost
  parameters => FCFS minimises the maximum TTFT (1|r_j|max(C_j - r_j) with fixed times).
- ``radix-fcfs`` (issue 7, proofs/radix_fcfs.md): radix cache, c_attn = 0 => FCFS minimises the
  maximum TTFT (and the makespan).
- ``equal-arrivals-lpm`` (paper): previous cache, c_attn = 0, all arrivals equal => a
  depth-first (lexicographic) order, and LPM, minimise the makespan and hence the maximum
  TTFT. The claim is FALSE for the total TTFT (``check_lpm_equal_arrivals(...,
  objective="total-ttft")`` finds counterexamples) and for c_attn > 0 (see
  proofs/complexity_cells.md).
- ``radix-shortest-first`` (this project, proofs/complexity_cells.md): radix cache, any c_attn,
  all arrivals equal => shortest prompt first minimises the makespan and the maximum TTFT.

theory imports no solver, so the LPM order is passed in by the caller (tests use
``solvers.simulate``); the depth-first order is computed here.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable, Sequence

from theory.errors import InstanceError
from theory.evaluate import Evaluation, evaluate
from theory.instance import Instance, Unit

MAX_BRUTE = 8
OBJECTIVES: dict[str, Callable[[Evaluation], float]] = {
    "max-ttft": lambda ev: ev.max_ttft,
    "makespan": lambda ev: ev.makespan,
    "total-ttft": lambda ev: ev.total_ttft,
}
_EPS = 1e-9


@dataclass(frozen=True)
class ClaimCheck:
    """Outcome of checking one claim on one instance.

    ``applies``: the hypotheses hold; ``holds``: the claimed order attains the brute-force
    optimum (True when the claim does not apply); ``counterexample``: an order beating it."""

    claim: str
    objective: str
    applies: bool
    holds: bool
    claimed_value: float | None = None
    optimum: float | None = None
    claimed_order: tuple[int, ...] | None = None
    counterexample: tuple[int, ...] | None = None


def brute_force(instance: Instance, objective: str = "max-ttft") -> tuple[float, tuple[int, ...]]:
    """Return (optimal value, an optimal order) over all orders with earliest starts."""
    if instance.n > MAX_BRUTE:
        raise InstanceError(f"brute force: n = {instance.n} exceeds {MAX_BRUTE}")
    key = OBJECTIVES[objective]
    best, arg = None, None
    for order in itertools.permutations(range(instance.n)):
        value = key(evaluate(instance, order))
        if best is None or value < best - _EPS:
            best, arg = value, order
    return best, arg


def no_shared_prefix(instance: Instance) -> bool:
    """Return True when no two prompts share their first unit (nothing is ever reused)."""
    heads = [q.units[0] for q in instance.queries]
    return len(set(heads)) == len(heads)


def equal_arrivals(instance: Instance) -> bool:
    """Return True when every query arrives at the same time."""
    return len({q.arrival for q in instance.queries}) == 1


def _unit_key(unit: Unit) -> tuple:
    return (1, unit[0], unit[1]) if type(unit) is tuple else (0, unit, 0)


def depth_first_order(instance: Instance) -> tuple[int, ...]:
    """Return the queries in lexicographic prompt order: a depth-first walk of the prefix tree."""
    return tuple(sorted(range(instance.n),
                        key=lambda i: ([_unit_key(u) for u in instance.queries[i].units], i)))


def check_order_optimal(claim: str, instance: Instance, order: Sequence[int], applies: bool,
                        objective: str = "max-ttft") -> ClaimCheck:
    """Return the ClaimCheck of "``order`` is optimal for ``objective``" on ``instance``."""
    if not applies:
        return ClaimCheck(claim, objective, False, True)
    value = OBJECTIVES[objective](evaluate(instance, order))
    best, arg = brute_force(instance, objective)
    holds = value <= best + _EPS * max(1.0, abs(best))
    return ClaimCheck(claim, objective, True, holds, value, best, tuple(order),
                      None if holds else arg)


def check_fcfs_no_sharing(instance: Instance) -> ClaimCheck:
    """Return the check of: no shared prefixes => FCFS minimises the maximum TTFT."""
    return check_order_optimal("no-sharing-fcfs", instance, instance.arrival_order(),
                               no_shared_prefix(instance))


def check_radix_fcfs(instance: Instance, objective: str = "max-ttft") -> ClaimCheck:
    """Return the check of: radix cache, c_attn = 0 => FCFS minimises ``objective``
    (max-ttft or makespan; proofs/radix_fcfs.md)."""
    applies = instance.cost.cache == "radix" and instance.cost.c_attn == 0
    return check_order_optimal("radix-fcfs", instance, instance.arrival_order(), applies, objective)


def check_lpm_equal_arrivals(instance: Instance, order: Sequence[int] | None = None,
                             objective: str = "makespan") -> ClaimCheck:
    """Return the check of: previous cache, c_attn = 0, equal arrivals => ``order`` (default:
    the depth-first order; pass LPM's order to check LPM) minimises ``objective``."""
    applies = (instance.cost.cache == "previous" and instance.cost.c_attn == 0
               and equal_arrivals(instance))
    order = depth_first_order(instance) if order is None else order
    return check_order_optimal("equal-arrivals-lpm", instance, order, applies, objective)


def shortest_first_order(instance: Instance) -> tuple[int, ...]:
    """Return the queries by increasing prompt length (ties by position)."""
    return tuple(sorted(range(instance.n), key=lambda i: (instance.queries[i].length, i)))


def check_radix_shortest_first(instance: Instance, objective: str = "makespan") -> ClaimCheck:
    """Return the check of: radix cache, equal arrivals (any c_attn) => shortest-first minimises
    ``objective`` (makespan or max-ttft)."""
    applies = instance.cost.cache == "radix" and equal_arrivals(instance)
    return check_order_optimal("radix-shortest-first", instance, shortest_first_order(instance),
                               applies, objective)


def prefix_tree_tokens(instance: Instance, members: Sequence[int]) -> int:
    """Return the tokens of the distinct prefix-tree nodes of the prompts of ``members``."""
    seen: set[tuple] = set()
    total = 0
    for i in members:
        q = instance.queries[i]
        for n_units in range(1, len(q.units) + 1):
            prefix = q.units[:n_units]
            if prefix not in seen:
                seen.add(prefix)
                u = prefix[-1]
                total += u[1] if type(u) is tuple else 1
    return total


def set_work(instance: Instance, members: Sequence[int]) -> float:
    """Return W(A) = base*|A| + per_token*(prefix-tree tokens of A): the order-free work of a
    set under the radix cache with c_attn = 0 (Lemma 1 of proofs/radix_fcfs.md)."""
    cost = instance.cost
    return cost.base * len(members) + cost.per_token * prefix_tree_tokens(instance, members)
