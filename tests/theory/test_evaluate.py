"""The evaluator against hand-computed schedules, one per cache model, and structural laws."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import cost_models, instances
from theory.errors import InstanceError
from theory.evaluate import evaluate, order_from_ids
from theory.instance import CostModel, Instance, Query


def inst(cost, *prompts, arrivals=None):
    arrivals = arrivals or [0] * len(prompts)
    return Instance(tuple(Query(f"q{i}", a, tuple(p)) for i, (a, p) in enumerate(zip(arrivals, prompts))), cost)


def test_previous_cache_by_hand():
    # q0=[1,2,3] q1=[1,2,4,5] q2=[1,2,3,9]; order q0,q1,q2.
    # q0: 0->3. q1 reuses [1,2] of q0: 2 new tokens, 3->5. q2 reuses [1,2] of q1 only: 2 new, 5->7.
    ev = evaluate(inst(CostModel(), [1, 2, 3], [1, 2, 4, 5], [1, 2, 3, 9]), [0, 1, 2])
    assert ev.start == (0, 3, 5) and ev.finish == (3, 5, 7) and ev.reused == (0, 2, 2)


def test_radix_cache_by_hand():
    # Same, radix: q2 reuses [1,2,3] of q0: 1 new token, 5->6.
    ev = evaluate(inst(CostModel(cache="radix"), [1, 2, 3], [1, 2, 4, 5], [1, 2, 3, 9]), [0, 1, 2])
    assert ev.finish == (3, 5, 6) and ev.reused == (0, 2, 3)


def test_lru_cache_by_hand():
    # capacity 4: after q0 the cache holds [1,2,3] (3 tokens); after q1, [1,2]+[3]+[4,5] = 5 > 4:
    # the oldest leaf [3] (step 0) goes, leaving 4. q2 then reuses only [1,2].
    ev = evaluate(inst(CostModel(cache="lru", capacity=4), [1, 2, 3], [1, 2, 4, 5], [1, 2, 3, 9]), [0, 1, 2])
    assert ev.reused == (0, 2, 2) and ev.finish == (3, 5, 7)
    # capacity 5 keeps everything.
    ev = evaluate(inst(CostModel(cache="lru", capacity=5), [1, 2, 3], [1, 2, 4, 5], [1, 2, 3, 9]), [0, 1, 2])
    assert ev.reused == (0, 2, 3)


def test_cost_formula_and_idling():
    # base 1, per_token 2, c_attn 0.5: q0 (|x|=2): 1 + (2 + 1)*2 = 7; arrives at 10 -> 10..17.
    # q1 = [5,6,7] reuses [5,6]: 1 + (2 + 0.5*3)*(3-2) = 4.5 -> 17..21.5; TTFT 21.5 - 0.
    cost = CostModel(c_attn=0.5, per_token=2, base=1)
    ev = evaluate(inst(cost, [5, 6], [5, 6, 7], arrivals=[10, 0]), [0, 1])
    assert ev.start == (10, 17) and ev.finish == (17, 21.5) and ev.ttft == (7, 21.5)


def test_explicit_later_start_and_early_start_rejected():
    ev = evaluate(inst(CostModel(), [1], [2]), [0, 1], starts={1: 5})
    assert ev.start == (0, 5) and ev.finish == (1, 6)
    with pytest.raises(InstanceError, match="before its earliest start"):
        evaluate(inst(CostModel(), [1], [2], arrivals=[0, 4]), [0, 1], starts={1: 2})


def test_order_must_be_a_permutation():
    i = inst(CostModel(), [1], [2])
    with pytest.raises(InstanceError, match="appears twice"):
        evaluate(i, [0, 0])
    with pytest.raises(InstanceError, match="unknown query id 'zz'"):
        order_from_ids(i, ["q0", "zz"])


def trie_size(prompts):
    return len({tuple(p[:k]) for p in prompts for k in range(1, len(p) + 1)})


@given(instances(cost=cost_models(caches=("radix",), c_attn=(0,))), st.randoms())
def test_radix_total_work_is_trie_size(inst, rnd):
    order = list(range(inst.n))
    rnd.shuffle(order)
    ev = evaluate(inst, order)
    work = sum(f - s for f, s in zip(ev.finish, ev.start))
    expected = trie_size([q.units for q in inst.queries]) * inst.cost.per_token + inst.n * inst.cost.base
    assert work == pytest.approx(expected)


@given(instances(cost=cost_models()))
def test_ttft_at_least_own_cost_and_starts_respect_arrivals(inst):
    ev = evaluate(inst, list(range(inst.n)))
    for j, q in enumerate(inst.queries):
        assert ev.start[j] >= q.arrival
        assert ev.ttft[j] >= inst.cost.base
        assert 0 <= ev.reused[j] <= q.length
    starts = [ev.start[i] for i in ev.order]
    finishes = [ev.finish[i] for i in ev.order]
    assert all(s >= f for s, f in zip(starts[1:], finishes[:-1]))


@given(instances(max_n=5, cost=cost_models(caches=("radix",))))
def test_radix_reuse_is_longest_match_over_all_earlier(inst):
    ev = evaluate(inst, list(range(inst.n)))
    for j, q in enumerate(inst.queries):
        best = 0
        for i in range(j):
            p = inst.queries[i].units
            k = 0
            while k < min(len(p), len(q.units)) and p[k] == q.units[k]:
                k += 1
            best = max(best, k)
        assert ev.reused[j] == best
