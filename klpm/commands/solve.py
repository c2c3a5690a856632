"""``klpm solve``: an exact (or proven-polynomial) schedule for one objective on an instance."""
from __future__ import annotations

import argparse
import sys

from klpm.commands._common import (add_cost_file_option, apply_cost_file, format_table, nonneg_float,
                                  positive_int, print_result_json)

OBJECTIVE_CHOICES = ("max-ttft", "feasible", "violations", "total-ttft", "percentile")
SOLVER_CHOICES = ("auto", "cpsat", "milp", "dp", "brute", "polynomial")
MAX_ORDER_SHOWN = 60


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``solve`` sub-command."""
    p = sub.add_parser(
        "solve", help="solve an instance exactly (CP-SAT, MILP, DP, brute force)",
        description="Find a provably optimal order for one objective. Status OPTIMAL or INFEASIBLE "
                    "only when proven; FEASIBLE carries the best bound and gap. Every order is "
                    "re-scored by the evaluator. auto answers the proven polynomial cells for "
                    "max-ttft/feasible (radix with c_attn = 0, lru that never evicts with c_attn = 0, "
                    "no shared prefixes: FCFS; equal arrivals under previous, radix or a never-evicting "
                    "lru, any c_attn: Theorem E's depth-first order), instances the DP accepts with "
                    "the DP (brute force for lru), else CP-SAT.")
    p.add_argument("instance", help="instance file (klpm-instance/1 JSON)")
    p.add_argument("--objective", required=True, choices=OBJECTIVE_CHOICES)
    p.add_argument("--ttft-bound", type=nonneg_float, default=None,
                   help="common TTFT bound T (default: the instance's ttft_bound)")
    p.add_argument("--p", type=float, default=None,
                   help="percentile: at most floor(p*n) queries may exceed T (0 <= p < 1)")
    p.add_argument("--solver", default="auto", choices=SOLVER_CHOICES, help="back-end (default auto)")
    p.add_argument("--time-limit", type=nonneg_float, default=10.0, help="seconds (default 10)")
    p.add_argument("--workers", type=positive_int, default=2, help="CP-SAT/MILP threads (default 2)")
    p.add_argument("--seed", type=int, default=0, help="random seed of CP-SAT/MILP, 0 .. 2^31-1 (default 0)")
    add_cost_file_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Solve and print the result; return the exit code."""
    from solvers.exact import choose_solver, solve
    from solvers.exact.objectives import NEEDS_BOUND
    from theory.instance_io import load_instance
    instance = apply_cost_file(load_instance(args.instance), args.cost_file)
    for option, given, used in (("--p", args.p is not None, args.objective == "percentile"),
                                ("--ttft-bound", args.ttft_bound is not None, args.objective in NEEDS_BOUND)):
        if given and not used:
            print(f"klpm solve: note: {option} is not read by objective {args.objective} (ignored)",
                  file=sys.stderr)
    name = choose_solver(instance, args.objective) if args.solver == "auto" else args.solver
    result = solve(instance, objective=args.objective, solver=name, ttft_bound=args.ttft_bound,
                   p=args.p, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    if args.json:  # with the bound, p and costs used, so that the value can be re-checked alone
        bound = instance.ttft_bound if args.ttft_bound is None else args.ttft_bound
        print_result_json({**result.to_json(instance), "ttft_bound": bound, "p": args.p}, instance)
        return 0
    row = [result.status.value, result.objective, result.value, result.bound, result.gap,
           result.method, round(result.time_s, 3)]
    print(format_table(("status", "objective", "value", "bound", "gap", "method", "time_s"),
                       [["-" if x is None else x for x in row]]))
    if result.order is not None and len(result.order) <= MAX_ORDER_SHOWN:
        print("order:", " ".join(instance.queries[i].id for i in result.order))
    elif result.order is not None:
        print(f"order: {len(result.order)} queries (use --json for the full order)")
    return 0
