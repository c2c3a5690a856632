"""Figure 2 and 3 analogs in simulation: TTFT percentiles against load for k-LPM, k in KS.

Paper-like workload, the paper's previous-query cache, (a) unit costs with c_attn = 0 and
(b) the cost model calibrated on the embedded model (when a calibration is available). The
claims of the paper are then decided from the data by ``experiments.claims``.
"""
from __future__ import annotations

from experiments import claims, workload_setup
from experiments.context import Context
from experiments.figures import FigureSpec
from experiments.policyset import klpm_label
from experiments.report import Section
from experiments.sweep import run_sweep
from theory.instance import CostModel

UNIT = CostModel(cache="previous", c_attn=0, per_token=1, base=0)


def cost_text(cost: CostModel) -> str:
    """Return a one-line statement of a cost and cache model."""
    cap = f", capacity {cost.capacity} tokens" if cost.capacity is not None else ""
    return (f"cache model **{cost.cache}**{cap}; processing time = {cost.base:.4g} + "
            f"({cost.per_token:.4g} + {cost.c_attn:.4g}·|x|)·(|x| − reused)")


def sweep_figure(ctx: Context, sec: Section, name: str, cost: CostModel, title: str,
                 policies: list[str], time_unit: str) -> list[dict]:
    """Run a sweep on the paper-like workload, save its CSV, draw it; return the rows."""
    sc = ctx.scale
    rows = run_sweep(lambda s: workload_setup.paper_like(sc, s), cost, policies, sc.loads,
                     ctx.seeds(), {"cache": cost.cache, "cost": name}, label=name)
    data = ctx.report.csv(name, rows)
    spec = FigureSpec(name, "lines", data, title,
                      {"x": "load", "series": "policy", "metrics": ["p50", "p90", "p95", "p99"],
                       "series_order": policies, "logy": True,
                       "xlabel": "load (arrival rate × mean no-reuse prefill time)",
                       "ylabel": f"TTFT ({time_unit})"})
    ctx.report.figure(sec, spec, f"{title}. {cost_text(cost)}. Median over {len(ctx.seeds())} "
                      "seeds; band: min–max over seeds.")
    return rows


def claims_block(ctx: Context, sec: Section, rows: list[dict], where: str) -> None:
    """Append the paper's claims as decided on ``rows`` (and record them for the summary)."""
    found = [claims.klpm_beats_fcfs_and_lpm(rows), claims.k2_best(rows)]
    ctx.claims += [(where, c) for c in found]
    sec.text("Paper's claims, decided from this data:\n\n" + "\n".join(c.sentence() for c in found))


def p99_table(sec: Section, rows: list[dict], policies: list[str]) -> None:
    """Append a table of median P99 TTFT per load (rows) and policy (columns)."""
    agg = claims.aggregate(rows, "p99")
    loads = sorted({ld for _, ld in agg})
    sec.table(["load"] + policies, [[ld] + [agg.get((p, ld), "") for p in policies] for ld in loads],
              "Median P99 TTFT over seeds")


def run(ctx: Context) -> None:
    """Step ``figures``: the unit-cost and calibrated-cost sweeps."""
    policies = [klpm_label(k) for k in ctx.scale.ks]
    sec = ctx.report.section("Figures 2 and 3 analog: TTFT percentiles against load (simulation)")
    sec.text(f"Paper-like workload ({ctx.scale.n_queries} queries, {ctx.scale.n_users} users, "
             f"lengths × {ctx.scale.prefix_scale} of the paper-like preset "
             f"{workload_setup.paper_like_params(ctx.scale.prefix_scale)}), shuffled, Poisson "
             f"arrivals, seeds {ctx.seeds()}. k-LPM for k in {policies} (klpm1 = FCFS, klpminf = LPM). "
             "Cache model: **previous** (the paper's model: only the previously processed prompt "
             "is reused).")
    rows = sweep_figure(ctx, sec, "fig2_unit_costs", UNIT,
                        "TTFT vs load, unit costs (c_attn = 0), previous cache", policies,
                        "token-times")
    p99_table(sec, rows, policies)
    claims_block(ctx, sec, rows, "simulation, previous cache, unit costs")
    if ctx.calibrated is None:
        sec.text(ctx.skip("calibrated-cost sweep", ctx.calibration_note))
        return
    cost = CostModel(cache="previous", c_attn=ctx.calibrated.c_attn,
                     per_token=ctx.calibrated.per_token, base=ctx.calibrated.base)
    sec.text(f"Calibrated costs ({ctx.calibration_note}).")
    rows = sweep_figure(ctx, sec, "fig3_calibrated_costs", cost,
                        "TTFT vs load, costs calibrated on the embedded model, previous cache",
                        policies, "s")
    p99_table(sec, rows, policies)
    claims_block(ctx, sec, rows, "simulation, previous cache, calibrated costs")

