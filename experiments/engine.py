"""Step ``engine``: the Figure 2/3 analog on the real engine (embedded model, reduced scale).

A short paper-like workload (token ids) is replayed in real time on ``gpu_runtime.engine``
(SmolLM2-135M on the CPU here) under a few policies. The engine's cache is its real radix KV
cache with LRU eviction at a stated capacity (the ``lru`` model). Arrival rates come from a
measured no-reuse prefill time (load = rate × that time). The simulator's prediction for the
same instance and cache is shown beside the measurement. If the measured prefill time makes the
run exceed the scale's budget, the step is skipped with the estimate.
"""
from __future__ import annotations

import statistics

from experiments import claims, engine_table1, policyset, workload_setup
from experiments.config import Scale
from experiments.context import Context, Unavailable
from experiments.figures import FigureSpec
from experiments.report import Section
from experiments.sweep import at_load
from solvers.simulate import simulate
from theory.instance import CostModel, Instance

METRICS = ("p50", "p90", "p95", "p99", "max", "mean", "reused_ratio")


def load_engine(ctx: Context, capacity: int):
    """Return a warmed-up ``gpu_runtime.engine.Engine`` or raise Unavailable."""
    try:
        from gpu_runtime.config import EngineConfig
        from gpu_runtime.engine import Engine
    except ImportError as exc:
        raise Unavailable(f"gpu_runtime.engine ({exc})") from None
    try:
        config = EngineConfig(kv_capacity_tokens=capacity, cpu_threads=ctx.scale.cpu_threads)
        engine = Engine(config, ctx.shared.get("loaded_model"))
    except Exception as exc:  # noqa: BLE001 - a missing model or library is a skip, not a crash
        raise Unavailable(f"cannot load the embedded model ({type(exc).__name__}: {exc})") from None
    engine.warm_up()
    return engine


def probe_seconds(engine, length: int, repeats: int = 3) -> float:
    """Return the median wall time of a no-reuse prefill of ``length`` tokens."""
    ids = [(7 * t + 11) % 1000 + 100 for t in range(length)]
    return statistics.median(engine.runner.prefill(ids).seconds for _ in range(repeats))


def workload(sc: Scale, seed: int) -> Instance:
    """Return the engine's paper-like workload (token ids, about 4 queries per user)."""
    users = max(1, sc.engine_requests // 4)
    return workload_setup.workloads_module().paper_like(
        users=users, queries_per_user=max(1, sc.engine_requests // users), rate=1.0, seed=seed,
        encoding="tokens", **workload_setup.paper_like_params(sc.engine_prompt_scale))


def measure(ctx: Context, engine, inst: Instance, cost: CostModel, pred_cost: CostModel,
            pred_label: str) -> list[dict]:
    """Return engine and simulator rows for every load and policy of the scale."""
    rows = []
    for load in ctx.scale.engine_loads:
        timed = at_load(inst.with_cost(cost), load)
        for label in ctx.scale.engine_policies:
            run = engine.run(timed, policyset.make(label))
            s = run.summary
            rows.append(dict({"source": "engine", "load": load, "policy": label,
                              "done": s["done"], "rejected": s["rejected"]},
                             **{m: s.get(m) for m in METRICS}))
            pred = simulate(timed.with_cost(pred_cost), policyset.make(label)).summary
            rows.append(dict({"source": f"simulator ({pred_label})", "load": load, "policy": label,
                              "done": timed.n, "rejected": 0}, **{m: pred[m] for m in METRICS}))
    return rows


def engine_claims(ctx: Context, sec: Section, rows: list[dict]) -> None:
    """Decide the P99 claim on the engine's measurements and on the simulator's prediction."""
    lines = []
    for source in dict.fromkeys(r["source"] for r in rows):
        mine = [dict(r, seed=0) for r in rows if r["source"] == source and r["p99"] is not None]
        c = claims.klpm_beats_fcfs_and_lpm(mine)
        ctx.claims.append((f"real engine ({source}), one seed", c))
        lines.append(f"- {source}: {c.sentence()[2:]}")
    sec.text("On these runs (one seed; a small sample):\n\n" + "\n".join(lines))


def prediction_cost(ctx: Context, cap: int, seconds_per_token: float) -> tuple[CostModel, str]:
    """Return (cost model, label) of the simulator's prediction: calibrated if available, else
    linear in tokens with the measured seconds per token."""
    c = ctx.calibrated
    if c is not None:
        return CostModel(cache="lru", capacity=cap, c_attn=c.c_attn, per_token=c.per_token,
                         base=c.base), "calibrated costs"
    return CostModel(cache="lru", capacity=cap, per_token=seconds_per_token), "probe-linear costs"


def show(ctx: Context, sec: Section, rows: list[dict]) -> None:
    """Save, draw and tabulate the engine and simulator rows."""
    rows = [{**r, "panel": f"{r['source']}, load {r['load']}"} for r in rows]  # one panel per run
    data = ctx.report.csv("engine_ttft", rows)
    ctx.report.figure(sec, FigureSpec("engine_ttft", "bars", data,
                                      "Real engine vs simulator: TTFT percentiles, one panel per load",
                                      {"facet": "panel", "series": "policy",
                                       "metrics": ["p50", "p90", "p99"],
                                       "series_order": list(ctx.scale.engine_policies),
                                       "ylabel": "TTFT (s)"}))
    sec.table(["source", "load", "policy", "done", "rejected"] + list(METRICS),
              [[r["source"], r["load"], r["policy"], r["done"], r["rejected"]]
               + [r[m] if r[m] is not None else "" for m in METRICS] for r in rows], "TTFT in seconds")


def run(ctx: Context) -> None:
    """Step ``engine``."""
    sc = ctx.scale
    sec = ctx.report.section("Real engine: embedded model (SmolLM2-135M) on this machine")
    if sc.engine_requests == 0:
        sec.text(ctx.skip("real-engine runs", f"scale {sc.name!r} runs no engine requests"))
        return
    inst = workload(sc, ctx.seeds()[0])
    mean_len = sum(q.length for q in inst.queries) / inst.n
    cap = round(4 * mean_len)
    engine = load_engine(ctx, cap)
    probe = probe_seconds(engine, round(mean_len))
    runs = len(sc.engine_loads) * len(sc.engine_policies)
    estimate = probe * inst.n * runs / min(1.0, min(sc.engine_loads))
    if estimate > sc.engine_budget_s:
        sec.text(ctx.skip("real-engine runs", f"a no-reuse prefill of {mean_len:.0f} tokens took "
                          f"{probe:.3g} s here, so {runs} runs of {inst.n} requests would need about "
                          f"{estimate:.0f} s > budget {sc.engine_budget_s:.0f} s (use --full)"))
        return
    pred_cost, pred_label = prediction_cost(ctx, cap, probe / mean_len)
    sec.text(f"{inst.n} paper-like requests (lengths × {sc.engine_prompt_scale}, mean "
             f"{mean_len:.0f} tokens), policies {', '.join(sc.engine_policies)}, loads "
             f"{list(sc.engine_loads)} (a no-reuse prefill of the mean length measured {probe:.3g} s; "
             f"load = rate × that). Cache model: the engine's radix KV cache with LRU eviction, "
             f"capacity {cap} tokens (**lru**); batch size 1; {sc.cpu_threads} torch CPU thread(s). "
             f"Beside each measurement: the simulator's prediction for the same arrivals with "
             f"{pred_label} (per_token {pred_cost.per_token:.3g} s, c_attn {pred_cost.c_attn:.3g}, "
             f"base {pred_cost.base:.3g}).")
    linear = CostModel(cache="lru", capacity=cap, per_token=probe / mean_len)
    rows = measure(ctx, engine, inst, linear, pred_cost, pred_label)
    show(ctx, sec, rows)
    engine_claims(ctx, sec, rows)
    if sc.engine_table1_scale > 0:
        engine_table1.run(ctx, sec, engine, probe / mean_len)
    else:
        sec.text(ctx.skip("Table 1 on the engine", f"full mode only (scale {sc.name!r})"))
