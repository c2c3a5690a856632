"""``klpm simulate``: run one online policy on an instance in the discrete-event simulator."""
from __future__ import annotations

import argparse
import sys

from klpm.commands._common import (add_cost_file_option, apply_cost_file, format_table, k_value, nonneg_float,
                                  positive_float, positive_int, print_result_json)
from solvers.policies import make_policy, policy_names
from solvers.simulate import simulate
from theory.instance_io import load_instance

PROGRESS_MIN_QUERIES = 2000
# Policy options: (dest, option, default, the policy that reads it, argparse type, help).
POLICY_OPTIONS = (
    ("k", "--k", 2, "klpm", k_value, "k of k-LPM: integer >= 1 or 'inf'"),
    ("quantum", "--quantum", 1000.0, "dlpm", positive_float, "dlpm: credit added per refill, in time units"),
    ("group_units", "--group-units", 16, "dlpm", positive_int,
     "dlpm: a query's group is this many units after the prefix common to all"),
    ("margin", "--margin", 0.0, "slack", float,
     "slack: extra time a query's slack must exceed the LPM pick's cost by"),
)
SUMMARY_COLUMNS = ("n", "mean", "p50", "p90", "p95", "p99", "max", "reused_ratio")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` sub-command."""
    p = sub.add_parser(
        "simulate", help="simulate an online policy on an instance",
        description="Simulate one server (batch size 1, non-preemptive) running an online policy "
                    "on INSTANCE; print per-policy TTFT percentiles (nearest rank), or with --json "
                    "one object {policy, order, ttft, summary, instance_hash, cache, cost}.")
    p.add_argument("instance", help="instance file (klpm-instance/1 JSON)")
    p.add_argument("--policy", default="klpm", help=f"one of {', '.join(policy_names())} (default klpm)")
    for dest, option, default, _, kind, text in POLICY_OPTIONS:
        p.add_argument(option, type=kind, default=default, help=f"{text} (default {default:g})")
    p.add_argument("--ttft-bound", type=nonneg_float, default=None,
                   help="count queries over this TTFT (default: the instance's ttft_bound)")
    add_cost_file_option(p)
    p.add_argument("--naive", action="store_true", help="rescore the whole queue at every pick (oracle)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def unused_options(name: str, args: argparse.Namespace) -> list[str]:
    """Return the policy options set away from their defaults that policy ``name`` does not read."""
    return [opt for dest, opt, default, owner, _, _ in POLICY_OPTIONS
            if owner != name and getattr(args, dest) != default]


def policy_params(name: str, args: argparse.Namespace) -> dict:
    """Return the constructor parameters the CLI passes to policy ``name``."""
    return {dest: getattr(args, dest) for dest, _, _, owner, _, _ in POLICY_OPTIONS if owner == name}


def run(args: argparse.Namespace) -> int:
    """Run the simulation and print the result; return the exit code."""
    instance = apply_cost_file(load_instance(args.instance), args.cost_file)
    if args.ttft_bound is not None:
        instance = instance.with_bound(args.ttft_bound)
    policy = make_policy(args.policy, **policy_params(args.policy, args))
    for opt in unused_options(args.policy, args):
        print(f"klpm simulate: note: {opt} is not read by policy {args.policy} (ignored)", file=sys.stderr)
    # a bar only where it helps: long runs, a person watching stderr, and not in --json mode
    show_bar = not args.json and sys.stderr.isatty() and instance.n >= PROGRESS_MIN_QUERIES
    result = simulate(instance, policy, naive=args.naive, progress=show_bar)
    if args.json:
        print_result_json(result.to_json(instance), instance)
        return 0
    cols = SUMMARY_COLUMNS + (("violations",) if "violations" in result.summary else ())
    print(format_table(("policy",) + cols, [[result.policy] + [result.summary[c] for c in cols]]))
    return 0
