"""Table 1 analog on the real engine (full mode): Definition-4 queries at reduced lengths.

u/d = 1000/5000, 3000/3000, 5000/1000 multiplied by ``engine_table1_scale`` (the CPU cannot
prefill 6,000-token prompts quickly); 4 users × 4 documents; one spacing for all shapes,
s = (u + d)·(measured seconds per token) / t1_load, as in the simulated Table 1. FCFS, k = 4,
LPM; TTFT percentiles in seconds. Cache: the engine's radix KV cache with LRU eviction.
"""
from __future__ import annotations

from experiments import policyset, workload_setup
from experiments.context import Context
from experiments.figures import FigureSpec
from experiments.report import Section
from experiments.table1 import POLICIES, SHAPES

METRICS = ("p50", "p90", "p95", "max")
USERS, REPEATS = 4, 4


def run_shapes(ctx: Context, engine, seconds_per_token: float) -> list[dict]:
    """Return one row per (shape, policy) measured on ``engine``."""
    sc, rows = ctx.scale, []
    for u0, d0 in SHAPES:
        u, d = max(1, round(u0 * sc.engine_table1_scale)), max(1, round(d0 * sc.engine_table1_scale))
        s = round((u + d) * seconds_per_token / sc.t1_load, 6)
        inst = workload_setup.definition4(u, d, s, USERS, REPEATS, ctx.seeds()[0], encoding="tokens")
        for label in POLICIES:
            summary = engine.run(inst, policyset.make(label)).summary
            rows.append(dict({"shape": f"{u}/{d}", "s": s, "policy": label, "done": summary["done"]},
                             **{m: summary.get(m) for m in METRICS}))
    return rows


def run(ctx: Context, sec: Section, engine, seconds_per_token: float) -> None:
    """Append the engine's Table 1 to ``sec`` (called by the engine step when enabled)."""
    sc = ctx.scale
    rows = run_shapes(ctx, engine, seconds_per_token)
    data = ctx.report.csv("engine_table1", rows)
    sec.text(f"Table 1 on the engine: Definition 4, lengths × {sc.engine_table1_scale} of "
             f"{', '.join(f'{u}/{d}' for u, d in SHAPES)}, {USERS} users × {REPEATS} documents, "
             f"s = (u + d)·{seconds_per_token:.3g} s / {sc.t1_load}; cache: the engine's radix KV "
             "cache with LRU eviction (**lru**).")
    ctx.report.figure(sec, FigureSpec("engine_table1", "bars", data, "Table 1 analog on the real engine",
                                      {"facet": "shape", "series": "policy",
                                       "metrics": ["p50", "p90", "p95"], "series_order": POLICIES,
                                       "ylabel": "TTFT (s)"}))
    sec.table(["u/d", "policy", "done"] + [m.upper() for m in METRICS],
              [[r["shape"], r["policy"], r["done"]] + [r[m] if r[m] is not None else "" for m in METRICS]
               for r in rows], "TTFT in seconds, one seed")
