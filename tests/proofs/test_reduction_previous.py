"""Theorem 1 (previous cache, c_attn = 0): the checked triple reduce / forward / backward."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs import reduction_previous as R
from proofs.three_partition import decide, no_instance, yes_instance
from solvers.exact.registry import solve
from tests.proofs.oracle import feasible_order, meets
from theory.errors import InstanceError
from theory.evaluate import evaluate

BOUNDS = [3, 7, 9, 13, 15, 20]


def source(kind: str, m: int, B: int, seed: int):
    """Return a yes- or no-instance (no-instances need m >= 2)."""
    return yes_instance(m, B, seed)[0] if kind == "yes" else no_instance(m, B, seed)


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 5), B=st.sampled_from(BOUNDS), seed=st.integers(0, 10**6))
def test_forward_certificate_meets_t_and_backward_recovers_it(m, B, seed):
    tp, partition = yes_instance(m, B, seed)
    inst = R.reduce(tp)
    order = R.forward(tp, partition)
    assert meets(inst, order)
    assert R.backward(tp, inst, order) == partition


@settings(max_examples=30, deadline=None)
@given(m=st.integers(1, 6), B=st.sampled_from(BOUNDS), seed=st.integers(0, 10**6))
def test_instance_size_matches_the_stated_bounds(m, B, seed):
    tp, _ = yes_instance(m, B, seed)
    inst = R.reduce(tp)
    T = m * B + 3 * (m - 1)
    assert inst.ttft_bound == T and inst.n == 5 * m
    assert sum(q.length for q in inst.queries) == 3 * m * B + 10 * (m - 1)
    assert max(max(q.arrival, q.length) for q in inst.queries) == 2 * T
    assert inst.cost.cache == "previous" and inst.cost.c_attn == 0


@settings(max_examples=16, deadline=None)
@given(kind=st.sampled_from(["yes", "no"]), B=st.sampled_from([13, 15, 20]), seed=st.integers(0, 10**6))
def test_feasible_exactly_for_yes_instances_by_exhaustive_search(kind, B, seed):
    tp = source(kind, 2, B, seed)
    inst = R.reduce(tp)
    order = feasible_order(inst)
    assert (order is not None) == (decide(tp) is not None) == (kind == "yes")
    if order is not None:
        tp.check_partition(R.backward(tp, inst, order))


@settings(max_examples=8, deadline=None)
@given(kind=st.sampled_from(["yes", "no"]), B=st.sampled_from([13, 15]), seed=st.integers(0, 10**6))
def test_exact_dp_solver_agrees_for_three_triples(kind, B, seed):
    tp = source(kind, 3, B, seed)
    inst = R.reduce(tp)
    res = solve(inst, objective="feasible", solver="dp", warm=False, time_limit=60)
    assert res.status.value in ("OPTIMAL", "INFEASIBLE")
    assert (res.status.value == "OPTIMAL") == (kind == "yes")
    if res.order is not None and meets(inst, res.order):
        tp.check_partition(R.backward(tp, inst, res.order))


def test_backward_rejects_orders_missing_t_and_foreign_instances():
    tp, partition = yes_instance(2, 13, 1)
    inst = R.reduce(tp)
    order = R.forward(tp, partition)
    swapped = list(order)
    swapped[-1], swapped[-2] = swapped[-2], swapped[-1]
    with pytest.raises(InstanceError, match="does not meet T"):
        R.backward(tp, inst, swapped)
    rng = random.Random(0)
    for _ in range(50):
        perm = list(range(inst.n))
        rng.shuffle(perm)
        if not meets(inst, perm):
            with pytest.raises(InstanceError, match="does not meet T"):
                R.backward(tp, inst, perm)
    other, _ = yes_instance(2, 15, 1)
    with pytest.raises(InstanceError, match="not the"):
        R.backward(other, inst, order)


@settings(max_examples=10, deadline=None)
@given(B=st.sampled_from([13, 15, 20]), seed=st.integers(0, 10**6))
def test_construction_fails_under_the_radix_cache(B, seed):
    """Under radix with c_attn = 0 the gadgets pin nothing: FCFS meets T even for no-instances."""
    tp = no_instance(2, B, seed)
    inst = R.reduce(tp)
    radix = inst.with_cost(inst.cost.__class__(cache="radix", c_attn=0, per_token=1, base=0))
    assert evaluate(radix, radix.arrival_order()).max_ttft <= radix.ttft_bound
    assert feasible_order(inst) is None
