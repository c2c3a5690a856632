"""The ``klpm bounds`` command: table and JSON output, one-line errors with exit code 2."""
import json

import pytest

from klpm.cli import main
from theory import bounds as B


def test_json_matches_theory(capsys):
    assert main(["bounds", "definition4", "--u", "100", "--d", "50", "--s", "40", "--k", "2",
                 "--r", "5", "--users", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    p = B.Def4(100, 50, 40.0, users=4, repeats=5)
    assert out["fcfs"]["upper"] == B.fcfs_upper(p) and out["lpm"]["upper"] == B.lpm_upper(p)
    assert out["klpm"]["upper"] == B.klpm_upper(p, 2)
    assert out["corollary3_conditions"] is True and out["bounds_prove_klpm_better"] is False


def test_table_and_inf_k(capsys):
    assert main(["bounds", "definition4", "--u", "10", "--d", "5", "--s", "3", "--k", "inf"]) == 0
    out = capsys.readouterr().out
    assert "inf-LPM" in out and "FCFS" in out


@pytest.mark.parametrize("args", [["--u", "-1", "--d", "5", "--s", "1"], ["--u", "1", "--d", "0", "--s", "1"],
                                  ["--u", "1", "--d", "5", "--s", "x"], ["--u", "1", "--d", "5", "--s", "1", "--k", "0"],
                                  ["--u", "1", "--d", "5", "--s", "inf"], ["--u", "1", "--d", "5", "--s", "1", "--r", "0"],
                                  ["--u", "1.5", "--d", "5", "--s", "1"]])
def test_invalid_parameters_give_one_line_errors(args, capsys):
    assert main(["bounds", "definition4"] + args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("klpm bounds: error:") and "\n" not in err
