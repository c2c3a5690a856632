"""The ``skew`` reproduce step: Zipf user popularity, its data, figures and claims."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from experiments import claims
from experiments.config import TINY
from experiments.skew import matched_load, rare_queries
from klpm.cli import main
from theory.instance import CostModel, Instance, Query


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("skew")
    assert main(["reproduce", "--tiny", "--steps", "figures", "skew", "-o", str(out)]) == 0
    return out


def _rows(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_skew_writes_every_run_and_its_figures(report_dir: Path) -> None:
    rows = _rows(report_dir / "data" / "skew_unit_costs.csv")
    assert len(rows) == len(TINY.skew_zipfs) * len(TINY.seeds) * len(TINY.loads) * len(TINY.skew_ks)
    assert {float(r["zipf"]) for r in rows} == set(TINY.skew_zipfs)
    assert all(float(r["rare_wait_max"]) <= float(r["wait_max"]) for r in rows)
    specs = [s for s in json.loads((report_dir / "figures.json").read_text())
             if s["name"].startswith("skew_")]
    assert {s["name"] for s in specs} == {"skew_p99", "skew_p50", "skew_max", "skew_rare_wait_max"}
    for s in specs:
        assert (report_dir / "figures" / f"{s['name']}.png").is_file()
        assert s["data"] == "data/skew_unit_costs.csv"
    meta = json.loads((report_dir / "meta.json").read_text())
    # figures has no calibration at tiny scale, so its calibrated half is a recorded skip
    assert [r["status"] for r in meta["steps"]] == ["partial", "ok"]


def test_uniform_popularity_is_the_figure2_workload(report_dir: Path) -> None:
    fig2 = {(r["policy"], r["load"], r["seed"]): r["p99"]
            for r in _rows(report_dir / "data" / "fig2_unit_costs.csv")}
    skew = [r for r in _rows(report_dir / "data" / "skew_unit_costs.csv") if float(r["zipf"]) == 0]
    assert skew and all(fig2[(r["policy"], r["load"], r["seed"])] == r["p99"] for r in skew)


def test_claims_in_the_report_are_decided_from_the_skew_data(report_dir: Path) -> None:
    rows = _rows(report_dir / "data" / "skew_unit_costs.csv")
    md = (report_dir / "report.md").read_text()
    for z in TINY.skew_zipfs:
        mine = [r for r in rows if float(r["zipf"]) == z]
        for c in (claims.klpm_beats_fcfs_and_lpm(mine), claims.k2_best(mine)):
            assert f"| skew, Zipf a = {z:g}, previous cache, unit costs | {c.claim} | {c.verdict} |" in md


def test_plot_redraws_the_skew_figures(report_dir: Path) -> None:
    png = report_dir / "figures" / "skew_p99.png"
    before = png.read_bytes()
    png.unlink()
    assert main(["plot", str(report_dir), "--figure", "skew_p99"]) == 0
    assert png.read_bytes() == before


def _hand_instance() -> Instance:
    a, b = ((0, 10), (1, 5)), ((0, 10), (4, 5))
    qs = (Query("q0", 0.0, a + ((2, 3),), True), Query("q1", 1.0, b + ((5, 2),), True),
          Query("q2", 4.0, a + ((3, 4),), True))
    return Instance(qs, CostModel(cache="previous", per_token=2))


def test_rare_queries_and_matched_load_by_hand() -> None:
    inst = _hand_instance()
    assert rare_queries(inst, 0.5) == [1]         # user b has 1 query, user a has 2
    assert rare_queries(inst, 1.0) == [0, 1, 2]
    assert matched_load(inst) == pytest.approx(2 * (3 + 4) / 4.0)
