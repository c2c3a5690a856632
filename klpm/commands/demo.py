"""``klpm demo``: FCFS vs LPM vs k-LPM on a generated paper-like workload, in a few seconds.

Load ρ is the offered work without any reuse: rate × mean prompt length × per_token (unit
costs, c_attn = 0). For each ρ the same prompts (same seed) arrive as a Poisson process of
rate ρ / mean length; the arrival times scale exactly with 1/rate.
"""
from __future__ import annotations

import argparse

from klpm.commands._common import format_table, nonneg_float, positive_int
from theory.errors import InstanceError

POLICIES = (("fcfs", {}), ("lpm", {}), ("klpm", {"k": 2}), ("klpm", {"k": 4}))
COLUMNS = ("p50", "p90", "p95", "p99", "max", "reused_ratio")


def _loads(text: str) -> list[float]:
    try:
        loads = [float(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if not loads or any(not 0 < x < 100 for x in loads):
        raise argparse.ArgumentTypeError(f"loads must be numbers in (0, 100), got {text!r}")
    return loads


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command."""
    p = sub.add_parser("demo", help="TTFT table of FCFS, LPM and k-LPM on a generated workload",
                       description="Generate a paper-like workload (shared instruction, per-user "
                                   "profile and history, distinct questions; shuffled; Poisson) at a "
                                   "few loads and print TTFT percentiles of FCFS, LPM and k-LPM "
                                   "(k = 2, 4) in the simulator.")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--loads", type=_loads, default=[0.8, 1.0, 1.3],
                   help="offered loads without reuse, comma-separated (default 0.8,1.0,1.3)")
    p.add_argument("--users", type=positive_int, default=10, help="users (default 10)")
    p.add_argument("--queries-per-user", type=positive_int, default=40, help="queries per user (default 40)")
    p.add_argument("--cache", default="previous", help="previous (the paper's model, default) | radix")
    p.add_argument("--c-attn", type=nonneg_float, default=0.0, help="attention weight (default 0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo and print its table; return the exit code."""
    from solvers.policies import make_policy
    from solvers.simulate import simulate
    from theory.instance_io import parse_cost
    from theory.workloads import paper_like
    if args.cache not in ("previous", "radix"):
        raise InstanceError(f"cache: the demo supports 'previous' or 'radix', got {args.cache!r}")
    if args.seed < 0:
        raise InstanceError(f"seed: must be an integer >= 0, got {args.seed}")
    cost = parse_cost({"cache": args.cache, "c_attn": args.c_attn}, "cost")  # the format's checks
    shape = dict(users=args.users, queries_per_user=args.queries_per_user, seed=args.seed,
                 encoding="segments", cost=cost)
    draft = paper_like(rate=1.0, **shape)
    mean_len = sum(q.length for q in draft.queries) / draft.n
    instances = [(load, load / mean_len, paper_like(rate=load / mean_len, **shape)) for load in args.loads]
    print(f"paper-like workload: {draft.n} queries, {args.users} users x {args.queries_per_user}, "
          f"instruction 200 + profile ~100 + history ~500 + question ~50 tokens "
          f"(mean prompt {mean_len:.0f}), seed {args.seed}")
    print(f"cost: cache={args.cache}, per_token=1, c_attn={args.c_attn:g}, base=0; "
          "time unit = one token's prefill; TTFT percentiles are nearest-rank")
    rows = []
    for load, rate, inst in instances:
        for name, params in POLICIES:
            res = simulate(inst, make_policy(name, **params))
            rows.append([f"{load:g}", f"{rate:.3g}", res.policy] + [res.summary[c] for c in COLUMNS])
    print(format_table(("load", "rate", "policy") + COLUMNS, rows))
    return 0
