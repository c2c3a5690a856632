"""Benchmark (a script, not a test): the cost of an LPM decision, and every policy on Mooncake.

Part 1: per-decision time of ``WaitingQueue`` (radix-indexed) against ``NaiveWaitingQueue``
(rescores every waiting query) with 100 ... 100,000 queries waiting, under the previous and the
radix cache. Waiting prompts come from ``theory.workloads.paper_like`` with real token ids
(instruction 32 + profile ~16 + history ~64 + question ~8 tokens, 10 queries per user); the
radix cache is first warmed with 1,000 processed prompts. One decision = the LPM pick, then
remove it, admit it to the cache, and add one new arrival so the queue keeps its size; "pick" is
the ``longest_match`` call alone. The naive queue times fewer decisions at large sizes (shown).

Part 2: the whole Mooncake synthetic trace (../shared/data, skipped if absent) simulated under
every registered policy with the previous and radix caches, arrivals in ms and per_token =
0.02 ms/token (50,000 prefill tokens/s) and a TTFT bound T = 10 s (used by ``slack``): wall
time, P50/P99/max TTFT (ms), reuse ratio, queries over T.

Usage: python -m experiments.bench_lpm [--sizes 100,1000,10000,100000] [--decisions 200]
"""
from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from solvers.policies import make_policy, policy_names
from solvers.simulate import simulate
from solvers.waiting import NaiveWaitingQueue, WaitingQueue
from theory.cache import make_cache
from theory.instance import CostModel, Instance
from theory.traces import import_mooncake
from theory.workloads import paper_like

TRACE = Path(__file__).resolve().parents[2] / "shared" / "data" / "mooncake_synthetic_trace.jsonl"
WARM = 1000
NAIVE_BUDGET = 2_000_000  # naive decisions × queue size; bounds the naive runs' time


def bench_instance(n_total: int, cache: str) -> Instance:
    """Return a paper-like instance of at least ``n_total`` short token prompts."""
    users = -(-n_total // 10)
    return paper_like(users=users, queries_per_user=10, instruction_len=32, profile_len=16,
                      history_len=64, question_len=8, rate=1.0, seed=1, cost=CostModel(cache=cache))


def time_decisions(inst: Instance, queue_cls, n_wait: int, decisions: int) -> tuple[float, float]:
    """Return (seconds per pick, seconds per whole decision) at a steady queue of ``n_wait``."""
    cache = make_cache(inst.cost)
    warm = WARM if inst.cost.cache != "previous" else 1
    for step in range(warm):
        cache.admit(inst.queries[step], step)
    queue = queue_cls(inst, cache)
    for i in range(warm, warm + n_wait):
        queue.add(i)
    nxt, pick_time = warm + n_wait, 0.0
    start = time.perf_counter()
    for s in range(decisions):
        t = time.perf_counter()
        i, _ = queue.longest_match()
        pick_time += time.perf_counter() - t
        queue.remove(i)
        cache.admit(inst.queries[i], warm + s)
        queue.processed(i)
        queue.add(nxt)
        nxt += 1
    return pick_time / decisions, (time.perf_counter() - start) / decisions


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f}"


def part1(sizes: list[int], decisions: int) -> list[str]:
    """Return the Markdown lines of the decision-time table."""
    lines = ["| cache | waiting | indexed pick (µs) | indexed decision (µs) | naive pick (µs) | "
             "naive decisions timed | speed-up (pick) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for cache in ("previous", "radix"):
        for n in sizes:
            naive_d = max(3, min(decisions, NAIVE_BUDGET // n))
            inst = bench_instance(WARM + n + max(decisions, naive_d), cache)
            fast_pick, fast_step = time_decisions(inst, WaitingQueue, n, decisions)
            slow_pick, _ = time_decisions(inst, NaiveWaitingQueue, n, naive_d)
            lines.append(f"| {cache} | {n:,} | {_us(fast_pick)} | {_us(fast_step)} | {_us(slow_pick)} | "
                         f"{naive_d} | {slow_pick / fast_pick:,.0f}× |")
            print(lines[-1], flush=True)
    return lines


def part2(per_token: float, bound: float) -> list[str]:
    """Return the Markdown lines of the Mooncake table (empty if the trace is absent)."""
    if not TRACE.exists():
        print(f"(trace {TRACE} absent: part 2 skipped)")
        return []
    t = time.perf_counter()
    base = import_mooncake(TRACE)
    print(f"imported {base.n} requests in {time.perf_counter() - t:.2f} s", flush=True)
    lines = ["| cache | policy | wall (s) | P50 (ms) | P99 (ms) | max (ms) | reuse | over T |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for cache in ("previous", "radix"):
        inst = base.with_cost(CostModel(cache=cache, per_token=per_token)).with_bound(bound)
        for name in policy_names():
            t = time.perf_counter()
            res = simulate(inst, make_policy(name))
            wall, s = time.perf_counter() - t, res.summary
            lines.append(f"| {cache} | {res.policy} | {wall:.2f} | {s['p50']:,.0f} | {s['p99']:,.0f} | "
                         f"{s['max']:,.0f} | {s['reused_ratio']:.3f} | {s['violations']} |")
            print(lines[-1], flush=True)
    return lines


def main() -> None:
    """Run both parts and print the Markdown tables."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000,100000")
    ap.add_argument("--decisions", type=int, default=200)
    ap.add_argument("--per-token", type=float, default=0.02)
    ap.add_argument("--bound", type=float, default=10_000.0, help="TTFT bound on the trace (ms)")
    ap.add_argument("--skip-trace", action="store_true")
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    one = part1([int(x) for x in args.sizes.split(",")], args.decisions)
    two = [] if args.skip_trace else part2(args.per_token, args.bound)
    print("\n" + "\n".join(one) + ("\n\n" + "\n".join(two) if two else ""))


if __name__ == "__main__":
    main()
