"""Radix cache, c_attn = 0: FCFS minimises the maximum TTFT (proofs/radix_fcfs.md).

Checked against a brute force over all orders (theory.claims) and against the exact solvers
(solvers.exact, DP and brute back-ends, warm start off) on feasible and infeasible bounds."""
import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.exact.registry import solve
from tests.strategies import cost_models, instances
from theory.claims import check_radix_fcfs, set_work
from theory.evaluate import evaluate
from theory.instance import CostModel, Instance, Query

RADIX0 = cost_models(caches=("radix",), c_attn=(0,), base=(0, 2, 5))


@settings(max_examples=120, deadline=None)
@given(instances(max_n=6, cost=RADIX0))
def test_fcfs_attains_brute_force_max_ttft(inst):
    check = check_radix_fcfs(inst)
    assert check.applies and check.holds, check


@settings(max_examples=60, deadline=None)
@given(instances(max_n=6, cost=RADIX0, segmented=True))
def test_fcfs_optimal_on_segment_prompts(inst):
    assert check_radix_fcfs(inst).holds
    assert check_radix_fcfs(inst, "makespan").holds


@settings(max_examples=80, deadline=None)
@given(instances(max_n=7, cost=RADIX0), st.randoms(use_true_random=False))
def test_work_of_a_set_is_order_free(inst, rnd):
    """Lemma 1: from an empty cache, any order of a set costs W(set) in total."""
    order = list(range(inst.n))
    rnd.shuffle(order)
    ev = evaluate(inst, order)
    busy = sum(ev.finish[i] - ev.start[i] for i in order)
    assert abs(busy - set_work(inst, order)) < 1e-9


@settings(max_examples=60, deadline=None)
@given(instances(max_n=6, cost=RADIX0), st.randoms(use_true_random=False))
def test_idle_time_never_beats_fcfs(inst, rnd):
    """Deliberate idling (explicit later starts) in any order never beats earliest-start FCFS."""
    fcfs = evaluate(inst, inst.arrival_order()).max_ttft
    order = list(range(inst.n))
    rnd.shuffle(order)
    starts, clock = {}, 0.0
    for i in order:
        q = inst.queries[i]
        starts[i] = max(clock, q.arrival) + rnd.choice([0, 0, 1, 3])
        clock = evaluate(inst, order, starts).finish[i]
    assert evaluate(inst, order, starts).max_ttft >= fcfs - 1e-9


@settings(max_examples=40, deadline=None)
@given(instances(min_n=2, max_n=6, cost=RADIX0), st.sampled_from(["dp", "brute"]))
def test_fcfs_decides_feasibility_like_exact_solvers(inst, backend):
    """Feasible at T = FCFS's max TTFT, infeasible just below it: the exact solvers agree."""
    t = evaluate(inst, inst.arrival_order()).max_ttft
    yes = solve(inst, objective="feasible", solver=backend, ttft_bound=t, warm=False)
    assert yes.status.name == "OPTIMAL"
    no = solve(inst, objective="feasible", solver=backend, ttft_bound=t - 0.5, warm=False)
    assert no.status.name == "INFEASIBLE"


def test_known_case_where_fcfs_pays_the_shared_prefix_first():
    """A long shared prefix: FCFS runs the early short query first and is still optimal."""
    qs = (Query("a", 0, (9,)), Query("b", 1, (1, 2, 3, 4, 5, 6)), Query("c", 2, (1, 2, 3, 4, 5, 7)))
    inst = Instance(qs, CostModel(cache="radix", base=1))
    assert check_radix_fcfs(inst).holds


def test_theorem_fails_with_attention_cost():
    """c_attn > 0 breaks Lemma 1: a random search finds an instance where FCFS is not optimal."""
    rng = random.Random(7)
    for _ in range(400):
        qs = tuple(Query(f"q{j}", rng.randint(0, 6),
                         tuple(rng.randint(0, 1) for _ in range(rng.randint(1, 5)))) for j in range(4))
        inst = Instance(qs, CostModel(cache="radix", c_attn=1))
        check = check_radix_fcfs(inst.with_cost(CostModel(cache="radix")))
        assert check.holds
        fcfs = evaluate(inst, inst.arrival_order()).max_ttft
        best = min(evaluate(inst, o).max_ttft for o in itertools.permutations(range(4)))
        if best < fcfs - 1e-9:
            return
    raise AssertionError("no counterexample found for c_attn = 1")
