"""Approximation gaps: each online policy against the exact optimum on many small instances.

Families: Definition 4, SGLang shared-prefix and random prompts over a 3-token alphabet (so
prefixes are shared by chance). Caches: previous and radix with c_attn = 0, radix with
c_attn > 0. For each instance the exact optimum of the maximum TTFT (OPT) is proven with
``solvers.exact``; the violation bound is T = ``BOUND_FRACTION``·OPT so that some queries must
miss it, and the exact minimum number of violations is solved too. Gap rows compare each
policy's (re-evaluated) maximum TTFT and violations with the optimum; instances whose solve is not
proven OPTIMAL are reported and left out of the ratios.
"""
from __future__ import annotations

import math
import random

from experiments import policyset, workload_setup
from experiments.context import Unavailable
from solvers.simulate import simulate
from theory.instance import CostModel, Instance, Query

BOUND_FRACTION = 0.8
CACHES = (("previous c=0", CostModel(cache="previous")), ("radix c=0", CostModel(cache="radix")),
          ("radix c=0.05", CostModel(cache="radix", c_attn=0.05)))


def exact_solver():
    """Return ``solvers.exact.solve`` or raise Unavailable."""
    try:
        from solvers.exact import solve
    except ImportError as exc:
        raise Unavailable(f"solvers.exact.solve ({exc})") from None
    return solve


def random_instance(n: int, seed: int) -> Instance:
    """Return ``n`` random prompts of 2-8 tokens over {0, 1, 2} with random arrivals."""
    rng = random.Random(seed)
    prompts = [tuple(rng.randrange(3) for _ in range(rng.randint(2, 8))) for _ in range(n)]
    horizon = sum(len(p) for p in prompts) / 1.3
    arrivals = sorted(round(rng.uniform(0, horizon), 2) for _ in range(n))
    return Instance(tuple(Query(f"q{j}", a, p) for j, (p, a) in enumerate(zip(prompts, arrivals))))


def family_instance(family: str, n: int, seed: int) -> Instance:
    """Return a small instance of ``family`` with about ``n`` queries (unit costs)."""
    rng = random.Random(seed)
    if family == "random":
        return random_instance(n, seed)
    if family == "definition4":
        users = rng.choice([2, 3])
        repeats = max(1, n // users)
        u, d = rng.randint(2, 9), rng.randint(1, 5)
        s = round(rng.uniform(0.5, 1.5) * (d + u / repeats), 2)
        return workload_setup.definition4(u, d, s,
                                          users, repeats, seed, encoding="tokens")
    groups = rng.choice([2, 3])
    per = max(1, n // groups)
    sys_len, q_len = rng.randint(2, 9), rng.randint(1, 4)
    rate = 1.3 / (sys_len + q_len)
    return workload_setup.shared_prefix(groups, per, sys_len, q_len, rate, seed)


FAMILIES = ("definition4", "shared-prefix", "random")


def gap_rows(instance: Instance, policies: list[str], time_limit: float, tags: dict) -> tuple[list[dict], dict]:
    """Return (one row per policy, the optimum record) for one instance."""
    solve = exact_solver()
    best = solve(instance, objective="max-ttft", solver="auto", time_limit=time_limit)
    status = getattr(best.status, "value", str(best.status))
    opt = best.value if status == "OPTIMAL" else None
    # Rounded to 0.01: the CP-SAT back-end needs numbers that scale to integers.
    bound = math.floor(BOUND_FRACTION * opt * 100) / 100 if opt is not None else None
    opt_viol, viol_status = None, None
    if bound is not None:
        vr = solve(instance, objective="violations", ttft_bound=bound, solver="auto",
                   time_limit=time_limit)
        viol_status = getattr(vr.status, "value", str(vr.status))
        opt_viol = vr.value if viol_status == "OPTIMAL" else None
    rows = []
    # With the bound set, the slack policy aims at it; every other policy ignores it.
    run_on = instance if bound is None else instance.with_bound(bound)
    for label in policies:
        ev = simulate(run_on, policyset.make(label)).evaluation
        row = dict(tags, policy=label, n=instance.n, max_ttft=ev.max_ttft, opt_max_ttft=opt,
                   status=status, ratio=(ev.max_ttft / opt if opt else None), bound=bound)
        if bound is not None:
            row.update(violations=ev.violations(bound), opt_violations=opt_viol,
                       extra_violations=(None if opt_viol is None else ev.violations(bound) - opt_viol),
                       violations_status=viol_status)
        rows.append(row)
    record = {"status": status, "opt_max_ttft": opt,
              "opt_order": None if best.order is None else [instance.queries[i].id for i in best.order],
              "bound": bound, "opt_violations": opt_viol}
    return rows, record
