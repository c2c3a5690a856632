"""solvers.percentile: exact goodput/percentile in its polynomial cells vs brute force and
the exact solvers (solvers.exact, objectives violations and percentile)."""
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.exact.registry import solve
from solvers.percentile import max_on_time, percentile_cell, solve_percentile
from tests.strategies import cost_models, instances
from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import CostModel, Instance, Query

EQ0 = cost_models(caches=("previous", "radix"), c_attn=(0,), base=(0, 1, 3))


def brute_on_time(inst, bound):
    return max(inst.n - evaluate(inst, o).violations(bound) for o in itertools.permutations(range(inst.n)))


@st.composite
def unshared(draw, max_n=6):
    n = draw(st.integers(1, max_n))
    qs = [Query(f"q{j}", draw(st.integers(0, 12)),
                tuple([50 + j] + draw(st.lists(st.integers(0, 2), max_size=5)))) for j in range(n)]
    return Instance(tuple(qs), draw(cost_models()))


@settings(max_examples=120, deadline=None)
@given(instances(max_n=6, cost=EQ0, equal_arrivals=True), st.integers(0, 30))
def test_equal_arrival_tree_dp_matches_brute_force(inst, bound):
    res = max_on_time(inst, bound)
    assert res.cell == "equal-arrivals-tree"
    assert res.on_time == brute_on_time(inst, bound)
    assert inst.n - res.evaluation.violations(bound) == res.on_time


@settings(max_examples=40, deadline=None)
@given(instances(max_n=6, cost=EQ0, equal_arrivals=True, segmented=True), st.integers(0, 30))
def test_equal_arrival_tree_dp_on_segments(inst, bound):
    assert max_on_time(inst, bound).on_time == brute_on_time(inst, bound)


@settings(max_examples=120, deadline=None)
@given(unshared(), st.integers(0, 25))
def test_no_shared_prefix_greedy_matches_brute_force(inst, bound):
    res = max_on_time(inst, bound)
    assert res.cell in ("no-shared-prefix", "equal-arrivals-tree")
    assert res.on_time == brute_on_time(inst, bound)


@settings(max_examples=40, deadline=None)
@given(st.one_of(instances(min_n=2, max_n=6, cost=EQ0, equal_arrivals=True), unshared()),
       st.integers(0, 25), st.sampled_from([0.0, 0.2, 0.5]))
def test_agrees_with_exact_solver_percentile_and_violations(inst, bound, p):
    if inst.cost.cache == "lru":
        inst = inst.with_cost(CostModel(cache="previous", c_attn=inst.cost.c_attn))
    res = solve_percentile(inst, bound, p)
    viol = solve(inst, objective="violations", solver="brute", ttft_bound=bound, warm=False)
    assert viol.status.name == "OPTIMAL" and viol.value == inst.n - res.on_time
    perc = solve(inst, objective="percentile", solver="brute", ttft_bound=bound, p=p, warm=False)
    assert (perc.status.name == "OPTIMAL") == res.feasible


def test_large_equal_arrival_instance_is_fast_and_consistent():
    """2,000 queries sharing 20 prefixes: the DP answer is re-scored by the evaluator."""
    qs = tuple(Query(f"q{j}", 5, (j % 20, 1000 + j % 7, 5000 + j)) for j in range(2000))
    inst = Instance(qs, CostModel(cache="radix", base=1))
    res = max_on_time(inst, 1500)
    assert res.on_time == 2000 - res.evaluation.violations(1500)
    assert res.on_time > 0


def test_outside_the_cells_and_bad_input():
    qs = (Query("a", 0, (1, 2)), Query("b", 3, (1, 3)))
    with pytest.raises(InstanceError):
        solve_percentile(Instance(qs), 5, 0.1)
    inst = Instance((Query("a", 0, (1,)),))
    assert percentile_cell(inst) is not None
    for bad in (dict(bound=-1, p=0.1), dict(bound=3, p=1.0), dict(bound=float("nan"), p=0)):
        with pytest.raises(InstanceError):
            solve_percentile(inst, **bad)
