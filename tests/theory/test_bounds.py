"""Definition-4 bounds (theory.bounds, proofs/definition4_bounds.md) against the simulator."""
import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.policies import make_policy
from solvers.simulate import simulate
from theory import bounds as B
from theory.errors import InstanceError
from theory.workloads import definition4

KS = (1, 2, 3, 5, math.inf)


def max_ttft(inst, k):
    return simulate(inst, make_policy("klpm", k=k)).evaluation.max_ttft


def assert_within(p, inst):
    low = B.lower_any(p)
    values = {k: max_ttft(inst, k) for k in KS}
    for k, v in values.items():
        assert low - 1e-9 <= v <= B.klpm_upper(p, k) + 1e-9, (p, k, v)
    assert values[1] <= B.fcfs_upper(p) + 1e-9
    assert values[math.inf] <= B.lpm_upper(p) + 1e-9
    return values


params = st.builds(B.Def4, u=st.integers(0, 60), d=st.integers(1, 60),
                   s=st.sampled_from([0, 5, 10, 20, 35, 50, 80, 130]),
                   users=st.integers(1, 4), repeats=st.integers(1, 5))


@settings(max_examples=80, deadline=None)
@given(params, st.randoms(use_true_random=False))
def test_random_shuffles_stay_within_bounds(p, rnd):
    owners = B.alternating_shuffle(p)
    rnd.shuffle(owners)
    assert_within(p, B.instance_for(p, owners))


@settings(max_examples=40, deadline=None)
@given(params)
def test_explicit_shuffles_attain_the_worst_cases(p):
    fcfs = max_ttft(B.instance_for(p, B.alternating_shuffle(p)), 1)
    assert_within(p, B.instance_for(p, B.alternating_shuffle(p)))
    if p.users >= 2:
        assert fcfs == pytest.approx(B.fcfs_upper(p))  # FCFS's worst case is exact
    starve = B.instance_for(p, B.starvation_shuffle(p))
    lpm = assert_within(p, starve)[math.inf]
    if B.lpm_worst_conditions(p):
        assert lpm >= B.lpm_worst_lower(p) - 1e-9


def test_generator_instances_stay_within_bounds():
    """The shared workload generator (theory.workloads.definition4), token encoding, 12 seeds."""
    for seed in range(12):
        p = B.Def4(u=30, d=20, s=[5, 25, 45][seed % 3], users=3, repeats=4)
        inst = definition4(u=p.u, d=p.d, s=p.s, users=p.users, repeats=p.repeats, seed=seed)
        assert_within(p, inst)


def test_exhaustive_small_grid_bounds_hold_on_every_shuffle():
    """Every distinct shuffle of 2 users x 3 repeats, several (u, d, s)."""
    for u, d, s in [(10, 4, 3), (4, 10, 3), (10, 4, 12), (6, 6, 0)]:
        p = B.Def4(u, d, s, users=2, repeats=3)
        for owners in set(itertools.permutations(B.alternating_shuffle(p))):
            assert_within(p, B.instance_for(p, list(owners)))


def test_lpm_upper_is_tight_at_zero_spacing():
    p = B.Def4(u=7, d=3, s=0, users=3, repeats=4)
    inst = B.instance_for(p, B.alternating_shuffle(p))
    assert max_ttft(inst, math.inf) == B.lpm_upper(p)


def test_k1_window_bound_is_fcfs_bound_and_best_k_is_an_extreme():
    rng = random.Random(3)
    for _ in range(200):
        p = B.Def4(rng.randint(0, 50), rng.randint(1, 50), rng.choice([0, 7, 30, 90]),
                   rng.randint(1, 6), rng.randint(1, 6))
        assert B.klpm_window_bound(p, 1) == pytest.approx(B.fcfs_upper(p)) or p.users == 1
        assert B.klpm_switch_bound(p, math.inf) == B.lpm_upper(p)
        best = min(B.klpm_upper(p, k) for k in (1, 2, 3, 4, 8, math.inf))
        assert best == B.klpm_upper(p, B.bound_best_k(p))


def test_window_candidates_find_the_maximum():
    rng = random.Random(5)
    for _ in range(200):
        p = B.Def4(rng.randint(0, 40), rng.randint(1, 40), rng.choice([0, 10, 45]),
                   rng.randint(1, 5), rng.randint(1, 6))
        k = rng.choice([1, 2, 3, 7, math.inf])
        brute = max(B._window(p, k, o) for o in range(p.n))
        assert B.klpm_window_bound(p, k) == pytest.approx(p.head + brute)


def test_sympy_derivation_matches_the_numeric_formulas():
    import sympy as sp
    der = B.derive()
    u, d, s, U, r, k = der["symbols"]
    for vals in [(10, 4, 3, 3, 4), (5, 20, 30, 2, 5), (0, 7, 2, 4, 2)]:
        p = B.Def4(*vals)
        sub = {u: p.u, d: p.d, s: p.s, U: p.users, r: p.repeats}
        assert float(der["fcfs_upper"].subs(sub)) == pytest.approx(B.fcfs_upper(p))
        assert float(der["lower_any"].subs(sub)) == pytest.approx(p.users * p.u + p.n * p.d - (p.n - 1) * p.s)
        if B.lpm_worst_conditions(p):
            assert float(der["lpm_worst_lower"].subs(sub)) == pytest.approx(B.lpm_worst_lower(p))
    (thr,) = der["lpm_beats_fcfs_threshold_s"]
    assert sp.simplify(thr - (u + (r - 1) * d / (U * r - U))) == 0


@pytest.mark.parametrize("kwargs", [dict(u=-1, d=1, s=1), dict(u=1, d=0, s=1), dict(u=1, d=1, s=-2),
                                    dict(u=1, d=1, s=math.nan), dict(u=1, d=1, s=1, users=0)])
def test_invalid_parameters_raise_instance_error(kwargs):
    with pytest.raises(InstanceError):
        B.Def4(**kwargs)


def test_invalid_k_raises():
    with pytest.raises(InstanceError):
        B.klpm_upper(B.Def4(1, 1, 1), 0)
    with pytest.raises(InstanceError):
        B.klpm_upper(B.Def4(1, 1, 1), 2.5)


def test_sympy_threshold_where_lpm_upper_drops_below_fcfs_worst():
    import sympy as sp
    der = B.derive()
    u, d, s, U, r, k = der["symbols"]
    (thr,) = der["lpm_upper_below_fcfs_worst_s"]
    assert sp.simplify(thr - u * (U * r - U) / (U * r - 1)) == 0
    p = B.Def4(30, 10, 20, users=3, repeats=4)  # 20 < 30 * 9 / 11
    assert B.lpm_upper(p) < B.fcfs_upper(p)


def test_corollary3_counterexample_exact_worst_cases():
    """U=2, r=4, u=20, d=10, s=3 (0 < s < u): over all shuffles no k-LPM beats LPM."""
    p = B.Def4(20, 10, 3, users=2, repeats=4)
    worst = {k: 0.0 for k in (1, 2, 3, 4, math.inf)}
    for owners in set(itertools.permutations(B.alternating_shuffle(p))):
        inst = B.instance_for(p, list(owners))
        for k in worst:
            worst[k] = max(worst[k], max_ttft(inst, k))
    assert worst == {1: 219, 2: 142, 3: 139, 4: 108, math.inf: 108}
