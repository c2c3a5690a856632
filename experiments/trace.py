"""Step ``trace``: every policy on the Mooncake synthetic trace, under the three cache models.

The trace is imported through ``theory.traces.import_mooncake`` (512-token blocks as segments).
Its arrivals are kept; the per-token cost is set so that a server reusing nothing would be at
load ``trace_load`` (the trace was recorded on a cluster, not on one batch-size-1 server).
"""
from __future__ import annotations

from pathlib import Path

from experiments import policyset
from experiments.context import Context, Unavailable
from experiments.fig23 import cost_text
from experiments.figures import FigureSpec
from experiments.sweep import arrival_rate, progress
from solvers.simulate import simulate
from theory.instance import CostModel, Instance

TRACE_NAME = "mooncake_synthetic_trace.jsonl"
METRICS = ("p50", "p90", "p95", "p99", "max", "mean", "reused_ratio")


def default_trace(repo: Path) -> Path | None:
    """Return ../shared/data/TRACE_NAME relative to the current directory or the repo, if any."""
    for base in (Path.cwd(), repo):
        path = base.parent / "shared" / "data" / TRACE_NAME
        if path.is_file():
            return path
    return None


def load_trace(path: Path, max_requests: int | None) -> Instance:
    """Return the imported trace (first ``max_requests`` requests when given)."""
    try:
        from theory.traces import import_mooncake
    except ImportError as exc:
        raise Unavailable(f"theory.traces.import_mooncake ({exc})") from None
    inst = import_mooncake(path, max_requests)
    return inst


def trace_costs(inst: Instance, load: float) -> list[tuple[str, CostModel]]:
    """Return (label, cost) for previous, radix and lru (8 mean prompts) at no-reuse ``load``."""
    mean_len = sum(q.length for q in inst.queries) / inst.n
    per_token = load / (arrival_rate(inst) * mean_len)
    cap = round(8 * mean_len)
    return [("previous", CostModel(cache="previous", per_token=per_token)),
            (f"lru({cap})", CostModel(cache="lru", per_token=per_token, capacity=cap)),
            ("radix", CostModel(cache="radix", per_token=per_token))]


def run(ctx: Context) -> None:
    """Step ``trace``."""
    sec = ctx.report.section("Real trace: Mooncake synthetic trace")
    if ctx.trace_path is None:
        sec.text(ctx.skip("Mooncake trace step", f"no trace file given (--trace) and no "
                          f"../shared/data/{TRACE_NAME} found"))
        return
    inst = load_trace(ctx.trace_path, ctx.scale.trace_max_requests)
    policies = policyset.every_policy()
    costs = trace_costs(inst, ctx.scale.trace_load)
    sec.text(f"{inst.n} requests from `{ctx.trace_path.name}`, mean prompt "
             f"{sum(q.length for q in inst.queries) / inst.n:.0f} tokens; arrivals as recorded "
             f"(time unit of the trace: ms); per-token cost set for a no-reuse load of "
             f"{ctx.scale.trace_load}. " + "; ".join(f"{lab}: {cost_text(c)}" for lab, c in costs))
    if "slack" in policies:
        sec.text("The trace carries no TTFT bound, so the slack policy behaves as LPM here.")
    rows = []
    bar = progress(len(costs) * len(policies), "trace")
    for label, cost in costs:
        run_inst = inst.with_cost(cost)
        for p in policies:
            res = simulate(run_inst, policyset.make(p))
            rows.append(dict({"cache": label, "policy": p}, **{m: res.summary[m] for m in METRICS}))
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    data = ctx.report.csv("trace_mooncake", rows)
    ctx.report.figure(sec, FigureSpec("trace_mooncake", "bars", data, "Mooncake trace: TTFT percentiles",
                                      {"facet": "cache", "series": "policy",
                                       "metrics": ["p50", "p90", "p99"], "series_order": policies,
                                       "ylabel": "TTFT (ms)"}))
    sec.table(["cache", "policy"] + [m for m in METRICS],
              [[r["cache"], r["policy"]] + [r[m] for m in METRICS] for r in rows], "TTFT in ms")
