"""A tiny-scale ``klpm reproduce`` run: report contents, data files, and ``klpm plot``."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from klpm.cli import main


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    assert main(["reproduce", "--tiny", "-o", str(out), "--seed", "3"]) == 0
    return out


def test_report_references_every_png_and_its_data(report_dir: Path) -> None:
    md = (report_dir / "report.md").read_text()
    pngs = sorted(p.name for p in (report_dir / "figures").glob("*.png"))
    assert pngs, "no figure drawn"
    linked = set(re.findall(r"!\[[^\]]*\]\(figures/([^)]+\.png)\)", md))
    assert linked == set(pngs)
    specs = json.loads((report_dir / "figures.json").read_text())
    assert sorted(f"{s['name']}.png" for s in specs) == pngs
    for spec in specs:
        assert (report_dir / spec["data"]).is_file()
        assert f"({spec['data']})" in md


def test_meta_records_seeds_versions_machine_and_steps(report_dir: Path) -> None:
    meta = json.loads((report_dir / "meta.json").read_text())
    assert meta["seed"] == 3 and meta["seeds"] == [3]
    assert meta["machine"]["cpu_count"] >= 1
    assert meta["versions"]["matplotlib"]
    steps = {r["step"]: r for r in meta["steps"]}
    assert set(steps) == {"calibration", "figures", "caches", "skew", "table1", "gaps", "trace",
                          "engine"}
    assert all(r["status"] in ("ok", "partial", "skipped") for r in steps.values())
    assert steps["engine"]["status"] in ("partial", "skipped")  # tiny has no engine: never "ok"
    assert all(r["seconds"] >= 0 for r in steps.values())


def test_missing_parts_are_reported_as_skips(report_dir: Path) -> None:
    md = (report_dir / "report.md").read_text()
    meta = json.loads((report_dir / "meta.json").read_text())
    # tiny runs no calibration and no engine: both must say so instead of showing numbers
    assert any("calibrated cost model" in s for s in meta["skips"])
    assert any("real-engine" in s for s in meta["skips"])
    for skip in meta["skips"]:
        assert skip in md
    assert not (report_dir / "data" / "fig3_calibrated_costs.csv").exists()


def test_plot_regenerates_identical_figures(report_dir: Path) -> None:
    before = {p.name: p.read_bytes() for p in (report_dir / "figures").glob("*.png")}
    for p in (report_dir / "figures").glob("*.png"):
        p.unlink()
    assert main(["plot", str(report_dir)]) == 0
    after = {p.name: p.read_bytes() for p in (report_dir / "figures").glob("*.png")}
    assert after == before


def test_plot_single_figure_and_bad_input(report_dir: Path, tmp_path: Path) -> None:
    name = json.loads((report_dir / "figures.json").read_text())[0]["name"]
    assert main(["plot", str(report_dir), "--figure", name]) == 0
    assert main(["plot", str(report_dir), "--figure", "no-such-figure"]) == 2
    assert main(["plot", str(tmp_path)]) == 2


def _bad_spec(spec: dict, change: dict) -> dict:
    out = {**spec, "params": dict(spec.get("params", {}))}
    for key, value in change.items():
        if key.startswith("params."):
            out["params"].pop(key[7:], None) if value is None else out["params"].__setitem__(key[7:], value)
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


@pytest.mark.parametrize("change,needle", [
    ({"kind": "pie"}, "unknown kind 'pie'"),
    ({"params": None}, "params.series: required"),
    ({"params.series": "no_such_column"}, "has no column 'no_such_column'"),
    ({"data": "/etc/passwd"}, "must be a path inside the report directory"),
    ({"data": "../outside.csv"}, "must be a path inside the report directory"),
    ({"name": "../../evil"}, ".name: must be letters"),
    ({"title": None}, "needs the fields"),
])
def test_plot_refuses_bad_specs_in_one_line(report_dir: Path, tmp_path: Path, capsys, change, needle) -> None:
    import shutil
    copy = tmp_path / "r"
    shutil.copytree(report_dir, copy)
    specs = json.loads((copy / "figures.json").read_text())
    box = next(s for s in specs if s["kind"] in ("bars", "box"))
    specs[specs.index(box)] = _bad_spec(box, change)
    (copy / "figures.json").write_text(json.dumps(specs))
    capsys.readouterr()
    assert main(["plot", str(copy)]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "evil.png").exists()


def test_plot_refuses_truncated_data_and_empty_spec_lists(report_dir: Path, tmp_path: Path, capsys) -> None:
    import shutil
    copy = tmp_path / "r"
    shutil.copytree(report_dir, copy)
    spec = json.loads((copy / "figures.json").read_text())[0]
    data = copy / spec["data"]
    lines = data.read_text().splitlines()
    data.write_text("\n".join(lines[:2] + [lines[2].split(",")[0]]) + "\n")
    assert main(["plot", str(copy), "--figure", spec["name"]]) == 2
    assert "truncated" in capsys.readouterr().err
    (copy / "figures.json").write_text("[]")
    assert main(["plot", str(copy)]) == 2
    assert "non-empty JSON list" in capsys.readouterr().err


def test_reproduce_rejects_unknown_step(tmp_path: Path) -> None:
    assert main(["reproduce", "--tiny", "-o", str(tmp_path), "--steps", "figures,nope"]) == 2


def test_gap_worst_cases_are_saved_as_instances(report_dir: Path) -> None:
    from theory.instance_io import load_instance
    saved = sorted((report_dir / "instances").glob("worst_*.json"))
    assert saved
    for path in saved:
        inst = load_instance(path)
        meta = json.loads(path.read_text())["meta"]
        assert meta["ratio"] >= 1 - 1e-9 and inst.n >= 1


def test_calibration_file_drives_the_calibrated_parts(tmp_path: Path) -> None:
    calib = tmp_path / "cal.json"
    calib.write_text(json.dumps({"format": "klpm-calibration/1", "cost": {
        "cache": "radix", "c_attn": 1e-6, "per_token": 0.002, "base": 0.01}}))
    out = tmp_path / "rep"
    assert main(["reproduce", "--tiny", "-o", str(out), "--calibration", str(calib),
                 "--steps", "calibration,figures,table1"]) == 0
    md = (out / "report.md").read_text()
    assert (out / "data" / "fig3_calibrated_costs.csv").is_file()
    assert (out / "data" / "table1_calibrated_costs.csv").is_file()
    assert "per_token = 0.002" in md and str(calib) in md
    meta = json.loads((out / "meta.json").read_text())
    assert [r["step"] for r in meta["steps"]] == ["calibration", "figures", "table1"]


def test_malformed_calibration_file_is_bad_input(tmp_path: Path) -> None:
    calib = tmp_path / "cal.json"
    calib.write_text('{"cost": {"per_token": -1}}')
    assert main(["reproduce", "--tiny", "-o", str(tmp_path / "r"), "--calibration", str(calib)]) == 2


def test_cli_step_names_match_the_pipeline() -> None:
    from experiments.reproduce import STEPS
    from klpm.commands.reproduce import STEP_NAMES
    assert STEP_NAMES == tuple(STEPS)


@pytest.mark.parametrize("extra,needle", [
    (["--steps", "table1", "table1"], "named twice"),
    (["--steps", ","], "no step named"),
    (["--seed", "100000000000000"], "--seed"),
    (["--calibration", ""], "empty path"),
])
def test_reproduce_bad_options_are_one_line(tmp_path: Path, capsys, extra, needle) -> None:
    assert main(["reproduce", "--tiny", "-o", str(tmp_path / "new")] + extra) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_reproduce_refuses_used_or_impossible_output_dirs(report_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["reproduce", "--tiny", "-o", str(report_dir), "--steps", "table1"]) == 2
    assert "not an empty directory" in capsys.readouterr().err
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["reproduce", "--tiny", "-o", str(afile / "sub")]) == 2
    assert "cannot create" in capsys.readouterr().err


def test_reproduce_checks_a_given_trace_first(tmp_path: Path, capsys) -> None:
    trace = tmp_path / "t.jsonl"
    trace.write_text('{"timestamp": 0, "input_length": 5, "hash_ids": [1], "model": "x"}\n')
    assert main(["reproduce", "--tiny", "-o", str(tmp_path / "r"), "--trace", str(trace)]) == 2
    assert "unknown field 'model'" in capsys.readouterr().err
    assert not (tmp_path / "r" / "report.md").exists()


def test_steps_run_in_canonical_order_and_partial_steps_say_so(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert main(["reproduce", "--tiny", "-o", str(out), "--steps", "table1", "calibration"]) == 0
    steps = json.loads((out / "meta.json").read_text())["steps"]
    assert [s["step"] for s in steps] == ["calibration", "table1"]
    assert all(s["status"] == "partial" and "skipped" in s["note"] for s in steps)  # tiny: no calibration
