"""Table 1 analog: Definition-4 queries, prefix/document lengths 1000/5000, 3000/3000, 5000/1000.

FCFS, k-LPM (k = 4) and LPM; median, P90 and P95 TTFT (and max). As in the paper one arrival
spacing ``s`` serves all three shapes (the paper ran all at 80 requests/s): ``s`` = the no-reuse
prefill time of one prompt (in the cost model's time unit) / ``t1_load``, so the server would be
at load ``t1_load`` if it reused nothing. Simulated with the
previous cache, unit costs and, when available, the calibrated costs.
"""
from __future__ import annotations

import statistics

from experiments import workload_setup
from experiments.context import Context
from experiments.fig23 import cost_text
from experiments.figures import FigureSpec
from experiments.report import Section
from experiments import policyset
from solvers.simulate import simulate
from theory.instance import CostModel

SHAPES = ((1000, 5000), (3000, 3000), (5000, 1000))
POLICIES = ["fcfs", "klpm4", "lpm"]
METRICS = ("p50", "p90", "p95", "max")


def shapes(scale: float) -> list[tuple[int, int]]:
    """Return the (u, d) shapes multiplied by ``scale`` (at least 1 token)."""
    return [(max(1, round(u * scale)), max(1, round(d * scale))) for u, d in SHAPES]


def run_table(ctx: Context, cost: CostModel, name: str) -> list[dict]:
    """Return one row per (shape, seed, policy) with METRICS."""
    sc = ctx.scale
    rows = []
    for u, d in shapes(sc.t1_scale):
        # the spacing is in the cost model's time unit: a no-reuse prefill over the load
        s = cost.processing_time(u + d, 0) / sc.t1_load
        u_time = (cost.per_token + cost.c_attn * (u + d)) * u  # what reusing the u prefix saves
        for seed in ctx.seeds():
            inst = workload_setup.definition4(u, d, s, sc.t1_users, sc.t1_repeats, seed).with_cost(cost)
            for label in POLICIES:
                res = simulate(inst, policyset.make(label))
                row = {"cost": name, "shape": f"{u}/{d}", "u": u, "d": d, "s": s, "u_time": u_time,
                       "seed": seed, "policy": label}
                row.update({m: res.summary[m] for m in METRICS})
                rows.append(row)
    return rows


def table_block(sec: Section, rows: list[dict], unit: str) -> None:
    """Append the Table-1 layout: one line per shape and policy, mean over seeds."""
    out = []
    for shape in dict.fromkeys(r["shape"] for r in rows):
        for label in POLICIES:
            mine = [r for r in rows if r["shape"] == shape and r["policy"] == label]
            out.append([shape, label] + [statistics.mean(r[m] for r in mine) for m in METRICS])
    sec.table(["u/d", "policy"] + [f"{m.upper()} ({unit})" for m in METRICS], out,
              "Mean over seeds")
    wins = []
    for shape in dict.fromkeys(r["shape"] for r in rows):
        mean = {p: statistics.mean(r["max"] for r in rows if r["shape"] == shape and r["policy"] == p)
                for p in POLICIES}
        u_time, s = next((r["u_time"], r["s"]) for r in rows if r["shape"] == shape)
        better = mean["klpm4"] < min(mean["fcfs"], mean["lpm"])
        wins.append(f"- {shape}: s = {s:.4g} {'<' if s < u_time else '>='} u = {u_time:.4g} (time the "
                    f"prefix saves); k = 4 max TTFT "
                    f"{'below' if better else 'not below'} both FCFS and LPM "
                    f"({mean['klpm4']:.4g} vs {mean['fcfs']:.4g} / {mean['lpm']:.4g}).")
    sec.text("Corollary 3 (k-LPM strictly better when 0 < s < u, k > 1), on this data:\n\n"
             + "\n".join(wins))


def bounds_block(sec: Section, rows: list[dict], users: int, repeats: int) -> None:
    """Append theory.bounds' Definition-4 bounds beside the simulated maximum TTFTs (unit costs,
    previous cache: the bounds' model); flag any simulated value outside its bounds."""
    try:
        from theory.bounds import Def4, bounds
    except ImportError as exc:
        sec.text(f"> not available: Definition-4 bounds — theory.bounds ({exc})")
        return
    out, outside = [], 0
    for shape in dict.fromkeys(r["shape"] for r in rows):
        first = next(r for r in rows if r["shape"] == shape)
        b = bounds(Def4(first["u"], first["d"], first["s"], users, repeats), 4)
        upper = {"fcfs": b["fcfs"]["upper"], "klpm4": b["klpm"]["upper"], "lpm": b["lpm"]["upper"]}
        for label in POLICIES:
            sim = [r["max"] for r in rows if r["shape"] == shape and r["policy"] == label]
            bad = sum(1 for v in sim if v < b["any_lower"] - 1e-9 or v > upper[label] + 1e-9)
            outside += bad
            out.append([shape, label, b["any_lower"], upper[label], min(sim), max(sim), bad])
    sec.table(["u/d", "policy", "lower bound", "upper bound", "simulated max TTFT (min)",
               "simulated max TTFT (max)", "runs outside"], out,
              "Definition-4 bounds on the maximum TTFT (theory.bounds, k = 4) against the simulation")
    sec.text(f"Simulated maximum TTFTs outside their bounds: **{outside}**.")


def one_cost(ctx: Context, sec: Section, cost: CostModel, name: str, unit: str) -> None:
    """Run, save, draw and tabulate Table 1 for one cost model."""
    rows = run_table(ctx, cost, name)
    ctx.report_rows[name] = rows
    data = ctx.report.csv(name, rows)
    spec = FigureSpec(name, "bars", data, f"Table 1 analog ({name.replace('_', ' ')}), mean over seeds",
                      {"facet": "shape", "series": "policy", "metrics": ["p50", "p90", "p95"],
                       "series_order": POLICIES, "ylabel": f"TTFT ({unit})"})
    ctx.report.figure(sec, spec, f"Definition 4, {cost_text(cost)}")
    table_block(sec, rows, unit)


def run(ctx: Context) -> None:
    """Step ``table1``."""
    sc = ctx.scale
    sec = ctx.report.section("Table 1 analog: Definition-4 queries (simulation)")
    sec.text(f"{sc.t1_users} user prefixes × {sc.t1_repeats} documents = "
             f"{sc.t1_users * sc.t1_repeats} queries, shuffled, one arrival every s = (no-reuse "
             f"prefill time of one prompt) / {sc.t1_load} (no-reuse load {sc.t1_load}, in each cost "
             f"model's time unit); lengths × {sc.t1_scale} of the paper's "
             f"({', '.join(f'{u}/{d}' for u, d in SHAPES)}); seeds {ctx.seeds()}. Cache model: "
             "**previous**.")
    one_cost(ctx, sec, CostModel(), "table1_unit_costs", "token-times")
    bounds_block(sec, ctx.report_rows.pop("table1_unit_costs"), sc.t1_users, sc.t1_repeats)
    if ctx.calibrated is None:
        sec.text(ctx.skip("Table 1 with calibrated costs", ctx.calibration_note))
        return
    cal = CostModel(cache="previous", c_attn=ctx.calibrated.c_attn,
                    per_token=ctx.calibrated.per_token, base=ctx.calibrated.base)
    one_cost(ctx, sec, cal, "table1_calibrated_costs", "s")
