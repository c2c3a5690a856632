"""The ``klpm simulate`` command: JSON output, exit codes, one-line errors."""
import json
import subprocess
import sys

import pytest

from klpm.cli import main

INSTANCE = {"format": "klpm-instance/1", "cost": {"cache": "previous"}, "ttft_bound": 4,
            "queries": [{"id": "a", "arrival": 0, "tokens": [1, 2, 3]}, {"id": "b", "arrival": 1, "tokens": [5, 6]},
                        {"id": "c", "arrival": 2, "tokens": [1, 2, 4]}]}


@pytest.fixture
def inst_file(tmp_path):
    path = tmp_path / "i.json"
    path.write_text(json.dumps(INSTANCE))
    return str(path)


def test_json_output(inst_file, capsys):
    assert main(["simulate", inst_file, "--policy", "lpm", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["order"] == ["a", "c", "b"] and out["ttft"] == {"a": 3.0, "b": 5.0, "c": 2.0}
    assert out["summary"]["violations"] == 1 and out["policy"] == "lpm"


def test_klpm_inf_spelling(inst_file, capsys):
    assert main(["simulate", inst_file, "--policy", "klpm", "--k", "inf", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["order"] == ["a", "c", "b"]


@pytest.mark.parametrize("content,needle", [
    ("{not json", "malformed JSON"),
    (json.dumps({**INSTANCE, "queries": [{"id": "a", "arrival": -2, "tokens": [1]}]}), "queries[0].arrival"),
    (json.dumps({**INSTANCE, "queries": [{"id": "a", "arrival": 0, "tokens": []}]}), "queries[0].tokens"),
])
def test_bad_instance_exit_2_one_line(tmp_path, content, needle):
    path = tmp_path / "bad.json"
    path.write_text(content)
    proc = subprocess.run([sys.executable, "-m", "klpm", "simulate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert needle in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_file_exit_2(capsys):
    assert main(["simulate", "/nonexistent/x.json"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_cost_file_replaces_costs_keeps_cache(inst_file, tmp_path, capsys):
    cost = tmp_path / "costs.json"
    cost.write_text(json.dumps({"format": "klpm-calibration/1",
                                "cost": {"cache": "radix", "base": 1, "per_token": 2, "c_attn": 0}}))
    assert main(["simulate", inst_file, "--policy", "fcfs", "--cost-file", str(cost), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # previous cache kept: a = 1 + 2*3 = 7; b (at 7) = 1 + 2*2 -> 12, TTFT 11; c reuses nothing after b -> 19, TTFT 17
    assert out["cache"] == "previous" and out["ttft"] == {"a": 7.0, "b": 11.0, "c": 17.0}
    bad = tmp_path / "bad.json"
    bad.write_text('{"cost": {"base": -1, "per_token": 1, "c_attn": 0}}')
    assert main(["simulate", inst_file, "--cost-file", str(bad)]) == 2
    assert "cost.base" in capsys.readouterr().err


def test_solve_takes_cost_file(inst_file, tmp_path, capsys):
    cost = tmp_path / "costs.json"
    cost.write_text(json.dumps({"cost": {"base": 1, "per_token": 2}}))
    assert main(["solve", inst_file, "--objective", "max-ttft", "--cost-file", str(cost)]) == 2
    assert "no c_attn" in capsys.readouterr().err  # a cost file sets every coefficient
    cost.write_text(json.dumps({"cost": {"base": 1, "per_token": 2, "c_attn": 0}}))
    assert main(["solve", inst_file, "--objective", "max-ttft", "--cost-file", str(cost), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "OPTIMAL" and out["cache"] == "previous"
    plain = main(["solve", inst_file, "--objective", "max-ttft", "--json"])
    assert plain == 0 and json.loads(capsys.readouterr().out)["value"] < out["value"]
