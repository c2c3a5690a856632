"""The complexity map's other cells: the shortest-first theorem, the total-TTFT triple, and the
seeded counterexample searches recorded in proofs/complexity_cells.md."""
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs import complexity_total_ttft as T
from proofs.complexity_search import SEARCHES, contiguity_violations, find_counterexample
from solvers.exact.registry import solve
from tests.strategies import cost_models, instances
from theory.claims import check_radix_shortest_first
from theory.errors import InstanceError
from theory.evaluate import evaluate

RADIX_ANY = cost_models(caches=("radix",), c_attn=(0, 0.5, 1, 3), base=(0, 2))


@settings(max_examples=100, deadline=None)
@given(instances(max_n=6, cost=RADIX_ANY, equal_arrivals=True))
def test_radix_equal_arrivals_shortest_first_is_optimal(inst):
    for objective in ("makespan", "max-ttft"):
        check = check_radix_shortest_first(inst, objective)
        assert check.applies and check.holds, check


@pytest.mark.parametrize("search", SEARCHES, ids=lambda s: f"{s.name}/{s.candidate}/{s.objective}")
def test_recorded_searches(search):
    """Every search but shortest-first (a theorem) finds its recorded counterexample."""
    found = find_counterexample(search, tries=300, seed=0)
    if search.candidate == "shortest-first":
        assert found is None
    else:
        assert found is not None and found[1] > found[2]


def test_contiguity_conjecture_on_a_small_sample():
    assert contiguity_violations(tries=60, seed=11, max_n=5) == (0, 60)


jobs = st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(st.integers(0, 8), min_size=n, max_size=n), st.lists(st.integers(1, 5), min_size=n, max_size=n)))


@settings(max_examples=60, deadline=None)
@given(jobs, st.sampled_from(["previous", "radix", "lru"]), st.integers(-3, 3))
def test_total_ttft_triple(job_lists, cache, slack):
    releases, times = job_lists
    n = len(times)
    best = min(T.SumCjInstance(tuple(releases), tuple(times), 0).sum_completion(s)
               for s in itertools.permutations(range(n)))
    src = T.SumCjInstance(tuple(releases), tuple(times), best + slack)
    inst, target = T.reduce(src, cache)
    yes = any(src.sum_completion(s) <= src.target for s in itertools.permutations(range(n)))
    witness = [o for o in itertools.permutations(range(n)) if evaluate(inst, o).total_ttft <= target + 1e-9]
    assert bool(witness) == yes == (slack >= 0)
    if yes:
        seq = min(itertools.permutations(range(n)), key=src.sum_completion)
        order = T.forward(src, seq)
        assert T.backward(src, inst, order, target) == tuple(seq)
        assert T.backward(src, inst, witness[0], target) == tuple(witness[0])
    else:
        with pytest.raises(InstanceError):
            T.forward(src, tuple(range(n)))


@settings(max_examples=25, deadline=None)
@given(jobs)
def test_total_ttft_reduction_matches_exact_solver(job_lists):
    releases, times = job_lists
    src = T.SumCjInstance(tuple(releases), tuple(times), 0)
    inst, _ = T.reduce(src, "radix")
    res = solve(inst, objective="total-ttft", solver="dp", warm=False)
    best = min(src.sum_completion(s) for s in itertools.permutations(range(len(times))))
    assert res.status.name == "OPTIMAL" and res.value + sum(releases) == best


def test_total_ttft_reduce_rejects_bad_input():
    with pytest.raises(InstanceError):
        T.SumCjInstance((0,), (0,), 1)
    with pytest.raises(InstanceError):
        T.reduce(T.SumCjInstance((0,), (1,), 1), c_attn=1)


def test_agreeable_greedy_fails_once_prefixes_are_shared():
    from proofs.complexity_search import radix_goodput_greedy_counterexample
    found = radix_goodput_greedy_counterexample()
    assert found is not None and found[2] < found[3]
