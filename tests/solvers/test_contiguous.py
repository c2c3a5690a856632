"""solvers.contiguous: the equal-arrival theorem (order, optimum formula) and the contiguous DP,
against brute force over all orders."""
import itertools

import pytest
from hypothesis import given, settings

from proofs.complexity_search import contiguous
from solvers.contiguous import (best_contiguous_order, equal_arrival_optimum, equal_arrival_order,
                                equal_arrival_solution)
from tests.strategies import cost_models, instances, rate_cost_models
from theory.claims import brute_force, depth_first_order
from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import CostModel, Instance, Query

PREV = cost_models(caches=("previous",), c_attn=(0, 0.5, 1, 3), base=(0, 2))
EQUAL = rate_cost_models()


def _assert_optimal(inst: Instance) -> None:
    order, ev = equal_arrival_solution(inst)
    optimum = equal_arrival_optimum(inst)
    assert sorted(order) == list(range(inst.n))
    assert ev.makespan == pytest.approx(optimum)
    assert ev.max_ttft == pytest.approx(optimum - inst.queries[0].arrival)
    assert optimum == pytest.approx(brute_force(inst, "makespan")[0])


def _blocks_start_shortest(inst: Instance, order: tuple[int, ...]) -> bool:
    """Every prefix's block (contiguous) starts with a shortest prompt through that prefix."""
    first: dict[tuple, int] = {}
    shortest: dict[tuple, int] = {}
    for i in order:
        q = inst.queries[i]
        for k in range(1, len(q.units) + 1):
            first.setdefault(q.units[:k], q.length)
            shortest[q.units[:k]] = min(shortest.get(q.units[:k], q.length), q.length)
    return first == shortest


@settings(max_examples=60, deadline=None)
@given(instances(max_n=6, cost=EQUAL, equal_arrivals=True))
def test_equal_arrival_order_attains_the_formula_and_brute_force(inst):
    _assert_optimal(inst)
    order = equal_arrival_order(inst)
    assert contiguous(inst, order) and _blocks_start_shortest(inst, order)


@settings(max_examples=6, deadline=None)
@given(instances(min_n=7, max_n=7, cost=EQUAL, equal_arrivals=True))
def test_equal_arrival_order_seven_queries(inst):
    _assert_optimal(inst)


@settings(max_examples=25, deadline=None)
@given(instances(max_n=6, cost=EQUAL, equal_arrivals=True, segmented=True))
def test_equal_arrival_order_on_segments(inst):
    _assert_optimal(inst)


def _instance(prompts, arrival=0, **cost) -> Instance:
    return Instance(tuple(Query(f"q{i}", arrival, p) for i, p in enumerate(prompts)), CostModel(**cost))


@pytest.mark.parametrize("cache", ["previous", "radix"])
@pytest.mark.parametrize("prompts", [
    [(0, 1, 1, 1), (0, 1, 1, 1, 0), (0, 0, 1, 0, 1), (0, 1, 0)],  # C2: depth-first 54, optimum 52
    [(1, 2), (1, 2), (1, 2, 3), (1,), (1,)],  # identical prompts, prefixes of others
    [(5, 5, 5, 5), (5, 5, 5, 5, 1), (5, 1), (5, 5, 2, 2, 2, 2)],  # shortest below a branch
])
@pytest.mark.parametrize("params", [dict(c_attn=1), dict(c_attn=3, base=2),
                                    dict(c_attn=0.5, per_token=0), dict(per_token=0)])
def test_edge_cases_with_a_late_common_arrival(cache, prompts, params):
    _assert_optimal(_instance(prompts, arrival=4.5, cache=cache, **params))


def test_c2_counterexample_value():
    inst = _instance([(0, 1, 1, 1), (0, 1, 1, 1, 0), (0, 0, 1, 0, 1), (0, 1, 0)], c_attn=1)
    assert evaluate(inst, depth_first_order(inst)).makespan == 54
    assert equal_arrival_solution(inst)[1].makespan == equal_arrival_optimum(inst) == 52


@settings(max_examples=30, deadline=None)
@given(instances(min_n=20, max_n=40, cost=EQUAL, equal_arrivals=True))
def test_larger_instances_match_the_formula_and_the_dp(inst):
    """No brute force here: the order meets the lower bound, hence is optimal (theorem)."""
    ev = equal_arrival_solution(inst)[1]
    assert ev.makespan == pytest.approx(equal_arrival_optimum(inst))
    if inst.cost.cache == "previous":
        assert best_contiguous_order(inst)[1].makespan == pytest.approx(ev.makespan)


def test_equal_arrival_refuses_other_cells():
    with pytest.raises(InstanceError):
        equal_arrival_order(Instance((Query("a", 0, (1,)), Query("b", 1, (1,)))))
    small_lru = Instance((Query("a", 0, (1, 2)), Query("b", 0, (1, 3))), CostModel(cache="lru", capacity=2))
    with pytest.raises(InstanceError):
        equal_arrival_order(small_lru)
    with pytest.raises(InstanceError):
        equal_arrival_optimum(small_lru)


@settings(max_examples=20, deadline=None)
@given(instances(max_n=6, cost=EQUAL, equal_arrivals=True))
def test_lru_that_never_evicts_is_covered(inst):
    """An lru whose capacity holds the whole prefix tree behaves as radix (Corollary 3)."""
    tokens = len({q.units[:k] for q in inst.queries for k in range(1, len(q.units) + 1)})
    c = inst.cost
    lru = inst.with_cost(CostModel("lru", c.c_attn, c.per_token, c.base, capacity=tokens))
    _assert_optimal(lru)


@settings(max_examples=60, deadline=None)
@given(instances(max_n=6, cost=PREV, equal_arrivals=True))
def test_dp_is_the_best_contiguous_order_and_matches_brute_force(inst):
    order, ev = best_contiguous_order(inst)
    assert contiguous(inst, order)
    best_contiguous = min(evaluate(inst, o).makespan for o in itertools.permutations(range(inst.n))
                          if contiguous(inst, o))
    assert ev.makespan == pytest.approx(best_contiguous)  # the DP theorem
    assert ev.makespan == pytest.approx(brute_force(inst, "makespan")[0])  # corollary of theorem E


@settings(max_examples=25, deadline=None)
@given(instances(max_n=6, cost=PREV, equal_arrivals=True, segmented=True))
def test_dp_on_segments(inst):
    assert best_contiguous_order(inst)[1].makespan == pytest.approx(brute_force(inst, "makespan")[0])


def test_refuses_other_cells():
    with pytest.raises(InstanceError):
        best_contiguous_order(Instance((Query("a", 0, (1,)), Query("b", 1, (1,)))))
    with pytest.raises(InstanceError):
        best_contiguous_order(Instance((Query("a", 0, (1,)),), CostModel(cache="radix")))
