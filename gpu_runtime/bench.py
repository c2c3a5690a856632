"""The serve-bench API: run policies on the engine, optionally beside the simulator's
prediction (calibrated costs) and the exact optimum replayed on the engine.

``serve_bench`` returns a ``BenchResult``; ``klpm serve-bench`` prints it and writes
``per_request_json``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from gpu_runtime.compare import exact_optimum, predicted_summary, rescore, runnable_instance
from gpu_runtime.engine import Engine, EngineRun
from gpu_runtime.scheduler import FixedOrder
from solvers.policy import Policy
from solvers.simulate import simulate
from theory.instance import CostModel, Instance


@dataclass(frozen=True)
class PolicyResult:
    """One policy on the engine; ``simulated``: the simulator's summary with calibrated costs on
    the runnable instance; ``rescored``: the evaluator's summary of the engine's own order."""

    run: EngineRun
    simulated: dict | None = None
    rescored: dict | None = None


@dataclass(frozen=True)
class BenchResult:
    """All policies of one serve-bench, plus notes (e.g. why the exact optimum was skipped)."""

    instance: Instance
    results: tuple[PolicyResult, ...]
    notes: tuple[str, ...] = field(default=())


def serve_bench(engine: Engine, instance: Instance, policies: list[Policy],
                cost: CostModel | None = None, exact: bool = False,
                time_limit: float = 10.0, progress: Callable[[str], None] | None = None) -> BenchResult:
    """Return the BenchResult of running each policy (and the exact optimum when asked).

    ``progress``, when given, receives one line after each engine run."""
    def report(run: EngineRun) -> None:
        if progress is not None:
            s = run.summary
            worst = f"{s['max']:.4g} s" if "max" in s else "-"
            progress(f"{run.policy}: {s['done']} done, {s['rejected']} rejected, max TTFT {worst}")
    engine.warm_up()
    runnable = runnable_instance(engine, instance, cost) if cost is not None else None
    results, notes = [], []
    for policy in policies:
        run = engine.run(instance, policy)
        report(run)
        sim = res = None
        if runnable is not None:
            sim = simulate(runnable, policy).summary  # simulate resets the policy first
            res = _rescored(runnable, run, notes)
        results.append(PolicyResult(run, sim, res))
    if exact:
        if runnable is None:
            notes.append("exact optimum needs calibrated costs (--cost-file)")
        else:
            ids, note = exact_optimum(runnable, time_limit)
            notes.append(note)
            if ids is not None:
                order = [instance.index_of(q) for q in ids]
                run = engine.run(instance, FixedOrder(order, "optimal(max-ttft)"))
                report(run)
                res = _rescored(runnable, run, notes)
                results.append(PolicyResult(run, res, res))
    return BenchResult(instance, tuple(results), tuple(notes))


def _rescored(runnable: Instance, run: EngineRun, notes: list[str]) -> dict | None:
    """Return the evaluator's summary of the order the engine ran, or None (with a note) when
    some runnable request was rejected at run time (out of memory), so no full order exists."""
    ran = {run.records[i].id for i in run.order}
    missing = [q.id for q in runnable.queries if q.id not in ran]
    if missing:
        notes.append(f"{run.policy}: no rescored prediction, {len(missing)} request(s) rejected at run "
                     f"time ({', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''})")
        return None
    return predicted_summary(runnable, rescore(runnable, run))


def per_request_json(bench: BenchResult) -> dict:
    """Return {"policies": [{"policy", "summary", "requests": [record...]}], "notes"}."""
    out = []
    for pr in bench.results:
        item = {"policy": pr.run.policy, "summary": pr.run.summary,
                "order": [pr.run.records[i].id for i in pr.run.order],
                "requests": [r.to_json() for r in pr.run.records]}
        if pr.simulated is not None:
            item["simulated"], item["rescored"] = pr.simulated, pr.rescored
        out.append(item)
    first = bench.results[0].run if bench.results else None
    cfg = None if first is None else first.config
    meta = {} if cfg is None else {"model": cfg.model, "device": first.device, "dtype": cfg.dtype,
                                   "time_scale": cfg.time_scale, "kv_capacity_tokens": cfg.kv_capacity_tokens,
                                   "batch_token_budget": cfg.batch_token_budget, "decode_tokens": cfg.decode_tokens}
    return {"config": meta, "policies": out, "notes": list(bench.notes), "units": "seconds"}
