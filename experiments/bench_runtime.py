"""Benchmark of the real engine: prefill with reuse vs without, and scheduler overhead.

1. Reuse: for prompts of length L and cached prefixes P = f·L, the prefill time of the L − P
   new tokens on top of the cached KV against the full prefill of the same prompt; the time
   ratio should follow the uncached-token ratio (L − P)/L, up to the fixed per-pass cost.
2. Overhead in the engine: a shared-prefix burst replayed under k-LPM; the scheduler's time
   (waiting-queue adds, policy decisions, cache-coverage updates) per decision against the mean
   prefill time.
3. Decision cost at large queues: the same scheduler and radix KV cache with tiny stand-in KV
   tensors (the decision cost does not depend on the KV size), 100..N waiting requests.

Run: ``python -m experiments.bench_runtime [--quick] [--device cuda] [-o results.json]``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def reuse_table(runner, lengths, fractions, repeats: int, vocab: int) -> list[dict]:
    """Return rows {length, cached, t_reuse, t_full, time_ratio, uncached_ratio, max_logit_diff}
    (the last: largest |logit| difference of the first token, reuse vs full recompute)."""
    import random
    rng, rows = random.Random(0), []
    for L in lengths:
        ids = [rng.randrange(vocab) for _ in range(L)]
        ref = runner.prefill(ids).logits
        full = statistics.median(runner.prefill(ids).seconds for _ in range(repeats))
        for f in fractions:
            P = min(int(f * L), L - 1)
            prefix = runner.prefill(ids[:P]).new_kv if P else None
            diff = float((runner.prefill(ids[P:], prefix).logits - ref).abs().max())
            t = statistics.median(runner.prefill(ids[P:], prefix).seconds for _ in range(repeats))
            rows.append({"length": L, "cached": P, "t_reuse": t, "t_full": full,
                         "time_ratio": t / full, "uncached_ratio": (L - P) / L, "max_logit_diff": diff})
    return rows


def engine_overhead(engine, groups: int, per_group: int, system_len: int, question_len: int) -> dict:
    """Return the engine's scheduler overhead on a shared-prefix burst under 2-LPM."""
    from solvers.policies import make_policy
    from theory.workloads import shared_prefix
    inst = shared_prefix(groups=groups, prompts_per_group=per_group, system_len=system_len,
                         question_len=question_len, rate=float("inf"), seed=1)
    run = engine.run(inst, make_policy("klpm", k=2))
    prefill = [r.prefill_seconds for r in run.records if r.status == "done"]
    s = run.summary
    per_decision = s["scheduler_seconds"] / max(1, s["decisions"])
    return {"requests": inst.n, "decisions": s["decisions"], "scheduler_seconds": s["scheduler_seconds"],
            "per_decision_s": per_decision, "mean_prefill_s": statistics.mean(prefill),
            "overhead_fraction": per_decision / statistics.mean(prefill), "reused_ratio": s["reused_ratio"]}


def decision_cost(n_waiting: int) -> dict:
    """Return µs per scheduler decision (pick + admit + index update) with n_waiting requests."""
    import torch
    from gpu_runtime.kv_cache import RadixKVCache
    from gpu_runtime.scheduler import Scheduler
    from solvers.policies import make_policy
    from theory.workloads import shared_prefix
    groups = max(1, n_waiting // 10)
    inst = shared_prefix(groups=groups, prompts_per_group=n_waiting // groups, system_len=256,
                         question_len=32, rate=float("inf"), seed=2)
    cache = RadixKVCache(capacity=64 * 288)
    sched = Scheduler(inst, make_policy("klpm", k=2), cache)
    for i in range(inst.n):
        sched.add(i)
    decisions = min(inst.n, 200)
    t_pick = t_admit = 0.0
    for step in range(decisions):
        t0 = time.perf_counter()
        i = sched.next_batch(0.0)[0]
        t1 = time.perf_counter()
        lease = cache.acquire(inst.queries[i])
        cache.release(lease)
        kv = torch.zeros(1, 2, 1, inst.queries[i].length - lease.tokens, 1)
        t2 = time.perf_counter()
        cache.admit(inst.queries[i], step, kv=kv, kv_start=lease.tokens)
        sched.processed(i)
        t_admit += time.perf_counter() - t2
        t_pick += t1 - t0
    return {"waiting": inst.n, "decisions": decisions, "pick_us": 1e6 * t_pick / decisions,
            "admit_us": 1e6 * t_admit / decisions}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Return the parsed command-line options."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="embedded")
    p.add_argument("--device", default="auto")
    p.add_argument("--dtype", default="fp32")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="short CPU run")
    p.add_argument("--lengths", default=None, help="comma-separated prompt lengths")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--queues", default="100,1000,10000", help="waiting-queue sizes for part 3")
    p.add_argument("-o", "--output", default=None)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print tables, optionally write JSON; return the exit code."""
    args = parse_args(argv)
    from gpu_runtime.config import EngineConfig
    from gpu_runtime.engine import Engine
    from klpm.commands._common import format_table
    cfg = EngineConfig(model=args.model, device=args.device, dtype=args.dtype, cpu_threads=args.threads)
    engine = Engine(cfg)
    engine.warm_up()
    dev = engine.loaded.device
    default = "128,512" if args.quick else ("1024,4096,8000" if dev == "cuda" else "256,1024")
    lengths = [int(x) for x in (args.lengths or default).split(",")]
    out: dict = {"device": dev, "model": engine.loaded.name, "dtype": args.dtype}
    if dev == "cuda":
        import torch
        out["gpu"] = torch.cuda.get_device_name(0)
    out["reuse"] = reuse_table(engine.runner, lengths, (0.0, 0.25, 0.5, 0.75, 0.9), args.repeats,
                               engine.loaded.vocab_size)
    print(f"device {dev} ({out.get('gpu', 'cpu')}), model {engine.loaded.name}, {args.dtype}")
    print(format_table(("L", "cached", "t_reuse_s", "t_full_s", "time_ratio", "uncached_ratio", "max_logit_diff"),
                       [[r["length"], r["cached"], r["t_reuse"], r["t_full"], r["time_ratio"], r["uncached_ratio"],
                         r["max_logit_diff"]]
                        for r in out["reuse"]]))
    size = (4, 4, 96, 16) if args.quick else ((8, 8, 1024, 64) if dev == "cuda" else (4, 6, 256, 32))
    out["engine_overhead"] = ov = engine_overhead(engine, *size)
    print(format_table(("requests", "decisions", "per_decision_s", "mean_prefill_s", "overhead_fraction"),
                       [[ov["requests"], ov["decisions"], ov["per_decision_s"], ov["mean_prefill_s"], ov["overhead_fraction"]]]))
    out["decision_cost"] = [decision_cost(int(n)) for n in args.queues.split(",")]
    mean_prefill = ov["mean_prefill_s"]
    print(format_table(("waiting", "pick_us", "admit_us", "fraction_of_mean_prefill"),
                       [[d["waiting"], d["pick_us"], d["admit_us"], (d["pick_us"] + d["admit_us"]) * 1e-6 / mean_prefill]
                        for d in out["decision_cost"]]))
    if args.output:
        with open(args.output, "w") as fh:
            json.dump(out, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
