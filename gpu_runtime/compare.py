"""The engine against the model: simulator predictions and the exact optimum, in seconds.

Everything is compared on the *runnable* instance: the queries the engine accepts (rejections
depend only on prompt length, so they are the same for every policy), with arrivals scaled to
wall seconds and the calibrated cost model. Its cache model is ``radix`` when all prompts fit in
the KV capacity together (then nothing is ever evicted and lru equals radix), else ``lru`` with
the engine's capacity. Every predicted schedule is scored by ``theory.evaluate``.
"""
from __future__ import annotations

from dataclasses import replace

from gpu_runtime.engine import Engine, EngineRun
from theory.errors import InstanceError
from theory.evaluate import Evaluation, evaluate, order_from_ids
from theory.instance import CostModel, Instance
from theory.metrics import summarize

EXACT_MAX_N = 12


def runnable_instance(engine: Engine, instance: Instance, cost: CostModel) -> Instance:
    """Return the accepted queries of ``instance``, arrivals in seconds, with ``cost``'s
    coefficients and the engine's cache model."""
    scale = engine.config.time_scale
    kept = [replace(q, arrival=q.arrival * scale)
            for q, reason in zip(instance.queries, engine.reject_reasons(instance)) if not reason]
    if not kept:
        raise InstanceError("every request is rejected by the engine; nothing to compare")
    capacity = engine.config.kv_capacity_tokens
    cache = "radix" if sum(q.length for q in kept) <= capacity else "lru"
    cost = CostModel(cache, cost.c_attn, cost.per_token, cost.base, capacity if cache == "lru" else None)
    return Instance(tuple(kept), cost, instance.ttft_bound)


def rescore(runnable: Instance, run: EngineRun) -> Evaluation:
    """Return the evaluator's prediction for the order the engine actually ran."""
    ids = [run.records[i].id for i in run.order]
    return evaluate(runnable, order_from_ids(runnable, ids))


def predicted_summary(runnable: Instance, evaluation: Evaluation) -> dict:
    """Return theory.metrics.summarize of a prediction (TTFT in seconds)."""
    return summarize(runnable, evaluation)


def microsecond_grid(instance: Instance) -> Instance:
    """Return ``instance`` with arrivals and cost coefficients rounded to microseconds, so that
    the exact solvers (which need integral data at some scale <= 1e6) accept it."""
    c = instance.cost
    cost = CostModel(c.cache, round(c.c_attn, 6), round(c.per_token, 6), round(c.base, 6), c.capacity)
    queries = tuple(replace(q, arrival=round(q.arrival, 6)) for q in instance.queries)
    return Instance(queries, cost, instance.ttft_bound)


def exact_optimum(runnable: Instance, time_limit: float) -> tuple[tuple[str, ...] | None, str]:
    """Return (optimal order as ids, note) for max TTFT, or (None, why not)."""
    try:
        from solvers.exact import solve
    except ImportError as exc:
        return None, f"solvers.exact is not available ({exc})"
    if runnable.n > EXACT_MAX_N:
        return None, f"exact optimum skipped: {runnable.n} queries (limit {EXACT_MAX_N} here)"
    try:
        res = solve(microsecond_grid(runnable), objective="max-ttft", time_limit=time_limit)
    except (InstanceError, ImportError) as exc:  # ImportError: no ortools where CP-SAT is chosen
        return None, f"exact optimum unavailable: {exc}"
    if res.order is None:
        return None, f"exact solver returned no order (status {res.status.value})"
    value = evaluate(runnable, res.order).max_ttft
    note = (f"exact optimum: {res.status.value} by {res.method} on the microsecond-rounded instance; "
            f"its order scores max TTFT {value:.4g} s under the evaluator with the fitted costs")
    return tuple(runnable.queries[i].id for i in res.order), note
