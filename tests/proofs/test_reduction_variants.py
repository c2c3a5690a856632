"""Theorems 2-4: the lru and radix (c_attn = 1) reductions and percentile hardness, as checked triples."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs import reduction_lru as RL
from proofs import reduction_percentile as RP
from proofs import reduction_radix as RR
from proofs.three_partition import no_instance, yes_instance
from solvers.exact.registry import solve
from tests.proofs.oracle import feasible_order, fewest_violations, meets
from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import CostModel

BOUNDS = [3, 6, 7, 9, 13, 15, 20]


def source(kind: str, m: int, B: int, seed: int):
    return yes_instance(m, B, seed)[0] if kind == "yes" else no_instance(m, B, seed)


@pytest.mark.parametrize("R", [RL, RR], ids=["lru", "radix"])
@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 4), B=st.sampled_from(BOUNDS), seed=st.integers(0, 10**6))
def test_forward_meets_t_and_backward_recovers_partition(R, m, B, seed):
    tp, partition = yes_instance(m, B, seed)
    inst = R.reduce(tp)
    order = R.forward(tp, partition)
    assert meets(inst, order)
    assert R.backward(tp, inst, order) == partition


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 4), B=st.sampled_from(BOUNDS), seed=st.integers(0, 10**6), perm_seed=st.randoms())
def test_lru_instances_forget_all_but_the_previous_prompt(m, B, seed, perm_seed):
    """Lemma L: the condition holds, and lru(C) reuses exactly what the previous cache reuses."""
    tp, _ = yes_instance(m, B, seed)
    inst = RL.reduce(tp)
    assert RL.forgets_all_but_previous(inst)
    assert all(q.length <= inst.cost.capacity for q in inst.queries)
    previous = inst.with_cost(CostModel(cache="previous"))
    for _ in range(5):
        order = list(range(inst.n))
        perm_seed.shuffle(order)
        assert evaluate(inst, order).reused == evaluate(previous, order).reused


@settings(max_examples=5, deadline=None)
@given(kind=st.sampled_from(["yes", "no"]), B=st.sampled_from([13, 15]), seed=st.integers(0, 10**6))
def test_lru_feasible_exactly_for_yes_instances(kind, B, seed):
    tp = source(kind, 2, B, seed)
    inst = RL.reduce(tp)
    order = feasible_order(inst)
    assert (order is not None) == (kind == "yes")
    if order is not None:
        tp.check_partition(RL.backward(tp, inst, order))


@settings(max_examples=10, deadline=None)
@given(kind=st.sampled_from(["yes", "no"]), B=st.sampled_from([13, 15, 20]), seed=st.integers(0, 10**6))
def test_radix_feasible_exactly_for_yes_instances(kind, B, seed):
    tp = source(kind, 2, B, seed)
    inst = RR.reduce(tp)
    order = feasible_order(inst)
    assert (order is not None) == (kind == "yes")
    if order is not None:
        tp.check_partition(RR.backward(tp, inst, order))


@settings(max_examples=6, deadline=None)
@given(kind=st.sampled_from(["yes", "no"]), seed=st.integers(0, 10**6))
def test_radix_exact_dp_agrees_for_three_triples(kind, seed):
    tp = source(kind, 3, 13, seed)
    inst = RR.reduce(tp)
    res = solve(inst, objective="feasible", solver="dp", warm=False, time_limit=60)
    assert (res.status.value == "OPTIMAL") == (kind == "yes")
    if res.status.value == "OPTIMAL":
        tp.check_partition(RR.backward(tp, inst, res.order))


def test_radix_gadget_costs_depend_on_which_query_goes_first():
    tp, _ = yes_instance(2, 13, 0)
    inst = RR.reduce(tp)
    first, second = inst.index_of("g1.first"), inst.index_of("g1.second")
    rest = [i for i in range(inst.n) if i not in (first, second)]
    light = evaluate(inst.with_bound(None), rest + [first, second])
    heavy = evaluate(inst.with_bound(None), rest + [second, first])
    cost = lambda ev: sum(ev.finish[i] - ev.start[i] for i in (first, second))  # noqa: E731
    assert (cost(light), cost(heavy)) == (14, 15)


@pytest.mark.parametrize("p", ["0.01", "1/3", "0.5", "0.9", "0.99"])
@pytest.mark.parametrize("n0", [5, 10, 13, 26, 101])
def test_percentile_dummy_count_makes_exactly_the_base_queries_required(p, n0):
    f = RP.fraction(p)
    assert RP.required_on_time(n0 + RP.dummies(n0, f), f) == n0


@pytest.mark.parametrize("base", ["previous", "radix"])
@settings(max_examples=10, deadline=None)
@given(m=st.integers(1, 3), B=st.sampled_from([7, 13, 15]), seed=st.integers(0, 10**6),
       p=st.sampled_from(["0.2", "0.5", "3/4"]))
def test_percentile_forward_and_backward(base, m, B, seed, p):
    tp, partition = yes_instance(m, B, seed)
    inst = RP.reduce(tp, p, base)
    order = RP.forward(tp, p, partition, base)
    ev = evaluate(inst, order)
    assert inst.n - ev.violations(inst.ttft_bound) == RP.required_on_time(inst.n, Fraction(p))
    assert RP.backward(tp, p, inst, order, base) == partition


@settings(max_examples=6, deadline=None)
@given(kind=st.sampled_from(["yes", "no"]), B=st.sampled_from([13, 15]), seed=st.integers(0, 10**6))
def test_percentile_instance_solvable_exactly_for_yes_instances(kind, B, seed):
    tp = source(kind, 2, B, seed)
    p = Fraction(1, 5)
    inst = RP.reduce(tp, p)
    budget = inst.n - RP.required_on_time(inst.n, p)
    assert budget == 2
    order = fewest_violations(inst, inst.ttft_bound, budget)
    assert (order is not None) == (kind == "yes")
    if order is not None:
        tp.check_partition(RP.backward(tp, p, inst, order))


def test_percentile_rejects_bad_p_and_short_orders():
    tp, partition = yes_instance(2, 13, 0)
    for bad in ("0", "1", "-0.5", "x"):
        with pytest.raises(InstanceError, match="percentile"):
            RP.reduce(tp, bad)
    inst = RP.reduce(tp, "0.5")
    order = RP.forward(tp, "0.5", partition)
    with pytest.raises(InstanceError, match="fewer than"):
        RP.backward(tp, "0.5", inst, order[1:] + order[:1])
