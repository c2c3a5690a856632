"""solvers.total_ttft: Horn's tree algorithm equals brute force (equal arrivals, radix, c_attn=0)."""
import pytest
from hypothesis import given, settings

from solvers.total_ttft import min_total_ttft_order
from tests.strategies import cost_models, instances
from theory.claims import brute_force
from theory.errors import InstanceError
from theory.instance import CostModel, Instance, Query

RADIX0 = cost_models(caches=("radix",), c_attn=(0,), base=(0, 1, 4))


@settings(max_examples=100, deadline=None)
@given(instances(max_n=6, cost=RADIX0, equal_arrivals=True))
def test_horn_order_attains_brute_force_total_ttft(inst):
    order, ev = min_total_ttft_order(inst)
    assert sorted(order) == list(range(inst.n))
    assert ev.total_ttft == pytest.approx(brute_force(inst, "total-ttft")[0])


@settings(max_examples=50, deadline=None)
@given(instances(max_n=6, cost=RADIX0, equal_arrivals=True, segmented=True))
def test_horn_on_segments(inst):
    assert min_total_ttft_order(inst)[1].total_ttft == pytest.approx(brute_force(inst, "total-ttft")[0])


def test_refuses_other_cells():
    qs = (Query("a", 0, (1,)), Query("b", 1, (2,)))
    with pytest.raises(InstanceError):
        min_total_ttft_order(Instance(qs, CostModel(cache="radix")))
    with pytest.raises(InstanceError):
        min_total_ttft_order(Instance(qs[:1], CostModel(cache="previous")))
