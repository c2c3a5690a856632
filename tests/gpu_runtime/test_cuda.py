"""On a CUDA device only (skipped elsewhere, with the reason): the runtime really runs there.

The other runtime tests pick CUDA by themselves when it is present (``device="auto"``); these
check what only a GPU can show: weights, KV and new KV live on the device, logits come back as
fp32 on the CPU, the engine completes every request there, and a timed pass waits for the device
(a long prefill is timed as longer than a short one)."""
from __future__ import annotations

import random

import pytest

from solvers.policies import make_policy
from theory.workloads import definition4

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.model,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (torch.cuda.is_available() is False)"),
]


def test_model_and_kv_live_on_the_device(runner, runner_bf16):
    from gpu_runtime.kv_cache import RadixKVCache
    from theory.instance import Query
    for r, dtype in ((runner, torch.float32), (runner_bf16, torch.bfloat16)):
        assert r.device == "cuda"
        assert next(r.model.parameters()).device.type == "cuda"
        rng = random.Random(5)
        ids = tuple(rng.randrange(r.loaded.vocab_size) for _ in range(40))
        out = r.prefill(list(ids))
        assert out.new_kv.device.type == "cuda" and out.new_kv.dtype == dtype
        assert out.logits.device.type == "cpu" and out.logits.dtype == torch.float32
        cache = RadixKVCache(capacity=100)
        cache.admit(Query("a", 0.0, ids), 0, kv=out.new_kv)
        lease = cache.acquire(Query("b", 0.0, ids[:30] + (1, 2, 3)))
        assert lease.tokens == 30 and lease.kv.device.type == "cuda"
        cache.release(lease)


def test_timed_pass_waits_for_the_device(runner):
    rng = random.Random(6)
    vocab = runner.loaded.vocab_size
    short = [rng.randrange(vocab) for _ in range(16)]
    long = [rng.randrange(vocab) for _ in range(4096)]
    runner.prefill(long)  # warm-up: kernels and allocator
    t_short = min(runner.prefill(short).seconds for _ in range(3))
    t_long = min(runner.prefill(long).seconds for _ in range(3))
    assert t_long > 2 * t_short, (t_short, t_long)


def test_engine_completes_every_request_on_the_device(loaded_model):
    from gpu_runtime.config import EngineConfig
    from gpu_runtime.engine import Engine
    engine = Engine(EngineConfig(time_scale=0.001, kv_capacity_tokens=200), loaded_model)
    run = engine.run(definition4(u=32, d=8, s=0.0, users=3, repeats=3, seed=2), make_policy("klpm", k=2))
    assert run.summary["done"] == run.summary["n"] == 9
    assert all(r.ttft > 0 and r.prefill_seconds > 0 for r in run.records)
