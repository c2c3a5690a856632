"""The engine on the embedded model: same decisions as the simulator, no request lost."""
from __future__ import annotations

import json

import pytest

from solvers.policies import make_policy
from solvers.simulate import simulate
from theory.instance import CostModel, Instance, Query
from theory.workloads import definition4

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def make_engine(loaded_model):
    from gpu_runtime.config import EngineConfig
    from gpu_runtime.engine import Engine

    def build(**kw) -> Engine:
        return Engine(EngineConfig(time_scale=0.001, **kw), loaded_model)
    return build


def burst() -> Instance:
    """Nine 22-token prompts over three 16-token prefixes, all arriving at time 0."""
    return definition4(u=16, d=6, s=0.0, users=3, repeats=3, seed=4)


@pytest.mark.parametrize("name,params", [("fcfs", {}), ("lpm", {}), ("klpm", {"k": 2})])
def test_same_order_and_reuse_as_simulator(make_engine, name, params):
    from gpu_runtime.compare import rescore, runnable_instance
    engine = make_engine(kv_capacity_tokens=50)
    inst = burst()
    run = engine.run(inst, make_policy(name, **params))
    runnable = runnable_instance(engine, inst, CostModel())
    assert runnable.cost.cache == "lru" and runnable.cost.capacity == 50
    sim = simulate(runnable, make_policy(name, **params))
    assert run.order == sim.order  # all arrived at 0: decisions depend on the cache only
    for i, rec in enumerate(run.records):
        assert rec.status == "done"
        assert rec.cached_tokens == min(sim.evaluation.reused[i], inst.queries[i].length - 1)
        assert rec.cached_tokens + rec.computed_tokens == inst.queries[i].length
    assert rescore(runnable, run).order == sim.order


def test_rejections_are_counted_with_reasons(make_engine):
    engine = make_engine(kv_capacity_tokens=25)
    inst = Instance((Query("short", 0.0, tuple(range(10))), Query("long", 0.0, tuple(range(30)))),
                    CostModel(cache="radix"))
    run = engine.run(inst, make_policy("fcfs"))
    assert [r.status for r in run.records] == ["done", "rejected"]
    assert "KV capacity" in run.records[1].reason
    assert run.summary["done"] == 1 and run.summary["rejected"] == 1 and run.summary["n"] == 2


def test_token_budget_batches_and_decode(make_engine):
    engine = make_engine(kv_capacity_tokens=400, batch_token_budget=40, decode_tokens=3)
    run = engine.run(burst(), make_policy("klpm", k=2))
    assert run.summary["done"] == 9
    batches: dict[int, list] = {}
    for r in run.records:
        batches.setdefault(r.batch, []).append(r)
        assert len(r.decoded) == 3 and r.cached_tokens + r.computed_tokens == 22
    assert any(len(b) > 1 for b in batches.values())
    for b in batches.values():
        assert len({r.first_token_time for r in b}) == 1


def test_fixed_order_replay(make_engine):
    from gpu_runtime.scheduler import FixedOrder
    engine = make_engine(kv_capacity_tokens=400)
    inst = definition4(u=8, d=4, s=1.0, users=2, repeats=2, seed=1)
    order = (3, 1, 0, 2)
    run = engine.run(inst, FixedOrder(order))
    assert run.order == order  # waits for queries that have not arrived yet


def test_serve_bench_cli_writes_per_request_json(tmp_path, loaded_model, capsys):
    from klpm.cli import main
    out = tmp_path / "per_request.json"
    from tests.gpu_runtime.conftest import TEST_MODEL
    code = main(["serve-bench", "--model", TEST_MODEL, "--workload", "definition4", "--param", "u=8", "--param", "d=4",
                 "--param", "users=2", "--param", "repeats=2", "--rate", "1000",
                 "--policies", "fcfs,klpm", "--json", "-o", str(out)])
    assert code == 0
    progress = capsys.readouterr().err.splitlines()  # one line per engine run, on stderr
    assert [line.split(":")[1].strip() for line in progress] == ["fcfs", "klpm(k=2)"]
    assert all("4 done, 0 rejected" in line for line in progress)
    data = json.loads(out.read_text())
    assert [p["policy"] for p in data["policies"]] == ["fcfs", "klpm(k=2)"]
    rec = data["policies"][0]["requests"][0]
    assert {"id", "arrival", "start", "first_token_time", "ttft", "cached_tokens",
            "computed_tokens", "status", "reason"} <= set(rec)


@pytest.mark.parametrize("argv", [["--device", "tpu"], ["--dtype", "fp8"], ["--instance", "/no/such/file"]])
def test_serve_bench_bad_input_exits_2(argv, capsys):
    from klpm.cli import main
    base = ["serve-bench"] + ([] if "--instance" in argv else ["--workload", "definition4"])
    assert main(base + argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_text_prompts_through_the_tokenizer(make_engine, loaded_model):
    from gpu_runtime.request import instance_from_texts
    if loaded_model.tokenizer is None:
        pytest.skip("this test model has no tokenizer")
    inst = instance_from_texts(["You are a helpful assistant. What is a radix tree?",
                                "You are a helpful assistant. What is an LRU cache?"], [0.0, 0.0],
                               loaded_model.tokenizer)
    run = make_engine(kv_capacity_tokens=400).run(inst, make_policy("fcfs"))
    assert run.summary["done"] == 2 and run.records[1].cached_tokens >= 5


def test_local_model_directory(loaded_model):
    from gpu_runtime.config import EngineConfig
    from gpu_runtime.model_loader import model_directory
    from tests.gpu_runtime.conftest import TEST_MODEL
    if TEST_MODEL != "embedded":
        pytest.skip("checks the embedded model's converted directory")
    folder, name = model_directory(EngineConfig())
    assert model_directory(EngineConfig(model=folder)) == (folder, name.split("/")[-1])


def out_of_memory_on_second_pass(engine, monkeypatch) -> None:
    """Make the engine's second prefill pass raise torch.OutOfMemoryError (as on a full GPU)."""
    import torch
    real, calls = engine.runner.prefill_packed, {"n": 0}

    def flaky(items):
        calls["n"] += 1
        if calls["n"] == 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(items)
    monkeypatch.setattr(engine.runner, "prefill_packed", flaky)


def test_out_of_memory_rejects_the_pass_and_the_replay_goes_on(make_engine, monkeypatch):
    """A prefill that runs out of memory rejects its requests with that reason; others run."""
    engine = make_engine(kv_capacity_tokens=400)
    out_of_memory_on_second_pass(engine, monkeypatch)
    inst = burst()
    run = engine.run(inst, make_policy("fcfs"))
    statuses = [r.status for r in run.records]
    assert statuses.count("rejected") == 1 and statuses.count("done") == inst.n - 1
    bad = next(r for r in run.records if r.status == "rejected")
    assert bad.reason.startswith("out of memory while prefilling")
    assert run.summary["rejected"] == 1 and run.summary["reasons"] == {bad.reason: 1}
    assert bad.id not in [run.records[i].id for i in run.order]


def test_other_errors_stop_the_run(make_engine, monkeypatch):
    engine = make_engine(kv_capacity_tokens=400)

    def broken(items):
        raise ValueError("a bug")
    monkeypatch.setattr(engine.runner, "prefill_packed", broken)
    with pytest.raises(ValueError, match="a bug"):
        engine.run(burst(), make_policy("fcfs"))


def test_out_of_memory_in_decode_keeps_the_request_done(make_engine, monkeypatch):
    import torch
    engine = make_engine(kv_capacity_tokens=400, decode_tokens=3)

    def no_memory(*args):
        raise torch.OutOfMemoryError("CUDA out of memory")
    monkeypatch.setattr(engine.runner, "decode", no_memory)
    run = engine.run(burst(), make_policy("fcfs"))
    assert all(r.status == "done" and r.decoded == () for r in run.records)
    assert all(r.reason.startswith("decode stopped: out of memory") for r in run.records)


def test_out_of_memory_in_a_lookup_releases_every_lease(make_engine, monkeypatch):
    import torch
    from gpu_runtime.kv_cache import RadixKVCache
    engine = make_engine(kv_capacity_tokens=400, batch_token_budget=1000)  # one batch of all nine
    real, calls, caches = RadixKVCache.acquire, {"n": 0}, []

    def flaky(self, query):
        caches.append(self)
        calls["n"] += 1
        if calls["n"] == 3:
            raise torch.OutOfMemoryError("CUDA out of memory")
        return real(self, query)
    monkeypatch.setattr(RadixKVCache, "acquire", flaky)
    run = engine.run(burst(), make_policy("fcfs"))
    assert all(r.status == "rejected" and "out of memory" in r.reason for r in run.records)
    assert all(n.lock_ref == 0 for n in caches[0].tree.nodes() if n is not caches[0].tree.root)


def test_out_of_memory_while_admitting_stops_the_run(make_engine, monkeypatch):
    import torch
    from gpu_runtime.kv_cache import RadixKVCache

    def no_memory(self, *args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory")
    monkeypatch.setattr(RadixKVCache, "admit", no_memory)
    with pytest.raises(torch.OutOfMemoryError):  # the tree could be half-updated: no silent recovery
        make_engine(kv_capacity_tokens=400).run(burst(), make_policy("fcfs"))


def test_policies_read_instance_time_and_replay_starts_at_first_arrival(make_engine):
    from solvers.policy import Policy
    seen = []

    class Probe(Policy):
        name = "probe"

        def choose(self, view):
            waiting = list(view.waiting())
            seen.append((view.now, max(view.instance.queries[i].arrival for i in waiting)))
            return min(waiting)
    late = Instance(tuple(Query(f"q{i}", 1000.0 + i, tuple(range(i, i + 8))) for i in range(4)), CostModel())
    run = make_engine(kv_capacity_tokens=400).run(late, Probe())  # time_scale 0.001: arrivals at 1 s
    assert run.summary["done"] == 4 and run.summary["wall_seconds"] < 0.9  # no 1-s idle lead-in
    assert all(now >= arrival for now, arrival in seen)  # now is in instance units, like arrivals


def test_serve_bench_keeps_going_when_a_request_is_rejected_at_run_time(make_engine, monkeypatch):
    from gpu_runtime.bench import serve_bench
    engine = make_engine(kv_capacity_tokens=400)
    out_of_memory_on_second_pass(engine, monkeypatch)
    cost = CostModel("radix", 0.0, 0.001, 0.01)
    bench = serve_bench(engine, burst(), [make_policy("fcfs"), make_policy("lpm")], cost)
    assert bench.results[0].rescored is None and bench.results[1].rescored is not None
    assert any("rejected at run time" in note for note in bench.notes)


@pytest.mark.parametrize("argv,needle", [
    (["--workload", "definition4", "--exact"], "--exact: needs --cost-file"),
    (["--instance", "x.json", "--param", "u=3"], "--param/--rate: only with --workload"),
    (["--workload", "definition4", "--rate", "0"], "--rate: must be > 0"),
    (["--workload", "definition4", "--threads", "5000"], "--threads"),
    (["--workload", "definition4", "--time-scale", "1e300"], "time scale"),
    (["--workload", "definition4", "--decode", "100000000000"], "decode tokens"),
    (["--workload", "definition4", "-o", "/nonexistent/dir/x.json"], "cannot write"),
])
def test_serve_bench_refuses_bad_setups_before_running(argv, needle, capsys):
    from klpm.cli import main
    assert main(["serve-bench"] + argv) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_serve_bench_refuses_a_setup_that_rejects_everything(loaded_model, capsys):
    from klpm.cli import main
    from tests.gpu_runtime.conftest import TEST_MODEL
    assert main(["serve-bench", "--model", TEST_MODEL, "--workload", "definition4", "--param", "u=8",
                 "--param", "d=4", "--rate", "1000", "--kv-capacity", "5"]) == 2
    assert "every request would be rejected" in capsys.readouterr().err
