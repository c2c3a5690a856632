"""Fit the cost model ``base + (per_token + c_attn·L)·(L − P)`` to measured prefill times.

For each (prompt length L, cached prefix P) of a grid, the prefix's KV is computed first (not
timed), then the prefill of the L − P new tokens on top of it is timed ``repeats`` times and the
fastest kept (load from other processes only ever adds time, so the minimum is the steadiest
estimate of the device's own cost). The three coefficients are fitted by least squares on
*relative* errors (each row divided by its measured time, so that short prompts, whose fixed
cost dominates, count as much as long ones) under the constraint that each is >= 0 (the instance format requires it): every subset of
the three features is fitted and the best non-negative fit is kept. Fit quality: R² (on the
seconds) and the largest relative error.

The result is written as ``{"format": "klpm-calibration/1", "cost": {...}, "fit": {...}, ...}``;
its ``cost`` object is the instance format's, so ``load_cost_file`` (or any reader of a ``cost``
object) turns it into a ``CostModel`` for ``Instance.with_cost`` and the simulator or solvers.
Times are in seconds, so instances must have arrivals in seconds (``time_scale`` = 1).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Sequence

from gpu_runtime.config import EngineConfig
from theory.errors import InstanceError
from theory.instance import CostModel

FORMAT = "klpm-calibration/1"
QUICK_LENGTHS = (16, 64, 128, 256)
FULL_LENGTHS = (32, 128, 256, 512, 1024, 2048)
CUDA_LENGTHS = (128, 512, 1024, 2048, 4096, 8000)
FRACTIONS = (0.0, 0.5, 0.9)


@dataclass(frozen=True)
class Calibration:
    """A fitted cost model, its fit quality and the points it was fitted to."""

    cost: CostModel
    r2: float
    max_rel_error: float
    points: tuple[tuple[int, int, float], ...]   # (length, cached, seconds)
    device: str
    model: str
    dtype: str
    repeats: int = 0   # timings per point (the fastest kept)

    def to_json(self) -> dict:
        """Return the calibration file's JSON object."""
        c = self.cost
        return {"format": FORMAT,
                "cost": {"cache": c.cache, "c_attn": c.c_attn, "per_token": c.per_token, "base": c.base},
                "fit": {"r2": self.r2, "max_rel_error": self.max_rel_error, "points": len(self.points),
                        "repeats": self.repeats},
                "device": self.device, "model": self.model, "dtype": self.dtype, "units": "seconds",
                "points": [{"length": L, "cached": P, "seconds": s} for L, P, s in self.points]}


def fit_costs(points: Sequence[tuple[int, int, float]]) -> tuple[dict, float, float]:
    """Return ({base, per_token, c_attn}, R², max relative error) of the best relative-error
    least-squares fit with every coefficient >= 0."""
    import numpy as np
    L = np.array([p[0] for p in points], dtype=float)
    P = np.array([p[1] for p in points], dtype=float)
    y = np.array([p[2] for p in points], dtype=float)
    features = np.stack([np.ones_like(L), L - P, L * (L - P)], axis=1)
    w = 1.0 / np.maximum(y, 1e-12)
    best = None
    for k in range(1, 4):
        for cols in itertools.combinations(range(3), k):
            coef, *_ = np.linalg.lstsq(features[:, cols] * w[:, None], y * w, rcond=None)
            if (coef < 0).any():
                continue
            full = np.zeros(3)
            full[list(cols)] = coef
            sse = float((((features @ full - y) * w) ** 2).sum())
            if best is None or sse < best[0]:
                best = (sse, full)
    coef = best[1] if best is not None else np.zeros(3)
    pred = features @ coef
    sst = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - float(((pred - y) ** 2).sum()) / sst if sst > 0 else 1.0
    rel = float((np.abs(pred - y) / np.maximum(y, 1e-12)).max())
    return {"base": float(coef[0]), "per_token": float(coef[1]), "c_attn": float(coef[2])}, r2, rel


def measure(runner, lengths: Sequence[int], fractions: Sequence[float], repeats: int,
            vocab: int, seed: int = 0) -> list[tuple[int, int, float]]:
    """Return (length, cached, fastest seconds) for each grid point (prefix KV untimed)."""
    import random
    rng = random.Random(seed)
    points = []
    for L in lengths:
        ids = [rng.randrange(vocab) for _ in range(L)]
        for f in fractions:
            P = min(int(L * f), L - 1)
            prefix = runner.prefill(ids[:P]).new_kv if P > 0 else None
            runner.prefill(ids[P:], prefix)  # warm-up for this shape
            times = [runner.prefill(ids[P:], prefix).seconds for _ in range(repeats)]
            points.append((L, P, min(times)))
    return points


def calibrate(config: EngineConfig | None = None, *, quick: bool = False,
              lengths: Sequence[int] | None = None, fractions: Sequence[float] = FRACTIONS,
              repeats: int = 3, loaded=None) -> Calibration:
    """Return the Calibration of the configured model on its device (loads it unless given)."""
    from gpu_runtime.model_loader import load_model
    from gpu_runtime.model_runner import ModelRunner
    config = config or EngineConfig()
    loaded = loaded if loaded is not None else load_model(config)
    if lengths is None:  # a default grid is cut to the model's context; given lengths are checked
        grid = QUICK_LENGTHS if quick else (CUDA_LENGTHS if loaded.device == "cuda" else FULL_LENGTHS)
        lengths = [L for L in grid if L <= loaded.max_context]
    if not lengths or any(not 2 <= L <= loaded.max_context for L in lengths):
        raise InstanceError(f"calibrate: lengths must be in [2, {loaded.max_context}] (the model context), "
                            f"got {list(lengths)}")
    runner = ModelRunner(loaded)
    runner.prefill([1, 2, 3])
    repeats = 2 if quick else repeats
    points = measure(runner, lengths, fractions, repeats, loaded.vocab_size)
    coef, r2, rel = fit_costs(points)
    cost = CostModel(cache="radix", **coef)
    return Calibration(cost, r2, rel, tuple(points), loaded.device, loaded.name, config.dtype, repeats)


