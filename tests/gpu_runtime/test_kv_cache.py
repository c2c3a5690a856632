"""The radix KV cache against the theory's lru cache model, with synthetic KV tensors.

Each token's KV value encodes (unit, offset in the unit, position), so a gathered prefix is
right only if splits, gathers and evictions move the right slices."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.strategies import prompts, segment_prompts
from theory.cache import RadixCache
from theory.instance import Query

torch = pytest.importorskip("torch")

from gpu_runtime.kv_cache import RadixKVCache  # noqa: E402


def fake_kv(query: Query):
    """Return a [2, 2, 1, tokens, 1] float64 tensor whose values identify each token."""
    values, pos = [], 0
    for u in query.units:
        key, size = u if type(u) is tuple else (u, 1)
        for off in range(size):
            values.append(key * 1e6 + size * 1e4 + off * 1e2 + pos)
            pos += 1
    t = torch.tensor(values, dtype=torch.float64).view(1, 1, 1, -1, 1)
    return t.expand(2, 2, 1, -1, 1).clone()


def leaf_paths(tree) -> set:
    return {n.path_units() for n in tree.nodes() if not n.children and n is not tree.root}


def run_sequence(units_list, capacity: int, segmented: bool) -> None:
    kv_cache, model = RadixKVCache(capacity), RadixCache(capacity=capacity)
    for step, units in enumerate(units_list):
        q = Query(f"q{step}", 0.0, tuple(units), segmented=segmented)
        full = fake_kv(q)
        lease = kv_cache.acquire(q)
        assert lease.tokens == model.match(q)
        if lease.tokens:
            assert torch.equal(lease.kv, full[:, :, :, :lease.tokens])
        kv_cache.release(lease)
        kv_cache.admit(q, step, kv=full[:, :, :, lease.tokens:], kv_start=lease.tokens)
        model.admit(q, step)
        kv_cache.check()
        assert kv_cache.tree.total_tokens == model.tree.total_tokens
        assert leaf_paths(kv_cache.tree) == leaf_paths(model.tree)


@settings(max_examples=60, deadline=None)
@given(st.lists(prompts(alphabet=3, max_len=7), min_size=1, max_size=10), st.integers(1, 14))
def test_token_prompts_match_theory_lru(units_list, capacity):
    run_sequence(units_list, capacity, segmented=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(segment_prompts(max_len=4), min_size=1, max_size=8), st.integers(1, 14))
def test_segment_prompts_match_theory_lru(units_list, capacity):
    run_sequence(units_list, capacity, segmented=True)


def test_locked_prefix_survives_eviction():
    cache = RadixKVCache(capacity=4)
    a = Query("a", 0.0, (1, 2, 3, 4))
    cache.admit(a, 0, kv=fake_kv(a))
    lease = cache.acquire(Query("b", 0.0, (1, 2, 9)))
    assert lease.tokens == 2
    c = Query("c", 0.0, (7, 7, 7, 7))
    cache.admit(c, 1, kv=fake_kv(c))
    # a's path is locked (partly matched edge locked whole), so c's leaf is the one evicted
    assert cache.tree.match_tokens(a.units) == 4
    cache.release(lease)
    cache.check()


def test_admit_without_kv_is_refused():
    with pytest.raises(ValueError):
        RadixKVCache(4).admit(Query("a", 0.0, (1,)), 0)
