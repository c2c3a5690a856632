"""The paper's easy-case claims, checked against brute force (theory.claims)."""
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.policies import make_policy
from solvers.simulate import simulate
from tests.strategies import cost_models, instances
from theory.claims import (brute_force, check_fcfs_no_sharing, check_lpm_equal_arrivals,
                           check_order_optimal, check_radix_fcfs, depth_first_order)
from theory.instance import CostModel, Instance, Query

PREV0 = cost_models(caches=("previous",), c_attn=(0,), base=(0, 2))


@st.composite
def unshared_instances(draw, max_n=6):
    """Instances whose prompts start with pairwise distinct tokens (nothing is ever reused)."""
    n = draw(st.integers(1, max_n))
    qs = []
    for j in range(n):
        tail = draw(st.lists(st.integers(0, 2), max_size=4))
        qs.append(Query(f"q{j}", draw(st.integers(0, 10)), tuple([100 + j] + tail)))
    return Instance(tuple(qs), draw(cost_models()))


@settings(max_examples=100, deadline=None)
@given(unshared_instances())
def test_no_shared_prefix_fcfs_is_optimal_for_max_ttft(inst):
    check = check_fcfs_no_sharing(inst)
    assert check.applies and check.holds, check


@settings(max_examples=100, deadline=None)
@given(instances(max_n=6, cost=PREV0, equal_arrivals=True))
def test_equal_arrivals_lpm_minimises_makespan_and_max_ttft(inst):
    lpm = simulate(inst, make_policy("lpm")).order
    for objective in ("makespan", "max-ttft"):
        assert check_lpm_equal_arrivals(inst, lpm, objective).holds
        assert check_lpm_equal_arrivals(inst, None, objective).holds  # depth-first order


@settings(max_examples=60, deadline=None)
@given(instances(max_n=6, cost=PREV0, equal_arrivals=True, segmented=True))
def test_equal_arrivals_depth_first_on_segments(inst):
    assert check_lpm_equal_arrivals(inst).holds


@settings(max_examples=50, deadline=None)
@given(instances(min_n=2, max_n=5, cost=PREV0))
def test_claims_do_not_apply_outside_their_hypotheses(inst):
    if len({q.arrival for q in inst.queries}) > 1:
        assert not check_lpm_equal_arrivals(inst).applies
    assert not check_radix_fcfs(inst).applies


# Counterexamples found by a seeded random search (recorded in proofs/complexity_cells.md).
_CE = (Query("q0", 0, (0, 1, 0, 1, 1)), Query("q1", 0, (2, 1, 0, 0)), Query("q2", 0, (0, 1, 1, 2)))


def test_equal_arrivals_lpm_is_not_optimal_for_total_ttft():
    inst = Instance(_CE, CostModel(cache="previous"))
    lpm = simulate(inst, make_policy("lpm")).order
    check = check_lpm_equal_arrivals(inst, lpm, "total-ttft")
    assert check.applies and not check.holds
    assert (check.claimed_value, check.optimum) == (23, 22)


def test_equal_arrivals_lpm_is_not_optimal_with_attention_cost():
    """With c_attn > 0 LPM and every depth-first tie order can lose on the makespan."""
    inst = Instance(_CE, CostModel(cache="previous", c_attn=1))
    lpm = simulate(inst, make_policy("lpm")).order
    check = check_order_optimal("lpm-c1", inst, lpm, True, "makespan")
    assert not check.holds and check.optimum == 58 and check.claimed_value == 60
    assert brute_force(inst, "makespan")[0] == 58
    assert not check_order_optimal("dfs-c1", inst, depth_first_order(inst), True, "makespan").holds


def test_brute_force_refuses_large_instances():
    import pytest
    from theory.errors import InstanceError
    qs = tuple(Query(f"q{j}", 0, (j,)) for j in range(9))
    with pytest.raises(InstanceError):
        brute_force(Instance(qs))


def test_k_lpm_extremes_agree_with_claims():
    """k = inf is LPM: on equal arrivals it is optimal for the makespan (previous, c_attn = 0)."""
    inst = Instance(tuple(Query(f"q{j}", 0, p) for j, p in
                          enumerate([(1, 2, 3), (4, 5), (1, 2, 9), (4, 6), (1, 7)])), CostModel())
    order = simulate(inst, make_policy("klpm", k=math.inf)).order
    assert check_lpm_equal_arrivals(inst, order).holds
