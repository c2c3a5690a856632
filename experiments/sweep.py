"""Rate sweeps in the simulator: every policy at every load and seed, one row per run.

Loads are multiples of the no-reuse capacity: at load L the arrival rate is
``L / mean(processing_time(|x|, 0))``, so load 1 saturates a server that reuses nothing. The
same prompts and arrival pattern (one instance per seed) are used at every load: arrivals are
scaled, which keeps a Poisson process Poisson.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from typing import Callable, Sequence

from experiments import policyset
from solvers.simulate import simulate
from theory.instance import CostModel, Instance

METRICS = ("mean", "p50", "p90", "p95", "p99", "max", "reused_ratio")


def mean_service(instance: Instance) -> float:
    """Return the mean processing time of a prompt with nothing reused."""
    cost = instance.cost
    return sum(cost.processing_time(q.length, 0) for q in instance.queries) / instance.n


def arrival_rate(instance: Instance) -> float:
    """Return the arrival rate of ``instance`` (queries per time unit over its arrival span)."""
    times = sorted(q.arrival for q in instance.queries)
    span = times[-1] - times[0]
    return (instance.n - 1) / span if span > 0 else float("inf")


def at_load(instance: Instance, load: float) -> Instance:
    """Return ``instance`` with arrivals scaled so that its rate is ``load`` / mean_service."""
    target = load / mean_service(instance)
    factor = arrival_rate(instance) / target
    first = min(q.arrival for q in instance.queries)
    queries = tuple(replace(q, arrival=(q.arrival - first) * factor) for q in instance.queries)
    return Instance(queries, instance.cost, instance.ttft_bound)


def progress(total: int, label: str):
    """Return a tqdm bar on stderr when it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc=label, file=sys.stderr, leave=False)


def run_sweep(make_base: Callable[[int], Instance], cost: CostModel, policies: Sequence[str],
              loads: Sequence[float], seeds: Sequence[int], tags: dict, label: str = "") -> list[dict]:
    """Return one row per (seed, load, policy): tags, load, rate, seed, policy and METRICS.

    ``make_base(seed)`` returns the workload (any arrival rate); ``cost`` replaces its costs."""
    rows: list[dict] = []
    bar = progress(len(seeds) * len(loads) * len(policies), label)
    for seed in seeds:
        base = make_base(seed).with_cost(cost)
        for load in loads:
            inst = at_load(base, load)
            rate = load / mean_service(inst)
            for label_p in policies:
                res = simulate(inst, policyset.make(label_p))
                row = dict(tags, load=load, rate=rate, seed=seed, policy=label_p)
                row.update({m: res.summary[m] for m in METRICS})
                rows.append(row)
                if bar is not None:
                    bar.update(1)
    if bar is not None:
        bar.close()
    return rows
