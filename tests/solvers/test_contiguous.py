"""solvers.contiguous: best contiguous order (previous cache, equal arrivals) vs brute force."""
import itertools

import pytest
from hypothesis import given, settings

from proofs.complexity_search import contiguous
from solvers.contiguous import best_contiguous_order
from tests.strategies import cost_models, instances
from theory.claims import brute_force
from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import CostModel, Instance, Query

PREV = cost_models(caches=("previous",), c_attn=(0, 0.5, 1, 3), base=(0, 2))


@settings(max_examples=120, deadline=None)
@given(instances(max_n=6, cost=PREV, equal_arrivals=True))
def test_dp_is_the_best_contiguous_order_and_matches_brute_force(inst):
    order, ev = best_contiguous_order(inst)
    assert contiguous(inst, order)
    best_contiguous = min(evaluate(inst, o).makespan for o in itertools.permutations(range(inst.n))
                          if contiguous(inst, o))
    assert ev.makespan == pytest.approx(best_contiguous)  # the theorem
    assert ev.makespan == pytest.approx(brute_force(inst, "makespan")[0])  # the conjecture


@settings(max_examples=40, deadline=None)
@given(instances(max_n=6, cost=PREV, equal_arrivals=True, segmented=True))
def test_dp_on_segments(inst):
    assert best_contiguous_order(inst)[1].makespan == pytest.approx(brute_force(inst, "makespan")[0])


def test_refuses_other_cells():
    with pytest.raises(InstanceError):
        best_contiguous_order(Instance((Query("a", 0, (1,)), Query("b", 1, (1,)))))
    with pytest.raises(InstanceError):
        best_contiguous_order(Instance((Query("a", 0, (1,)),), CostModel(cache="radix")))
