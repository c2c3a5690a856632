"""Usage errors are one line on stderr with exit code 2, like every other bad input."""
from __future__ import annotations

import pytest

from klpm.cli import main
from theory.instance import CostModel, Instance, Query


@pytest.mark.parametrize("argv,needle", [
    (["simulate", "x.json", "--k", "0"], "--k"),
    (["solve"], "required"),
    (["nonsense"], "invalid choice"),
    (["generate", "definition4", "--bogus", "1"], "unrecognized arguments"),
    (["bounds", "definition4"], "required"),
    (["solve", "x.json", "--objective", "max-ttft", "--time-limit", "-1"], "--time-limit"),
    ([], "required: COMMAND"),
    (["generate"], "required: WORKLOAD"),
    (["reduce"], "required: ACTION"),
    (["import"], "required: FORMAT"),
])
def test_usage_error_is_one_line_exit_2(argv, needle, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert needle in err and "--help" in err and "usage:" not in err


def test_help_still_prints_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--help"])
    assert exc.value.code == 0
    assert "usage: klpm simulate" in capsys.readouterr().out


def test_serve_bench_warns_before_a_long_real_time_replay(capsys):
    from klpm.commands.serve_bench import _announce
    inst = Instance((Query("a", 0.0, (1,)), Query("b", 100.0, (2,))), CostModel())
    _announce(inst, 1.0, 3)
    err = capsys.readouterr().err
    assert "span 100 s" in err and "at least 300 s" in err
    _announce(inst, 0.01, 3)  # 3 s in all: no note
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("argv,needle", [
    (["generate", "definition4", "--users", "1000000000", "--encoding", "segments"], "users: absurdly large"),
    (["generate", "shared-prefix", "--groups", "2000", "--prompts-per-group", "1000", "--encoding", "segments"],
     "exceeds the format's limit of 1000000"),
    (["generate", "paper-like", "--history-len", "1000000000000", "--max-len", "1000000000000",
      "--encoding", "segments"], "history_len: absurdly large"),
    (["generate", "definition4", "--s", "1e300"], "arrivals: reach"),
    (["generate", "definition4", "--c-attn", "1e300"], "cost.c_attn: absurdly large value 1e+300"),
    (["demo", "--c-attn", "1e300"], "cost.c_attn"),
    (["demo", "--loads", "1,,2"], "--loads"),
    (["demo", "--users", "100000"], "exceeds the format's limit"),
    (["reduce", "3-partition", "--numbers", "99999999999999999999,99999999999999999999,99999999999999999999"],
     "too large to reduce"),
    (["reduce", "3-partition", "--numbers", "4,5,4,4,4,5", "--percentile", "0.999999"], "dummy queries"),
    (["reduce", "3-partition", "--numbers", "-1,7,7"], "--option=VALUE"),
])
def test_absurd_sizes_are_refused_in_one_line(argv, needle, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse-level refusals
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_options_the_policy_or_objective_does_not_read_are_noted(tmp_path, capsys):
    import json
    path = tmp_path / "i.json"
    path.write_text(json.dumps({"format": "klpm-instance/1", "queries": [
        {"id": "a", "arrival": 0, "tokens": [1, 2]}, {"id": "b", "arrival": 1, "tokens": [1, 3]}]}))
    assert main(["simulate", str(path), "--policy", "fcfs", "--k", "3", "--quantum", "5"]) == 0
    err = capsys.readouterr().err
    assert "--k is not read by policy fcfs" in err and "--quantum is not read" in err
    assert main(["simulate", str(path), "--policy", "klpm", "--k", "3"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["solve", str(path), "--objective", "max-ttft", "--p", "0.5", "--ttft-bound", "3"]) == 0
    err = capsys.readouterr().err
    assert "--p is not read by objective max-ttft" in err and "--ttft-bound is not read" in err
    assert main(["solve", str(path), "--objective", "percentile", "--p", "0.5", "--ttft-bound", "3"]) == 0
    assert capsys.readouterr().err == ""
