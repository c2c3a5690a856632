"""Definition 4: simulated maximum TTFT of FCFS, LPM and k-LPM against the proven bounds.

For each grid point the worst case over shuffles is computed exactly (every distinct shuffle up
to relabelling users) when there are few shuffles, otherwise estimated from random shuffles plus
the explicit alternating and starvation shuffles of theory.bounds. Printed per row: the bounds,
the simulated worst case per policy, the best k by simulation and by the bound, whether some
k-LPM (1 < k < inf) is strictly better than both FCFS and LPM in the worst case, whether the
paper's Corollary 3 conditions (0 < s < u) hold, and the number of simulated values outside
their bounds (must be 0). Usage: python -m experiments.def4_bounds_check [--quick] [--samples N]
"""
from __future__ import annotations

import argparse
import math
import random

from klpm.commands._common import format_table
from solvers.policies import make_policy
from solvers.simulate import simulate
from theory import bounds as B

KS = (1, 2, 3, 4, 6, math.inf)
EXHAUSTIVE_LIMIT = 500


def canonical_shuffles(p: B.Def4) -> list[list[int]]:
    """Return every shuffle whose users first appear in the order 0, 1, 2, ... (all others are
    relabellings, with the same TTFTs), by a recursive walk over the remaining counts."""
    out: list[list[int]] = []
    left = [p.repeats] * p.users

    def extend(prefix: list[int], opened: int) -> None:
        if len(prefix) == p.n:
            out.append(list(prefix))
            return
        for x in range(min(opened + 1, p.users)):
            if left[x]:
                left[x] -= 1
                prefix.append(x)
                extend(prefix, max(opened, x + 1))
                prefix.pop()
                left[x] += 1

    extend([], 0)
    return out


def count_shuffles(p: B.Def4) -> int:
    """Return the number of distinct shuffles divided by users! (relabellings)."""
    return math.factorial(p.n) // (math.factorial(p.repeats) ** p.users * math.factorial(p.users))


def shuffles(p: B.Def4, samples: int, seed: int) -> tuple[list[list[int]], bool]:
    """Return (shuffles, exhaustive?) for ``p``."""
    if count_shuffles(p) <= EXHAUSTIVE_LIMIT:
        return canonical_shuffles(p), True
    rng = random.Random(seed)
    out = [B.alternating_shuffle(p), B.starvation_shuffle(p)]
    for _ in range(samples):
        owners = B.alternating_shuffle(p)
        rng.shuffle(owners)
        out.append(owners)
    return out, False


def worst_cases(p: B.Def4, samples: int, seed: int) -> tuple[dict, bool, int]:
    """Return ({k: worst max TTFT}, exhaustive?, number of values outside their bounds)."""
    worst = {k: 0.0 for k in KS}
    outside = 0
    owners_list, exhaustive = shuffles(p, samples, seed)
    low = B.lower_any(p)
    for owners in owners_list:
        inst = B.instance_for(p, owners)
        for k in KS:
            v = simulate(inst, make_policy("klpm", k=k)).evaluation.max_ttft
            worst[k] = max(worst[k], v)
            outside += not (low - 1e-9 <= v <= B.klpm_upper(p, k) + 1e-9)
    return worst, exhaustive, outside


def row(p: B.Def4, samples: int, seed: int) -> list:
    """Return one table row for ``p``."""
    worst, exhaustive, outside = worst_cases(p, samples, seed)
    best_k = min(KS, key=lambda k: (worst[k], k))
    middle = min(worst[k] for k in KS if 1 < k < math.inf)
    better = middle < min(worst[1], worst[math.inf]) - 1e-9
    wl = B.lpm_worst_lower(p)
    fmt_k = lambda k: "inf" if k == math.inf else str(k)  # noqa: E731
    return [p.users, p.repeats, p.u, p.d, p.s, B.fcfs_upper(p), B.lpm_upper(p), "-" if wl is None else wl,
            "yes" if exhaustive else "no"] + [worst[k] for k in KS] + [
            fmt_k(best_k), fmt_k(B.bound_best_k(p)), "yes" if better else "no",
            "yes" if 0 < p.s < p.u else "no", outside]


HEADER = ("U", "r", "u", "d", "s", "UB_fcfs", "UB_lpm", "LBwc_lpm", "exact") + tuple(
    f"wc_k{'inf' if k == math.inf else k}" for k in KS) + ("best_k_sim", "best_k_bound", "kLPM<both",
                                                           "0<s<u", "outside")


def grid(quick: bool) -> list[B.Def4]:
    """Return the parameter grid (small exhaustive shapes, then larger sampled ones)."""
    shapes = [(2, 4), (3, 3)] if quick else [(2, 4), (3, 3), (4, 2), (2, 6), (4, 5), (5, 8)]
    uds = [(20, 10), (10, 20)] if quick else [(20, 10), (10, 20), (30, 30)]
    spacings = [3, 15] if quick else [3, 8, 15, 25, 40]
    return [B.Def4(u, d, s, users, r) for users, r in shapes for u, d in uds for s in spacings]


def main(argv: list[str] | None = None) -> int:
    """Print the table; return 1 if any simulated value lies outside its bounds."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a small grid (seconds)")
    ap.add_argument("--samples", type=int, default=60, help="random shuffles per sampled point")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rows = [row(p, args.samples, args.seed) for p in grid(args.quick)]
    print(format_table(HEADER, rows))
    outside = sum(r[-1] for r in rows)
    better = [r for r in rows if r[-3] == "yes"]
    print(f"\nrows: {len(rows)}; simulated values outside their bounds: {outside}; rows where some "
          f"1<k<inf beats both FCFS and LPM in the worst case: {len(better)} "
          f"(of which with 0<s<u: {sum(r[-2] == 'yes' for r in better)}); rows with 0<s<u: "
          f"{sum(r[-2] == 'yes' for r in rows)}")
    return 1 if outside else 0


if __name__ == "__main__":
    raise SystemExit(main())
