"""Gap computations against hand-made instances with known optima."""
from __future__ import annotations

import pytest

from experiments import gaps
from theory.instance import CostModel, Instance, Query


def hand_instance() -> Instance:
    # previous cache, c_attn = 0: FCFS gives TTFTs 4, 5.5, 10; LPM 4, 6.5, 4; OPT max TTFT 6.5.
    qs = (Query("a", 0, (1, 1, 1, 1)), Query("b", 0.5, (2, 2)), Query("c", 1, (1, 1, 1, 1, 5)))
    return Instance(qs, CostModel(cache="previous"))


def test_hand_made_gaps() -> None:
    rows, record = gaps.gap_rows(hand_instance(), ["fcfs", "lpm"], 10, {"family": "hand"})
    by = {r["policy"]: r for r in rows}
    assert record["status"] == "OPTIMAL" and record["opt_max_ttft"] == pytest.approx(6.5)
    assert by["fcfs"]["max_ttft"] == pytest.approx(10)
    assert by["fcfs"]["ratio"] == pytest.approx(10 / 6.5)
    assert by["lpm"]["ratio"] == pytest.approx(1.0)
    # T = 0.8 * 6.5 = 5.2: FCFS misses it twice, LPM once, and once is the minimum
    assert by["fcfs"]["bound"] == pytest.approx(5.2)
    assert by["fcfs"]["violations"] == 2 and by["lpm"]["violations"] == 1
    assert record["opt_violations"] == 1
    assert by["fcfs"]["extra_violations"] == 1 and by["lpm"]["extra_violations"] == 0
    assert by["fcfs"]["family"] == "hand"


def test_no_shared_prefix_fcfs_is_optimal() -> None:
    qs = tuple(Query(f"q{i}", a, (10 + i,) * ln) for i, (a, ln) in enumerate([(0, 3), (1, 2), (1.5, 4), (2, 1)]))
    rows, record = gaps.gap_rows(Instance(qs, CostModel(cache="previous")), ["fcfs", "spf"], 10, {})
    fcfs = next(r for r in rows if r["policy"] == "fcfs")
    assert fcfs["ratio"] == pytest.approx(1.0)
    assert all(r["ratio"] >= 1 - 1e-9 for r in rows)


@pytest.mark.parametrize("family", gaps.FAMILIES)
def test_family_instances_are_small_and_seeded(family: str) -> None:
    a, b = gaps.family_instance(family, 6, 7), gaps.family_instance(family, 6, 7)
    assert a == b and 1 <= a.n <= 7
