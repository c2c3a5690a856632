"""Exact solvers: the result contract, objectives, polynomial cells, limits and the CLI."""
import itertools
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from klpm.cli import main
from solvers.exact import Status, choose_solver, make_solver, solve
from solvers.exact.objectives import make_goal
from solvers.exact.polynomial import polynomial_cell
from solvers.exact.result import make_result
from tests.strategies import cost_models, instances
from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import CostModel, Instance, Query
from theory.instance_io import instance_to_dict

INSTANCE = {"format": "klpm-instance/1", "cost": {"cache": "previous"}, "ttft_bound": 6,
            "queries": [{"id": "a", "arrival": 0, "tokens": [7, 7, 3, 1]},
                        {"id": "b", "arrival": 2, "tokens": [7, 7, 5]},
                        {"id": "c", "arrival": 3, "tokens": [7, 7, 3, 2]},
                        {"id": "d", "arrival": 3, "tokens": [1, 2, 3]}]}


def _inst(cache="previous", n=4, c_attn=0):
    qs = tuple(Query(f"q{j}", j % 3, (j % 2, j % 3, j)) for j in range(n))
    return Instance(qs, CostModel(cache=cache, c_attn=c_attn, capacity=4 if cache == "lru" else None))


def _brute_min(inst, key):
    return min(key(evaluate(inst, o)) for o in itertools.permutations(range(inst.n)))


@pytest.fixture
def inst_file(tmp_path):
    path = tmp_path / "i.json"
    path.write_text(json.dumps(INSTANCE))
    return str(path)


@settings(max_examples=25, deadline=None)
@given(instances(max_n=5, cost=cost_models()), st.integers(0, 15))
def test_brute_equals_min_over_permutations_of_the_evaluator(inst, bound):
    for objective, key in (("max-ttft", lambda e: e.max_ttft), ("violations", lambda e: e.violations(bound))):
        res = solve(inst, objective=objective, solver="brute", ttft_bound=bound, warm=False)
        assert res.status is Status.OPTIMAL
        assert math.isclose(res.value, _brute_min(inst, key), rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=30, deadline=None)
@given(instances(max_n=7, cost=cost_models(caches=("radix",), c_attn=(0,), base=(0, 2))),
       st.integers(0, 30))
def test_polynomial_radix_c0_matches_dp(inst, bound):
    assert choose_solver(inst, "max-ttft") == "polynomial"
    fast = solve(inst, objective="max-ttft")
    exact = solve(inst, objective="max-ttft", solver="dp", warm=False)
    assert fast.status is Status.OPTIMAL and fast.method.startswith("polynomial")
    assert math.isclose(fast.value, exact.value, rel_tol=1e-9, abs_tol=1e-9)
    feas = solve(inst, objective="feasible", ttft_bound=bound)
    feas_dp = solve(inst, objective="feasible", ttft_bound=bound, solver="dp", warm=False)
    assert feas.status is feas_dp.status
    assert feas.status is (Status.OPTIMAL if exact.value <= bound else Status.INFEASIBLE)


@settings(max_examples=10, deadline=None)
@given(instances(max_n=6, cost=cost_models(caches=("radix",), c_attn=(0,), base=(0, 2))))
def test_polynomial_radix_c0_matches_cpsat(inst):
    fast = solve(inst, objective="max-ttft")
    cp = solve(inst, objective="max-ttft", solver="cpsat", workers=1, time_limit=60, warm=False)
    assert cp.status is Status.OPTIMAL and math.isclose(fast.value, cp.value, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(1, 5)), min_size=1, max_size=6),
       st.sampled_from(("previous", "radix", "lru")), st.sampled_from((0, 0.5)))
def test_polynomial_no_shared_prefix(rows, cache, c_attn):
    qs = tuple(Query(f"q{j}", a, (100 + j,) + (1,) * (size - 1)) for j, (a, size) in enumerate(rows))
    inst = Instance(qs, CostModel(cache=cache, c_attn=c_attn, base=1, capacity=3 if cache == "lru" else None))
    assert polynomial_cell(inst, "max-ttft") is not None
    fast = solve(inst, objective="max-ttft")
    assert fast.status is Status.OPTIMAL
    assert math.isclose(fast.value, _brute_min(inst, lambda e: e.max_ttft), rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=20, deadline=None)
@given(instances(max_n=6, cost=cost_models(caches=("lru",), c_attn=(0,), base=(0, 2))))
def test_polynomial_lru_that_never_evicts(inst):
    big = inst.with_cost(CostModel(cache="lru", base=inst.cost.base, per_token=inst.cost.per_token,
                                   capacity=sum(q.length for q in inst.queries)))
    assert polynomial_cell(big, "max-ttft") is not None
    fast = solve(big, objective="max-ttft")
    assert math.isclose(fast.value, _brute_min(big, lambda e: e.max_ttft), rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=25, deadline=None)
@given(instances(max_n=6, equal_arrivals=True, cost=cost_models(caches=("previous", "radix"), c_attn=(0.5, 1))),
       st.integers(0, 40))
def test_polynomial_equal_arrivals_any_c_attn_matches_dp(inst, bound):
    assert polynomial_cell(inst, "max-ttft") == "equal-arrivals-shortest-subtree"
    fast = solve(inst, objective="max-ttft")
    exact = solve(inst, objective="max-ttft", solver="dp", warm=False)
    assert fast.status is Status.OPTIMAL and fast.method == "polynomial:equal-arrivals-shortest-subtree"
    assert math.isclose(fast.value, exact.value, rel_tol=1e-9, abs_tol=1e-9)
    feas = solve(inst, objective="feasible", ttft_bound=bound)
    assert feas.status is (Status.OPTIMAL if exact.value <= bound else Status.INFEASIBLE)


def test_polynomial_large_radix_instance_is_answered_by_fcfs():
    qs = tuple(Query(f"q{j}", j // 3, (j % 7, j % 11, j)) for j in range(3000))
    inst = Instance(qs, CostModel(cache="radix", base=1))
    res = solve(inst, objective="max-ttft")
    assert res.status is Status.OPTIMAL and res.order == tuple(inst.arrival_order())
    assert res.value == evaluate(inst, inst.arrival_order()).max_ttft


def test_polynomial_refuses_other_cells():
    with pytest.raises(InstanceError, match="not a known polynomial cell"):
        solve(_inst("previous"), objective="max-ttft", solver="polynomial")


@pytest.mark.parametrize("name,cache,n", [("brute", "previous", 10), ("brute", "lru", 9),
                                          ("dp", "previous", 19), ("dp", "radix", 21), ("dp", "radix", 61)])
def test_size_limits_refuse_with_instance_error(name, cache, n):
    nested = tuple(Query(f"q{j}", j, tuple(range(j + 1))) for j in range(n))  # no twins
    inst = Instance(nested, CostModel(cache=cache, capacity=4 if cache == "lru" else None))
    with pytest.raises(InstanceError, match="too many"):
        solve(inst, objective="max-ttft", solver=name)


def test_dp_takes_large_instances_made_of_twins():
    qs = tuple(Query(f"q{j}", j, (j % 3, 7, j % 3 + 10)) for j in range(30))
    res = solve(Instance(qs, CostModel(cache="previous")), objective="max-ttft", solver="dp")
    assert res.status is Status.OPTIMAL


@pytest.mark.parametrize("name", ["cpsat", "milp", "dp"])
def test_lru_is_refused_by_model_backends(name):
    with pytest.raises(InstanceError, match="lru"):
        solve(_inst("lru"), objective="max-ttft", solver=name)


def test_lru_brute_force_works():
    res = solve(_inst("lru"), objective="total-ttft", solver="brute")
    assert res.status is Status.OPTIMAL
    assert math.isclose(res.value, _brute_min(_inst("lru"), lambda e: e.total_ttft))


def test_non_integral_data_is_refused_by_cpsat():
    qs = (Query("a", 1 / 3, (1, 2)), Query("b", 0, (1, 3)))
    with pytest.raises(InstanceError, match="not integers"):
        solve(Instance(qs, CostModel()), objective="max-ttft", solver="cpsat", warm=False)


@pytest.mark.parametrize("objective,kw,needle", [
    ("feasible", {}, "needs a TTFT bound"), ("violations", {}, "needs a TTFT bound"),
    ("percentile", {"ttft_bound": 3}, "needs --p"), ("percentile", {"ttft_bound": 3, "p": 1.5}, "p: must be"),
    ("nope", {}, "unknown objective")])
def test_goal_errors(objective, kw, needle):
    with pytest.raises(InstanceError, match=needle):
        make_goal(objective, 4, kw.get("ttft_bound"), kw.get("p"))


def test_percentile_allowance_is_floor_p_n():
    assert make_goal("percentile", 10, 5, 0.25).allowance == 2
    assert make_goal("percentile", 10, 5, 0.3).allowance == 3


def test_result_rejects_a_claim_the_evaluator_contradicts():
    inst = _inst("previous")
    goal = make_goal("max-ttft", inst.n)
    value = evaluate(inst, range(inst.n)).max_ttft
    with pytest.raises(AssertionError):
        make_result(inst, goal, Status.OPTIMAL, tuple(range(inst.n)), method="t", time_s=0, seed=0,
                    claimed=value - 1)
    with pytest.raises(AssertionError):
        make_result(inst, goal, Status.FEASIBLE, tuple(range(inst.n)), method="t", time_s=0, seed=0,
                    claimed=value - 1)


def test_time_limit_gives_unproven_status_with_warm_order():
    qs = tuple(Query(f"q{j}", 0, (j % 4, j % 5, j)) for j in range(16))
    inst = Instance(qs, CostModel(c_attn=1))
    res = solve(inst, objective="total-ttft", solver="dp", time_limit=0)
    assert res.status in (Status.FEASIBLE, Status.OPTIMAL) and res.order is not None


def test_timed_out_max_ttft_reports_a_valid_lower_bound():
    qs = tuple(Query(f"q{j}", j, tuple(range(j + 1))) for j in range(10))
    inst = Instance(qs, CostModel(c_attn=1))
    res = solve(inst, objective="max-ttft", solver="dp", time_limit=0)
    exact = solve(inst, objective="max-ttft", solver="dp", time_limit=600)
    assert res.status is Status.FEASIBLE and res.bound is not None
    assert exact.status is Status.OPTIMAL and res.bound <= exact.value + 1e-9 and 0 <= res.gap <= 1


def test_cli_json(inst_file, capsys):
    assert main(["solve", inst_file, "--objective", "max-ttft", "--solver", "dp", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "OPTIMAL" and out["objective"] == "max-ttft" and out["value"] == 6
    assert sorted(out["order"]) == ["a", "b", "c", "d"] and max(out["ttft"].values()) == out["value"]
    assert {"bound", "gap", "method", "instance_hash", "seed", "time_s", "cache"} <= set(out)


@pytest.mark.parametrize("solver", ["cpsat", "milp", "brute"])
def test_cli_json_stdout_is_one_object(inst_file, capfd, solver):
    assert main(["solve", inst_file, "--objective", "violations", "--solver", solver, "--json",
                 "--workers", "1"]) == 0
    out = json.loads(capfd.readouterr().out)
    assert out["status"] == "OPTIMAL" and out["value"] == 0


def test_cli_feasible_infeasible(inst_file, capsys):
    assert main(["solve", inst_file, "--objective", "feasible", "--ttft-bound", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "INFEASIBLE" and out["order"] is None


@pytest.mark.parametrize("argv,needle", [
    (["--objective", "percentile", "--ttft-bound", "3"], "needs --p"),
    (["--objective", "max-ttft", "--solver", "brute"], "too many"),
])
def test_cli_errors_exit_2(tmp_path, capsys, argv, needle):
    path = tmp_path / "big.json"
    doc = instance_to_dict(_inst("previous", 12))
    path.write_text(json.dumps(doc))
    assert main(["solve", str(path)] + argv) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_missing_bound_exit_2(tmp_path, capsys):
    path = tmp_path / "nb.json"
    path.write_text(json.dumps({k: v for k, v in INSTANCE.items() if k != "ttft_bound"}))
    assert main(["solve", str(path), "--objective", "feasible"]) == 2
    assert "needs a TTFT bound" in capsys.readouterr().err


def test_auto_choice():
    assert choose_solver(_inst("previous", 6), "violations") == "dp"
    nested = tuple(Query(f"q{j}", j, tuple(range(j + 1))) for j in range(25))
    assert choose_solver(Instance(nested, CostModel()), "max-ttft") == "cpsat"
    assert choose_solver(_inst("lru", 6, c_attn=1), "max-ttft") == "brute"


def test_make_solver_unknown():
    with pytest.raises(InstanceError, match="unknown solver"):
        make_solver("gurobi")


@pytest.mark.parametrize("options,needle", [
    ({"seed": 2**31}, "seed"), ({"seed": -1}, "seed"), ({"workers": 0}, "workers"),
    ({"workers": 5000}, "workers"), ({"time_limit": -1}, "time_limit"), ({"time_limit": math.inf}, "time_limit"),
])
def test_unusable_limits_are_refused_in_one_line(options, needle):
    from theory.errors import InstanceError
    inst = Instance((Query("a", 0, (1,)), Query("b", 0, (1, 2))), CostModel())
    for name in ("cpsat", "dp"):
        with pytest.raises(InstanceError, match=needle):
            solve(inst, objective="max-ttft", solver=name, **options)
