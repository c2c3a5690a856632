"""Workload generators: shape, sharing structure, determinism, parameter validation."""
from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import CostModel
from theory.instance_io import dumps_instance, loads_instance
from theory.radix import common_prefix
from theory.workloads import definition4, generate, paper_like, poisson_arrivals, shared_prefix


def _lcp_tokens(a, b) -> int:
    return a.tokens_in(common_prefix(a.units, 0, b.units, 0))


def test_definition4_shape_and_sharing():
    inst = definition4(u=7, d=3, s=2.5, users=3, repeats=4, seed=1)
    assert inst.n == 12
    assert [q.arrival for q in inst.queries] == [i * 2.5 for i in range(12)]
    assert all(q.length == 10 for q in inst.queries)
    prefixes = Counter(q.units[:7] for q in inst.queries)
    assert sorted(prefixes.values()) == [4, 4, 4]
    for a in inst.queries:
        for b in inst.queries:
            if a is not b:
                assert _lcp_tokens(a, b) == (7 if a.units[:7] == b.units[:7] else 0)


def test_definition4_is_shuffled_and_seeded():
    a = definition4(u=5, d=2, s=1, users=4, repeats=6, seed=3)
    b = definition4(u=5, d=2, s=1, users=4, repeats=6, seed=3)
    c = definition4(u=5, d=2, s=1, users=4, repeats=6, seed=4)
    assert a == b
    assert a != c
    owners = [q.units[:5] for q in a.queries]
    assert owners != sorted(owners, key=owners.index)  # not grouped user by user


def test_definition4_u_zero_shares_nothing():
    inst = definition4(u=0, d=4, s=1, users=2, repeats=3, seed=0)
    assert all(_lcp_tokens(a, b) == 0 for a in inst.queries for b in inst.queries if a is not b)


def test_shared_prefix_groups():
    inst = shared_prefix(groups=3, prompts_per_group=5, system_len=20, question_len=4, rate=0.5, seed=2)
    assert inst.n == 15
    assert sorted(Counter(q.units[:20] for q in inst.queries).values()) == [5, 5, 5]
    assert inst.queries[0].arrival == 0
    assert all(x.arrival <= y.arrival for x, y in zip(inst.queries, inst.queries[1:]))


def test_paper_like_structure():
    inst = paper_like(users=4, queries_per_user=6, instruction_len=30, profile_len=10,
                      history_len=40, question_len=5, rate=0.01, seed=5, max_len=200)
    assert inst.n == 24
    instr = inst.queries[0].units[:30]
    assert all(q.units[:30] == instr for q in inst.queries)
    assert all(q.length <= 200 for q in inst.queries)
    # per user: the part after the instruction up to the question is shared by exactly 6 queries
    overlaps = Counter()
    for a in inst.queries:
        best = max(_lcp_tokens(a, b) for b in inst.queries if b is not a)
        overlaps[best > 30] += 1
    assert overlaps[True] == 24  # everyone shares instruction + own profile/history with a peer


def test_paper_like_max_len_cuts():
    inst = paper_like(users=3, queries_per_user=2, instruction_len=50, history_len=5000, max_len=300, seed=0)
    assert max(q.length for q in inst.queries) <= 300


@pytest.mark.parametrize("kind", ["definition4", "shared-prefix", "paper-like"])
def test_segments_encoding_gives_same_lengths_and_overlaps(kind):
    tok = generate(kind, seed=7).instance
    seg = generate(kind, seed=7, encoding="segments").instance
    assert [q.length for q in tok.queries] == [q.length for q in seg.queries]
    assert [q.arrival for q in tok.queries] == [q.arrival for q in seg.queries]
    order = list(range(tok.n))[::-1]
    for cache in ("previous", "radix"):
        cost = CostModel(cache=cache)
        assert evaluate(tok.with_cost(cost), order).reused == evaluate(seg.with_cost(cost), order).reused


@pytest.mark.parametrize("kind", ["definition4", "shared-prefix", "paper-like"])
def test_round_trip_through_format_with_meta(kind):
    w = generate(kind, seed=1, cost=CostModel(cache="lru", capacity=100), ttft_bound=50)
    assert w.meta["generator"] == kind and w.meta["seed"] == 1
    assert loads_instance(dumps_instance(w.instance, w.meta)) == w.instance
    assert w.instance.cost.capacity == 100 and w.instance.ttft_bound == 50


def test_poisson_rate_inf_and_mean_gap():
    import random
    assert poisson_arrivals(4, math.inf, random.Random(0)) == [0.0] * 4
    times = poisson_arrivals(4001, 2.0, random.Random(0))
    assert 0.45 < times[-1] / 4000 < 0.55


@pytest.mark.parametrize("kind,params,field", [
    ("definition4", {"u": -1}, "u"), ("definition4", {"d": 0}, "d"), ("definition4", {"s": -2}, "s"),
    ("definition4", {"users": 0}, "users"), ("definition4", {"repeats": 1.5}, "repeats"),
    ("definition4", {"seed": -1}, "seed"), ("shared-prefix", {"rate": 0}, "rate"),
    ("shared-prefix", {"groups": 0}, "groups"), ("paper-like", {"rate": float("nan")}, "rate"),
    ("paper-like", {"question_len": 0}, "question_len"), ("paper-like", {"max_len": 10}, "max_len"),
    ("paper-like", {"encoding": "blocks"}, "encoding"), ("paper-like", {"ttft_bound": -1}, "ttft_bound"),
    ("paper-like", {"bogus": 1}, "bogus"), ("nonsense", {}, "generator"),
])
def test_bad_parameters_name_the_parameter(kind, params, field):
    with pytest.raises(InstanceError, match=field):
        generate(kind, **params)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 6), st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(0, 99))
def test_definition4_counts_property(u, d, users, repeats, seed):
    inst = definition4(u=u, d=d, s=1, users=users, repeats=repeats, seed=seed)
    assert inst.n == users * repeats
    assert len({q.units for q in inst.queries}) == inst.n  # every prompt is unique
    assert len({q.id for q in inst.queries}) == inst.n


def _queries_per_user(inst) -> Counter:
    """Count queries per user (segments: instruction, profile, history, question)."""
    return Counter(q.units[1:-1] for q in inst.queries)


@settings(max_examples=15, deadline=None)
@given(users=st.integers(1, 6), per_user=st.integers(1, 5), seed=st.integers(0, 1000))
def test_paper_like_zipf_zero_gives_each_user_queries_per_user(users, per_user, seed):
    kw = dict(users=users, queries_per_user=per_user, instruction_len=20, profile_len=10,
              history_len=30, question_len=5, seed=seed, encoding="segments")
    inst = paper_like(**kw, zipf=0)
    assert inst == paper_like(**kw)
    assert sorted(_queries_per_user(inst).values()) == [per_user] * users
    assert "zipf" not in generate("paper-like", **kw).meta["params"]  # files as before zipf


def test_paper_like_zipf_skews_popularity_and_keeps_n():
    kw = dict(users=10, queries_per_user=50, instruction_len=20, profile_len=10,
              history_len=30, question_len=5, seed=4, encoding="segments")
    inst = paper_like(**kw, zipf=1.5)
    assert inst.n == 500
    assert inst == paper_like(**kw, zipf=1.5)
    # the user part's first segment key grows with the user's rank (parts are drawn in order)
    counts = _queries_per_user(inst)
    by_rank = [n for _, n in sorted(counts.items(), key=lambda kv: kv[0][0][0])]
    assert by_rank[0] > 2 * 50 and by_rank[0] > 10 * by_rank[-1]
    assert by_rank[0] == max(by_rank)
    assert generate("paper-like", **kw, zipf=1.5).meta["params"]["zipf"] == 1.5


@pytest.mark.parametrize("bad", [-0.5, math.inf, math.nan, "1", True])
def test_paper_like_bad_zipf_is_rejected(bad):
    with pytest.raises(InstanceError, match="zipf"):
        paper_like(users=2, queries_per_user=2, zipf=bad)
