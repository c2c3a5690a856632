"""Step ``gaps``: run ``experiments.gaps`` over the instance families, tabulate, plot, and save
the instances behind the worst gaps."""
from __future__ import annotations

import statistics

from experiments import gaps, policyset
from experiments.context import Context
from experiments.figures import FigureSpec
from experiments.report import Section
from experiments.sweep import progress
from theory.instance_io import save_instance


def collect(ctx: Context, policies: list[str]) -> tuple[list[dict], dict]:
    """Return (all gap rows, {instance key: (instance, optimum record)})."""
    sc = ctx.scale
    rows, kept = [], {}
    total = len(gaps.CACHES) * len(gaps.FAMILIES) * sc.gap_instances
    bar = progress(total, "gaps")
    for cache_label, cost in gaps.CACHES:
        for family in gaps.FAMILIES:
            for i in range(sc.gap_instances):
                seed = ctx.seed * 100_003 + i
                inst = gaps.family_instance(family, sc.gap_n, seed).with_cost(cost)
                key = f"{family}-{cache_label.replace(' ', '_').replace('=', '')}-{seed}"
                got, record = gaps.gap_rows(inst, policies, sc.gap_time_limit,
                                            {"family": family, "cache": cache_label, "instance": key})
                rows += got
                kept[key] = (inst, record)
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()
    return rows, kept


def summary(sec: Section, rows: list[dict], policies: list[str]) -> None:
    """Append a per (cache, policy) table of ratios and extra violations."""
    out = []
    for cache in dict.fromkeys(r["cache"] for r in rows):
        for p in policies:
            mine = [r for r in rows if r["cache"] == cache and r["policy"] == p and r["ratio"] is not None]
            if not mine:
                continue
            ratios = [r["ratio"] for r in mine]
            extra = [r["extra_violations"] for r in mine if r.get("extra_violations") is not None]
            out.append([cache, p, len(mine), statistics.mean(ratios), max(ratios),
                        sum(1 for x in ratios if x <= 1 + 1e-9) / len(ratios),
                        statistics.mean(extra) if extra else "", max(extra) if extra else ""])
    sec.table(["cache", "policy", "instances", "mean max-TTFT ratio", "worst ratio",
               "share optimal", "mean extra violations", "worst extra violations"], out,
              "Policy maximum TTFT / proven optimum; violations of T = "
              f"{gaps.BOUND_FRACTION}·OPT above the proven minimum")


def save_worst(ctx: Context, sec: Section, rows: list[dict], kept: dict, policies: list[str]) -> None:
    """Save the instance with the worst ratio per policy; list them."""
    out = []
    for p in policies:
        mine = [r for r in rows if r["policy"] == p and r["ratio"] is not None]
        if not mine:
            continue
        worst = max(mine, key=lambda r: (r["ratio"], r.get("extra_violations") or 0))
        inst, record = kept[worst["instance"]]
        path = f"instances/worst_{p}.json"
        save_instance(inst, ctx.report.dir / path,
                      meta={"policy": p, "ratio": worst["ratio"], "policy_max_ttft": worst["max_ttft"],
                            **record, "family": worst["family"], "cache": worst["cache"]})
        out.append([p, worst["ratio"], worst["family"], worst["cache"], worst["max_ttft"],
                    worst["opt_max_ttft"], f"[{path}]({path})"])
    sec.table(["policy", "worst ratio", "family", "cache", "policy max TTFT", "OPT", "instance"],
              out, "Worst cases found (instance files hold the optimal order in meta)")


def run(ctx: Context) -> None:
    """Step ``gaps``."""
    sc = ctx.scale
    gaps.exact_solver()  # Unavailable before any work if the exact solvers are missing
    policies = policyset.every_policy()
    sec = ctx.report.section("Approximation gaps against the exact optimum")
    sec.text(f"{sc.gap_instances} instances of about {sc.gap_n} queries per family "
             f"({', '.join(gaps.FAMILIES)}) and cache model ({', '.join(c for c, _ in gaps.CACHES)}; "
             f"unit costs), exact solves via `solvers.exact.solve(solver='auto')` with a "
             f"{sc.gap_time_limit:g} s limit. Policies: {', '.join(policies)}. Each instance gets "
             f"T = {gaps.BOUND_FRACTION:g} x OPT (below the optimum: no order meets it) for the "
             "violation counts; slack is the one policy that reads T, so its max-TTFT ratio shows it "
             "chasing an unattainable bound, and its violations are its fair comparison.")
    rows, kept = collect(ctx, policies)
    unproven = sorted({r["instance"] for r in rows if r["status"] != "OPTIMAL"})
    if unproven:
        sec.text(f"{len(unproven)} instance(s) without a proven optimum (left out): {', '.join(unproven[:10])}")
    ctx.report.csv("gaps", rows)
    ctx.report.json("gaps_optima", {k: rec for k, (_, rec) in kept.items()})
    proven = [r for r in rows if r["ratio"] is not None]
    if not proven:
        sec.text(ctx.skip("gap distributions", "no instance was solved to proven optimality"))
        return
    ctx.report.csv("gaps_proven", proven, list(rows[0].keys()))
    ctx.report.figure(sec, FigureSpec("gaps_max_ttft", "box", "data/gaps_proven.csv",
                                      "Max TTFT / optimum, per policy",
                                      {"facet": "cache", "series": "policy", "metric": "ratio",
                                       "series_order": policies, "ylabel": "ratio to OPT"}))
    with_viol = [r for r in proven if r.get("extra_violations") not in (None, "")]
    if with_viol:
        ctx.report.figure(sec, FigureSpec("gaps_violations", "box", "data/gaps_proven.csv",
                                          "Violations above the optimum, per policy",
                                          {"facet": "cache", "series": "policy",
                                           "metric": "extra_violations", "series_order": policies,
                                           "ylabel": "extra violations"}))
    summary(sec, rows, policies)
    save_worst(ctx, sec, rows, kept, policies)
