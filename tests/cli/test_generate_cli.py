"""``klpm generate``, ``klpm import mooncake`` and ``klpm demo``: round trips and exit codes."""
import json

import pytest

from klpm.cli import main
from theory.instance_io import load_instance, loads_instance
from theory.workloads import definition4


def test_generate_stdout_is_an_instance(capsys):
    assert main(["generate", "definition4", "--u", "3", "--d", "2", "--users", "2", "--repeats", "3",
                 "--s", "1.5", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    inst = loads_instance(out)
    assert inst == definition4(u=3, d=2, s=1.5, users=2, repeats=3, seed=7)
    meta = json.loads(out)["meta"]
    assert meta["generator"] == "definition4" and meta["seed"] == 7 and meta["params"]["u"] == 3


@pytest.mark.parametrize("kind,args", [
    ("definition4", ["--u", "20", "--d", "5", "--s", "10"]),
    ("shared-prefix", ["--groups", "3", "--prompts-per-group", "4", "--system-len", "30", "--rate", "0.05"]),
    ("paper-like", ["--users", "4", "--queries-per-user", "3", "--rate", "inf", "--encoding", "segments"]),
])
@pytest.mark.parametrize("policy", ["fcfs", "klpm", "dfs-weight", "hrrn", "dlpm", "spf", "slack"])
def test_generate_then_simulate(tmp_path, capsys, kind, args, policy):
    path = str(tmp_path / "w.json")
    assert main(["generate", kind, *args, "--cache", "lru", "--capacity", "200", "--ttft-bound", "300",
                 "-o", path]) == 0
    inst = load_instance(path)
    assert inst.cost.cache == "lru" and inst.cost.capacity == 200 and inst.ttft_bound == 300
    capsys.readouterr()
    assert main(["simulate", path, "--policy", policy, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert sorted(out["order"]) == sorted(q.id for q in inst.queries)
    assert out["summary"]["n"] == inst.n and "violations" in out["summary"]


@pytest.mark.parametrize("argv,needle", [
    (["generate", "definition4", "--u", "-1"], "u:"),
    (["generate", "definition4", "--users", "two"], "users:"),
    (["generate", "definition4", "--repeats", "1.5"], "repeats:"),
    (["generate", "shared-prefix", "--rate", "0"], "rate:"),
    (["generate", "paper-like", "--encoding", "bits"], "encoding:"),
    (["generate", "paper-like", "--cache", "fifo"], "cost.cache"),
    (["generate", "paper-like", "--cache", "lru"], "cost.capacity"),
    (["generate", "paper-like", "--per-token", "-1"], "cost.per_token"),
    (["generate", "paper-like", "--ttft-bound", "inf"], "ttft_bound"),
    (["import", "mooncake", "/nonexistent/trace.jsonl"], "cannot read"),
    (["import", "mooncake", "/nonexistent/trace.jsonl", "--limit", "x"], "limit:"),
    (["simulate", "/nonexistent.json", "--policy", "dlpm"], "cannot read"),
])
def test_bad_parameters_exit_2_one_line(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err


def test_import_mooncake_round_trip(tmp_path, capsys):
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"timestamp": 0, "input_length": 700, "output_length": 1, "hash_ids": [1, 2]}\n'
                     '{"timestamp": 5, "input_length": 512, "output_length": 1, "hash_ids": [1]}\n'
                     '{"timestamp": 9, "input_length": 3, "output_length": 1, "hash_ids": [8]}\n')
    out = str(tmp_path / "i.json")
    assert main(["import", "mooncake", str(trace), "--limit", "2", "--cache", "radix", "-o", out]) == 0
    inst = load_instance(out)
    assert inst.n == 2 and inst.queries[0].units == ((1, 512), (2, 188)) and inst.cost.cache == "radix"
    capsys.readouterr()
    assert main(["simulate", out, "--policy", "lpm", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["reused_ratio"] == 512 / 1212


def test_demo_prints_a_row_per_load_and_policy(capsys):
    assert main(["demo", "--users", "3", "--queries-per-user", "4", "--loads", "0.5,1.5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines if line.split() and line.split()[0] in ("0.5", "1.5")]
    assert [r[2] for r in rows] == ["fcfs", "lpm", "klpm(k=2)", "klpm(k=4)"] * 2
    assert all(float(r[3]) <= float(r[7]) for r in rows)  # p50 <= max
