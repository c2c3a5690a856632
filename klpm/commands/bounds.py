"""``klpm bounds``: closed-form max-TTFT bounds (theory.bounds; proofs/definition4_bounds.md)."""
from __future__ import annotations

import argparse
import math

from klpm.commands._common import format_table, print_json
from theory.errors import InstanceError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``bounds`` sub-command."""
    p = sub.add_parser(
        "bounds", help="closed-form max-TTFT bounds of FCFS, LPM and k-LPM (Definition 4)",
        description="Print the proven bounds on the maximum TTFT of FCFS, LPM and k-LPM on the "
                    "paper's Definition 4 (regular arrival shuffled queue; previous cache, "
                    "c_attn = 0, unit token cost): lower/upper bounds valid for every shuffle, "
                    "the worst case over shuffles where known, and the Corollary-3 comparison.")
    p.add_argument("model", choices=["definition4"], help="the workload model")
    p.add_argument("--u", required=True, help="shared user-prefix length (integer >= 0)")
    p.add_argument("--d", required=True, help="document length (integer >= 1)")
    p.add_argument("--s", required=True, help="inter-arrival time (number >= 0)")
    p.add_argument("--k", default="2", help="k of k-LPM: integer >= 1 or 'inf' (default 2)")
    p.add_argument("--r", default="5", help="repetitions per user (integer >= 1, default 5)")
    p.add_argument("--users", default="4", help="number of users (integer >= 1, default 4)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.set_defaults(func=run)


def _int(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InstanceError(f"--{name}: expected an integer, got {text!r}") from None


def _float(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InstanceError(f"--{name}: expected a number, got {text!r}") from None


def _k(text: str) -> float:
    if text.strip().lower() in ("inf", "infinity"):
        return math.inf
    return _int("k", text)


def run(args: argparse.Namespace) -> int:
    """Compute and print the bounds; return the exit code."""
    from theory.bounds import Def4, bounds
    params = Def4(_int("u", args.u), _int("d", args.d), _float("s", args.s),
                  users=_int("users", args.users), repeats=_int("r", args.r))
    out = bounds(params, _k(args.k))
    if args.json:
        print_json(out)
        return 0
    k = out["params"]["k"]
    label = f"{'inf' if k == math.inf else k}-LPM"
    rows = [["FCFS", out["fcfs"]["lower"], out["fcfs"]["upper"], _or_dash(out["fcfs"]["worst"], "= ")],
            ["LPM", out["lpm"]["lower"], out["lpm"]["upper"], _or_dash(out["lpm"]["worst_lower"], ">= ")],
            [label, out["klpm"]["lower"], out["klpm"]["upper"], "-"]]
    print(format_table(("policy", "lower (every shuffle)", "upper (every shuffle)", "worst case"), rows))
    best = out["bound_best_k"]
    print(f"n = {params.n}; Corollary 3 conditions (0 < s < u, k > 1): "
          f"{'yes' if out['corollary3_conditions'] else 'no'}; bounds prove k-LPM strictly better "
          f"than both: {'yes' if out['bounds_prove_klpm_better'] else 'no'}; "
          f"k minimising the k-LPM upper bound: {'inf' if best == math.inf else best}")
    return 0


def _or_dash(value: float | None, prefix: str) -> str:
    return "-" if value is None else f"{prefix}{value:g}"
