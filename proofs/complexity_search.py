"""Seeded brute-force searches behind the OPEN and polynomial cells of the complexity map.

Each search draws small random instances of one cell, compares a candidate order (FCFS, LPM,
depth-first, shortest-first, a greedy) with the brute-force optimum of ``theory.claims`` and
returns the first counterexample, or None. ``contiguity_violations`` samples what is now
Corollary 1 of Theorem E in proofs/complexity_cells.md (previous cache, equal arrivals,
c_attn > 0: some optimal order runs every prefix-tree subtree contiguously).
``python -m proofs.complexity_search`` prints the table quoted in proofs/complexity_cells.md.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Callable

from solvers.policies import make_policy
from solvers.simulate import simulate
from theory.claims import check_order_optimal, depth_first_order, shortest_first_order
from theory.evaluate import evaluate, exceeds
from theory.instance import CostModel, Instance, Query

Order = Callable[[Instance], tuple[int, ...]]


@dataclass(frozen=True)
class Search:
    """One search: a cell (cost model, equal arrivals?), a candidate order and an objective."""

    name: str
    cost: CostModel
    candidate: str
    objective: str
    equal: bool = False


def random_instance(rng: random.Random, n: int, cost: CostModel, equal: bool) -> Instance:
    """Return n queries over a 2-token alphabet (lengths 1..5, arrivals 0..6 unless equal)."""
    qs = tuple(Query(f"q{j}", 0 if equal else rng.randint(0, 6),
                     tuple(rng.randint(0, 1) for _ in range(rng.randint(1, 5)))) for j in range(n))
    return Instance(qs, cost)


def _policy(name: str) -> Order:
    return lambda inst: simulate(inst, make_policy(name)).order


CANDIDATES: dict[str, Order] = {
    "fcfs": lambda inst: tuple(inst.arrival_order()),
    "lpm": _policy("lpm"),
    "depth-first": depth_first_order,
    "shortest-first": shortest_first_order,
}

SEARCHES: tuple[Search, ...] = (
    Search("radix c_attn=1 max-ttft", CostModel(cache="radix", c_attn=1), "fcfs", "max-ttft"),
    Search("lru C=3 c_attn=0 max-ttft", CostModel(cache="lru", capacity=3), "fcfs", "max-ttft"),
    Search("lru C=3 c_attn=0 max-ttft", CostModel(cache="lru", capacity=3), "lpm", "max-ttft"),
    Search("radix c_attn=0 total-ttft", CostModel(cache="radix"), "fcfs", "total-ttft"),
    Search("previous equal c_attn=1 makespan", CostModel(c_attn=1), "lpm", "makespan", True),
    Search("previous equal c_attn=1 makespan", CostModel(c_attn=1), "depth-first", "makespan", True),
    Search("previous equal c_attn=0 total-ttft", CostModel(), "lpm", "total-ttft", True),
    Search("radix equal c_attn=1 makespan", CostModel(cache="radix", c_attn=1), "shortest-first", "makespan", True),
)


def find_counterexample(search: Search, tries: int = 300, seed: int = 0, n: int = 4):
    """Return (instance, candidate value, optimum) for the first counterexample, or None."""
    rng = random.Random(seed)
    for _ in range(tries):
        inst = random_instance(rng, n, search.cost, search.equal)
        check = check_order_optimal(search.name, inst, CANDIDATES[search.candidate](inst), True,
                                    search.objective)
        if not check.holds:
            return inst, check.claimed_value, check.optimum
    return None


def contiguous(instance: Instance, order: tuple[int, ...]) -> bool:
    """Return True when every prefix's queries occupy consecutive positions of ``order``."""
    spots: dict[tuple, list[int]] = {}
    for pos, i in enumerate(order):
        units = instance.queries[i].units
        for k in range(1, len(units) + 1):
            spots.setdefault(units[:k], []).append(pos)
    return all(max(v) - min(v) + 1 == len(v) for v in spots.values())


def contiguity_violations(tries: int = 200, seed: int = 0, max_n: int = 6) -> tuple[int, int]:
    """Return (instances where no contiguous order is optimal, instances tried) for the previous
    cache, equal arrivals, c_attn in {0.5, 1, 3}, makespan."""
    rng, bad = random.Random(seed), 0
    for _ in range(tries):
        cost = CostModel(c_attn=rng.choice([0.5, 1, 3]))
        inst = random_instance(rng, rng.randint(3, max_n), cost, True)
        values = {o: evaluate(inst, o).makespan for o in itertools.permutations(range(inst.n))}
        best = min(values.values())
        best_contiguous = min(v for o, v in values.items() if contiguous(inst, o))
        bad += best_contiguous > best + 1e-9
    return bad, tries


def contiguous_dp_violations(tries: int = 200, seed: int = 42, max_n: int = 7) -> tuple[int, int]:
    """Return (instances where solvers.contiguous misses the brute-force makespan, tried) for the
    previous cache, equal arrivals, c_attn in {0.5, 1, 3, 10}, base in {0, 2}."""
    from solvers.contiguous import best_contiguous_order
    from theory.claims import brute_force
    rng, bad = random.Random(seed), 0
    for _ in range(tries):
        cost = CostModel(c_attn=rng.choice([0.5, 1, 3, 10]), base=rng.choice([0, 2]))
        inst = random_instance(rng, rng.randint(3, max_n), cost, True)
        bad += best_contiguous_order(inst)[1].makespan > brute_force(inst, "makespan")[0] + 1e-9
    return bad, tries


def _fcfs_finish(instance: Instance, kept: list[int]) -> float:
    sub = Instance(tuple(instance.queries[i] for i in kept), instance.cost)
    return evaluate(sub, range(len(kept))).makespan if kept else 0.0


def sharing_greedy_on_time(instance: Instance, bound: float) -> int:
    """Return the on-time count of the agreeable greedy (solvers.percentile's no-shared-prefix
    rule) run with the real cache: keep queries in arrival order, and when the newest is late
    drop the one whose removal leaves the earliest FCFS finish."""
    kept: list[int] = []
    for j in instance.arrival_order():
        kept.append(j)
        if exceeds(_fcfs_finish(instance, kept) - instance.queries[j].arrival, bound):
            drop = min(range(len(kept)), key=lambda x: (_fcfs_finish(instance, kept[:x] + kept[x + 1:]), -x))
            kept.pop(drop)
    return len(kept)


def radix_goodput_greedy_counterexample(tries: int = 3000, seed: int = 3):
    """Return (instance, bound, greedy count, optimum) where the greedy misses the most on-time
    queries under the radix cache (c_attn = 0), or None."""
    rng = random.Random(seed)
    for _ in range(tries):
        inst = random_instance(rng, rng.randint(3, 6), CostModel(cache="radix"), False)
        bound = rng.randint(1, 8)
        got = sharing_greedy_on_time(inst, bound)
        best = max(inst.n - evaluate(inst, o).violations(bound) for o in itertools.permutations(range(inst.n)))
        if got != best:
            return inst, bound, got, best
    return None


def main() -> int:
    """Print each search's outcome (tries, first counterexample) and the contiguity count."""
    for search in SEARCHES:
        found = find_counterexample(search)
        text = "none in 300" if found is None else (
            f"{[q.units for q in found[0].queries]} arrivals {[q.arrival for q in found[0].queries]}: "
            f"{found[1]:g} vs optimum {found[2]:g}")
        print(f"{search.name:38s} {search.candidate:15s} {search.objective:10s} {text}")
    bad, tries = contiguity_violations(tries=1500, seed=2)
    print(f"contiguity (Theorem E, Cor. 1): {bad} violations in {tries} instances (n <= 6)")
    bad, tries = contiguous_dp_violations(tries=1500)
    print(f"contiguous DP vs brute force: {bad} misses in {tries} instances (n <= 7)")
    found = radix_goodput_greedy_counterexample()
    if found is not None:
        inst, bound, got, best = found
        print(f"radix c_attn=0 goodput, agreeable greedy: {[q.units for q in inst.queries]} arrivals "
              f"{[q.arrival for q in inst.queries]} T={bound}: greedy {got} on time, optimum {best}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
