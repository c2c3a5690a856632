"""Summary statistics of TTFTs: nearest-rank percentiles, maximum, reuse ratio, violations."""
from __future__ import annotations

import math
from typing import Sequence

from theory.evaluate import Evaluation
from theory.instance import Instance

PERCENTILES: tuple[int, ...] = (50, 90, 95, 99)


def percentile(values: Sequence[float], p: float) -> float:
    """Return the nearest-rank ``p``-th percentile (0 < p <= 100): an observed value."""
    if not values:
        raise ValueError("percentile of an empty sequence")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ttft_stats(ttft: Sequence[float]) -> dict:
    """Return {mean, p50, p90, p95, p99, max} of a non-empty sequence of TTFTs."""
    out: dict = {"mean": sum(ttft) / len(ttft)}
    for p in PERCENTILES:
        out[f"p{p}"] = percentile(ttft, p)
    out["max"] = max(ttft)
    return out


def summarize(instance: Instance, evaluation: Evaluation, bound: float | None = None) -> dict:
    """Return {n, mean, p50, p90, p95, p99, max, reused_ratio[, violations, bound]} of a run.

    ``bound`` defaults to the instance's ``ttft_bound``; ``reused_ratio`` is reused tokens over
    prompt tokens."""
    out: dict = {"n": len(evaluation.ttft), **ttft_stats(evaluation.ttft)}
    total = sum(q.length for q in instance.queries)
    out["reused_ratio"] = sum(evaluation.reused) / total
    bound = instance.ttft_bound if bound is None else bound
    if bound is not None:
        out["bound"] = bound
        out["violations"] = evaluation.violations(bound)
    return out
