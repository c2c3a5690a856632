"""Skewed user popularity: does LPM starve rare users once popular users arrive steadily?

The paper-like workload gives every user the same number of queries, shuffled, so under the
previous cache LPM rarely meets a steady stream of queries matching the cached prompt, and
seldom starves anyone. This step draws each query's user with probability ∝ 1/rank^a
(``theory.workloads.paper_like(zipf=a)``), sweeps the load for k-LPM with k in
``scale.skew_ks`` under the previous cache with unit costs, decides the paper's two P99 claims
per exponent from the data (``experiments.claims``), and reports the longest wait of the
queries of the least popular users (the starvation LPM is blamed for).
"""
from __future__ import annotations

import statistics

from experiments import claims, policyset, workload_setup
from experiments.context import Context
from experiments.fig23 import UNIT, cost_text
from experiments.figures import FigureSpec
from experiments.policyset import klpm_label
from experiments.report import Section, fmt_csv
from experiments.sweep import at_load, mean_service, progress
from solvers.simulate import simulate
from theory.instance import Instance

METRICS = ("mean", "p50", "p90", "p99", "max", "reused_ratio")


def users_of(instance: Instance) -> dict[tuple, list[int]]:
    """Return {user: positions of its queries} for a paper-like instance (segments encoding):
    a user is everything but the question (instruction, profile, history)."""
    users: dict[tuple, list[int]] = {}
    for i, q in enumerate(instance.queries):
        users.setdefault(q.units[:-1], []).append(i)
    return users


def matched_load(instance: Instance) -> float:
    """Return the load offered by the most popular user's queries when its prefix is cached:
    their processing time with everything but the question reused, over the arrival span.
    LPM can starve others on the previous cache only while this stream keeps the server busy."""
    top = max(users_of(instance).values(), key=len)
    cost, qs = instance.cost, instance.queries
    work = sum(cost.processing_time(qs[i].length, qs[i].tokens_in(len(qs[i].units) - 1))
               for i in top)
    span = max(q.arrival for q in qs) - min(q.arrival for q in qs)
    return work / span if span > 0 else float("inf")


def rare_queries(instance: Instance, fraction: float) -> list[int]:
    """Return the positions of the queries of the least popular users of a paper-like instance.

    Users (``users_of``) with queries are sorted by their number of
    queries, ties to the later generator rank (larger segment keys); the first
    ``max(1, round(fraction · users))`` of them are the least popular."""
    users = users_of(instance)
    order = sorted(users, reverse=True)             # later rank first ...
    order.sort(key=lambda u: len(users[u]))         # ... then stable by popularity
    chosen = order[:max(1, round(fraction * len(order)))]
    return sorted(i for u in chosen for i in users[u])


def run_once(instance: Instance, label: str, rare: list[int]) -> dict:
    """Simulate ``label`` on ``instance``; return METRICS plus waits (start − arrival)."""
    res = simulate(instance, policyset.make(label))
    ev = res.evaluation
    wait = [ev.start[i] - q.arrival for i, q in enumerate(instance.queries)]
    row = {m: res.summary[m] for m in METRICS}
    row.update(wait_max=max(wait), rare_wait_max=max(wait[i] for i in rare),
               rare_ttft_max=max(ev.ttft[i] for i in rare), rare_queries=len(rare))
    return row


def sweep(ctx: Context, policies: list[str]) -> list[dict]:
    """Return one row per (zipf, seed, load, policy) on the paper-like workload."""
    sc = ctx.scale
    rows: list[dict] = []
    bar = progress(len(sc.skew_zipfs) * len(ctx.seeds()) * len(sc.loads) * len(policies), "skew")
    for zipf in sc.skew_zipfs:
        for seed in ctx.seeds():
            base = workload_setup.paper_like(sc, seed, zipf=zipf).with_cost(UNIT)
            rare = rare_queries(base, sc.skew_rare_fraction)
            for load in sc.loads:
                inst = at_load(base, load)
                tags = {"zipf": float(zipf), "cache": "previous", "cost": "unit", "load": load,
                        "rate": load / mean_service(inst), "seed": seed,
                        "top_user_matched_load": matched_load(inst)}
                for label in policies:
                    row = tags | {"policy": label}
                    rows.append(row | run_once(inst, label, rare))
                    if bar is not None:
                        bar.update(1)
    if bar is not None:
        bar.close()
    return rows


def figures(ctx: Context, sec: Section, data: str, policies: list[str]) -> None:
    """Draw P99, P50, max TTFT and the rare users' longest wait against load, one panel per a."""
    order = [str(fmt_csv(float(z))) for z in ctx.scale.skew_zipfs]
    what = {"p99": "P99 TTFT", "p50": "P50 TTFT", "max": "max TTFT",
            "rare_wait_max": "longest wait of the least popular users' queries"}
    for metric, title in what.items():
        spec = FigureSpec(f"skew_{metric}", "lines", data, f"{title} vs load, Zipf user popularity",
                          {"x": "load", "series": "policy", "metrics": [metric], "facet": "zipf",
                           "facet_order": order, "series_order": policies, "logy": True,
                           "xlabel": "load", "ylabel": f"{title} (token-times)"})
        ctx.report.figure(sec, spec, f"{title}; panel: Zipf exponent a (0 = uniform). "
                          f"{cost_text(UNIT)}. Median over {len(ctx.seeds())} seeds; band: min–max.")


def tables(ctx: Context, sec: Section, rows: list[dict], policies: list[str]) -> None:
    """Append the median P99 per (a, load) and the starvation table at the highest load."""
    zipfs = [float(z) for z in ctx.scale.skew_zipfs]
    p99 = {z: claims.aggregate([r for r in rows if r["zipf"] == z], "p99") for z in zipfs}
    loads = sorted({r["load"] for r in rows})
    sec.table(["a", "load"] + policies,
              [[z, ld] + [p99[z].get((p, ld), "") for p in policies] for z in zipfs for ld in loads],
              "Median P99 TTFT over seeds (token-times), by Zipf exponent a and load")
    top = loads[-1]
    out = []
    for z in zipfs:
        for p in policies:
            mine = [r for r in rows if r["zipf"] == z and r["load"] == top and r["policy"] == p]
            med = {m: statistics.median(r[m] for r in mine)
                   for m in ("p99", "max", "wait_max", "rare_wait_max", "rare_queries",
                             "top_user_matched_load")}
            out.append([z, p, med["p99"], med["max"], med["wait_max"], med["rare_wait_max"],
                        med["rare_queries"], med["top_user_matched_load"]])
    sec.table(["a", "policy", "P99 TTFT", "max TTFT", "longest wait (all)",
               "longest wait (least popular users)", "their queries",
               "top user's matched-stream load"], out,
              f"Starvation evidence at the highest load ({top:g}), medians over seeds")


def run(ctx: Context) -> None:
    """Step ``skew``: k-LPM under Zipf user popularity, previous cache, unit costs."""
    sc = ctx.scale
    policies = [klpm_label(k) for k in sc.skew_ks]
    sec = ctx.report.section("Skewed user popularity (Zipf): k-LPM, previous cache, unit costs")
    sec.text(f"Paper-like workload as in the Figure 2 analog ({sc.n_queries} queries, "
             f"{sc.n_users} users, lengths × {sc.prefix_scale}), but each query's user is drawn "
             "with probability ∝ 1/rank^a (a = 0: every user has the same number of queries, "
             f"the Figure 2 workload). a in {list(sc.skew_zipfs)}; k-LPM for {policies} "
             f"(klpm1 = FCFS, klpminf = LPM); seeds {ctx.seeds()}. Least popular users: the "
             f"{sc.skew_rare_fraction:.0%} of users with the fewest queries in each instance.")
    rows = sweep(ctx, policies)
    data = ctx.report.csv("skew_unit_costs", rows)
    ctx.report_rows["skew_unit_costs"] = rows
    figures(ctx, sec, data, policies)
    tables(ctx, sec, rows, policies)
    lines = []
    for z in sc.skew_zipfs:
        mine = [r for r in rows if r["zipf"] == float(z)]
        for c in (claims.klpm_beats_fcfs_and_lpm(mine), claims.k2_best(mine)):
            ctx.claims.append((f"skew, Zipf a = {z:g}, previous cache, unit costs", c))
            lines.append(f"a = {z:g}: " + c.sentence()[2:])
    sec.text("Paper's claims, decided from this data per exponent:\n\n"
             + "\n".join(f"- {line}" for line in lines))
