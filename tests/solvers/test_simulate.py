"""The simulator and the core policies: identities, oracles and the paper's easy cases."""
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.policies import KLPM, make_policy
from solvers.simulate import simulate
from tests.strategies import cost_models, instances
from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import CostModel, Instance, Query


def brute_force_best(inst, key):
    return min(key(evaluate(inst, order)) for order in itertools.permutations(range(inst.n)))


@settings(max_examples=150)
@given(instances(max_n=9, cost=cost_models()), st.sampled_from([1, 2, 3, math.inf]))
def test_fast_index_equals_naive_rescoring(inst, k):
    fast = simulate(inst, KLPM(k))
    slow = simulate(inst, KLPM(k), naive=True)
    assert fast.order == slow.order
    assert fast.claimed_finish == fast.evaluation.finish


@settings(max_examples=100)
@given(instances(max_n=9, segmented=True, cost=cost_models()), st.sampled_from([2, math.inf]))
def test_fast_index_equals_naive_on_segments(inst, k):
    assert simulate(inst, KLPM(k)).order == simulate(inst, KLPM(k), naive=True).order


@given(instances(max_n=8, cost=cost_models()))
def test_k1_is_fcfs_and_kinf_is_lpm(inst):
    assert simulate(inst, KLPM(1)).order == simulate(inst, make_policy("fcfs")).order
    assert simulate(inst, KLPM(math.inf)).order == simulate(inst, make_policy("lpm")).order


@given(instances(max_n=8, cost=cost_models()))
def test_fcfs_order_is_arrival_order_and_work_conserving(inst):
    res = simulate(inst, make_policy("fcfs"))
    assert list(res.order) == inst.arrival_order()


def test_klpm_alternates_oldest_and_longest_match():
    # All arrive at 0. Prompts: q0=[1,1], q1=[2,2], q2=[1,1,3], q3=[2,2,3], q4=[1,1,4].
    qs = [(1, 1), (2, 2), (1, 1, 3), (2, 2, 3), (1, 1, 4)]
    inst = Instance(tuple(Query(f"q{i}", 0, p) for i, p in enumerate(qs)))
    # k=2: step0 oldest q0; step1 LPM vs [1,1]: q2 (ties q2,q4 -> earlier q2);
    # step2 oldest q1; step3 LPM vs [2,2]: q3; step4 oldest q4.
    assert simulate(inst, KLPM(2)).order == (0, 2, 1, 3, 4)
    assert simulate(inst, KLPM(math.inf)).order == (0, 2, 4, 1, 3)
    assert simulate(inst, KLPM(1)).order == (0, 1, 2, 3, 4)


def test_server_idles_until_next_arrival():
    inst = Instance((Query("a", 0, (1,)), Query("b", 10, (2,))))
    res = simulate(inst, make_policy("lpm"))
    assert res.evaluation.start == (0, 10) and res.evaluation.ttft == (1, 1)


@settings(max_examples=60, deadline=None)
@given(instances(max_n=6, cost=cost_models(), max_arrival=6).filter(
    lambda i: len({q.units[0] for q in i.queries}) == i.n))
def test_fcfs_optimal_without_shared_prefixes(inst):
    fcfs = simulate(inst, make_policy("fcfs")).evaluation.max_ttft
    assert fcfs == pytest.approx(brute_force_best(inst, lambda e: e.max_ttft))


@settings(max_examples=60, deadline=None)
@given(instances(max_n=6, equal_arrivals=True, cost=cost_models(caches=("previous",), c_attn=(0,))))
def test_lpm_makespan_optimal_with_equal_arrivals(inst):
    lpm = simulate(inst, make_policy("lpm")).evaluation.makespan
    assert lpm == pytest.approx(brute_force_best(inst, lambda e: e.makespan))


def test_bad_k_and_unknown_policy():
    with pytest.raises(InstanceError, match="k: must be an integer"):
        KLPM(0)
    with pytest.raises(InstanceError, match="unknown policy 'nope'"):
        make_policy("nope")


def test_summary_fields():
    # a runs 0..2; b reuses [1] and runs 2..3.
    inst = Instance((Query("a", 0, (1, 2)), Query("b", 0, (1, 3))), CostModel(), ttft_bound=2)
    s = simulate(inst, make_policy("fcfs")).summary
    assert s["max"] == 3 and s["violations"] == 1 and s["reused_ratio"] == pytest.approx(1 / 4)
    assert s["p50"] == 2 and s["p99"] == 3
