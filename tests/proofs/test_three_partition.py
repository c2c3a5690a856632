"""3-PARTITION: validation, generators and the exact decider against brute force."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs.three_partition import ThreePartition, decide, no_instance, valid_bounds, yes_instance
from theory.errors import InstanceError


def brute_force_yes(tp: ThreePartition) -> bool:
    """Return True when some split into triples sums to B (tries all assignments; tiny m only)."""
    def rec(rest: tuple[int, ...]) -> bool:
        if not rest:
            return True
        first, tail = rest[0], rest[1:]
        for j, k in itertools.combinations(range(len(tail)), 2):
            if tp.numbers[first] + tp.numbers[tail[j]] + tp.numbers[tail[k]] == tp.B:
                if rec(tuple(x for t, x in enumerate(tail) if t not in (j, k))):
                    return True
        return False
    return rec(tuple(range(len(tp.numbers))))


@pytest.mark.parametrize("numbers, B, fragment", [
    ((4, 4, 5, 4), 13, "3m numbers"),
    ((), 13, "3m numbers"),
    ((4, 4, 5), 12, "sum to 13"),
    ((3, 5, 5), 13, "B/4 < a < B/2"),
    ((4, 4, 6.0), 14, "positive integer"),
    ((4, 4, 5), 0, "B must be"),
    ((0, 6, 7), 13, "positive integer"),
])
def test_invalid_instances_name_the_problem(numbers, B, fragment):
    with pytest.raises(InstanceError, match="3-partition") as exc:
        ThreePartition(numbers, B)
    assert fragment in str(exc.value)


def test_from_numbers_infers_b_and_rejects_non_integer_b():
    assert ThreePartition.from_numbers([4, 4, 5, 4, 4, 5]).B == 13
    with pytest.raises(InstanceError, match="not divisible"):
        ThreePartition.from_numbers([4, 4, 5, 4, 4, 6])


def test_check_partition_rejects_bad_partitions():
    tp = ThreePartition((4, 4, 5, 4, 4, 5), 13)
    assert tp.check_partition([[5, 3, 4], [0, 1, 2]]) == ((3, 4, 5), (0, 1, 2))
    for bad in ([[0, 1, 2]], [[0, 1, 2], [0, 4, 5]], [[0, 1, 3], [2, 4, 5]]):
        with pytest.raises(InstanceError, match="partition"):
            tp.check_partition(bad)


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 4), B=st.sampled_from([3, 7, 9, 13, 15, 20]), seed=st.integers(0, 10**6))
def test_yes_instances_are_decided_yes(m, B, seed):
    tp, built = yes_instance(m, B, seed)
    assert tp.check_partition(built) == built
    found = decide(tp)
    assert found is not None and tp.check_partition(found) == found


@settings(max_examples=25, deadline=None)
@given(m=st.integers(2, 3), B=st.sampled_from([13, 15, 20]), seed=st.integers(0, 10**6))
def test_no_instances_have_no_partition_by_brute_force(m, B, seed):
    tp = no_instance(m, B, seed)
    assert decide(tp) is None
    assert not brute_force_yes(tp)


@settings(max_examples=60, deadline=None)
@given(m=st.integers(1, 3), B=st.integers(7, 16), data=st.data())
def test_decider_agrees_with_brute_force_on_random_instances(m, B, data):
    lo, hi = B // 4 + 1, (B - 1) // 2
    nums = data.draw(st.lists(st.integers(lo, hi), min_size=3 * m - 1, max_size=3 * m - 1))
    last = m * B - sum(nums)
    if not lo <= last <= hi:
        return
    tp = ThreePartition(tuple(nums) + (last,), B)
    found = decide(tp)
    assert (found is not None) == brute_force_yes(tp)
    if found is not None:
        tp.check_partition(found)


def test_generators_reject_impossible_parameters():
    assert not valid_bounds(4) and valid_bounds(3)
    with pytest.raises(InstanceError):
        yes_instance(2, 4, 0)
    with pytest.raises(InstanceError, match="no no-instance"):
        no_instance(1, 13, 0, tries=50)
