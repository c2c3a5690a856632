"""On the embedded model: the first token's logits with KV reuse equal a full recompute.

Tolerance: fp32 on the CPU, ``ATOL`` absolute on every logit (the largest difference measured
on this suite was about 6e-5; logits are O(10))."""
from __future__ import annotations

import random

import pytest

from theory.cache import RadixCache
from theory.instance import Query

pytestmark = pytest.mark.model

ATOL = 1e-4


def max_diff(a, b) -> float:
    return float((a - b).abs().max())


@pytest.fixture(scope="module")
def reference(runner):
    """Memoised full-recompute logits per prompt."""
    memo: dict = {}

    def full(ids: tuple) -> object:
        if ids not in memo:
            memo[ids] = runner.prefill(list(ids)).logits
        return memo[ids]
    return full


def test_prefix_splits(runner, reference):
    rng = random.Random(1)
    ids = tuple(rng.randrange(runner.loaded.vocab_size) for _ in range(48))
    for split in (1, 2, 11, 24, 47):
        head = runner.prefill(list(ids[:split]))
        tail = runner.prefill(list(ids[split:]), head.new_kv)
        assert max_diff(tail.logits, reference(ids)) <= ATOL, f"split at {split}"
        assert tail.new_kv.shape[3] == len(ids) - split


def _prompts(rng: random.Random, vocab: int) -> list[tuple]:
    """Short prompts over a two-level prefix tree (shared system + user parts), shuffled."""
    systems = [tuple(rng.randrange(vocab) for _ in range(12)) for _ in range(2)]
    users = [tuple(rng.randrange(vocab) for _ in range(6)) for _ in range(3)]
    out = []
    for s in systems:
        for u in users:
            for _ in range(2):
                out.append(s + u + tuple(rng.randrange(vocab) for _ in range(rng.randrange(1, 5))))
    out.append(systems[0])                     # a prompt that is a prefix of cached ones
    out.append(systems[0] + users[0][:3])      # ends inside an edge: forces a split
    rng.shuffle(out)
    return out


def test_many_requests_with_evictions(runner, reference):
    from gpu_runtime.kv_cache import RadixKVCache
    rng = random.Random(7)
    prompts = _prompts(rng, runner.loaded.vocab_size)
    cache, model = RadixKVCache(capacity=60), RadixCache(capacity=60)
    reused = worst = 0
    for step, ids in enumerate(prompts):
        q = Query(f"q{step}", 0.0, ids)
        lease = cache.acquire(q)
        assert lease.tokens == model.match(q)
        start = min(lease.tokens, len(ids) - 1)  # a fully cached prompt recomputes its last token
        prefix = None if start == 0 else lease.kv[:, :, :, :start]
        out = runner.prefill(list(ids[start:]), prefix)
        worst = max(worst, max_diff(out.logits, reference(ids)))
        cache.release(lease)
        cache.admit(q, step, kv=out.new_kv, kv_start=start)
        model.admit(q, step)
        cache.check()
        reused += start
    assert worst <= ATOL
    assert reused > 0 and cache.evicted_tokens > 0


def test_segmented_prompts_expand_deterministically(runner, reference):
    from gpu_runtime.kv_cache import RadixKVCache
    from gpu_runtime.request import prompt_token_ids
    vocab = runner.loaded.vocab_size
    a = Query("a", 0.0, ((1, 8), (2, 5), (3, 4)), segmented=True)
    b = Query("b", 0.0, ((1, 8), (2, 5), (4, 6)), segmented=True)
    assert prompt_token_ids(a, vocab) == prompt_token_ids(a, vocab)
    assert all(0 <= t < vocab for t in prompt_token_ids(b, vocab))
    cache = RadixKVCache(capacity=100)
    ids_a = prompt_token_ids(a, vocab)
    cache.admit(a, 0, kv=runner.prefill(ids_a).new_kv)
    lease = cache.acquire(b)
    assert lease.tokens == 13
    ids_b = prompt_token_ids(b, vocab)
    out = runner.prefill(ids_b[13:], lease.kv)
    assert max_diff(out.logits, reference(tuple(ids_b))) <= ATOL


def test_greedy_decode_with_reuse_matches_recompute(runner):
    rng = random.Random(3)
    ids = [rng.randrange(runner.loaded.vocab_size) for _ in range(20)]
    full = runner.prefill(ids)
    head = runner.prefill(ids[:9])
    tail = runner.prefill(ids[9:], head.new_kv)
    import torch
    kv = torch.cat([head.new_kv, tail.new_kv], dim=3)
    assert runner.decode(tail.logits, kv, 6) == runner.decode(full.logits, full.new_kv, 6)


def test_packed_batch_prefill_matches_recompute(runner, reference):
    rng = random.Random(11)
    vocab = runner.loaded.vocab_size
    prompts = [tuple(rng.randrange(vocab) for _ in range(n)) for n in (30, 21, 12, 9)]
    cuts = (10, 15, 0, 8)
    items = []
    for ids, cut in zip(prompts, cuts):
        prefix = runner.prefill(list(ids[:cut])).new_kv if cut else None
        items.append((list(ids[cut:]), prefix))
    outs = runner.prefill_packed(items)
    for ids, cut, out in zip(prompts, cuts, outs):
        assert max_diff(out.logits, reference(ids)) <= ATOL
        assert out.new_kv.shape[3] == len(ids) - cut
