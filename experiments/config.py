"""Scale presets of ``klpm reproduce``: how many queries, loads, seeds and instances each step uses.

``tiny`` is for tests (seconds), ``quick`` is the default (minutes on 2 cores), ``full`` is the
paper's scale (about 2,000 prompts of up to 8k tokens). Every number a step uses comes from here,
so a report can state its scale by dumping the preset.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

KS: tuple[float, ...] = (1, 2, 3, 4, 1000, math.inf)


@dataclass(frozen=True)
class Scale:
    """One preset. Lengths are tokens; loads are multiples of the no-reuse service capacity."""

    name: str
    # Figure 2/3 analog (paper-like workload).
    n_queries: int
    n_users: int
    prefix_scale: float          # multiplies the paper-like part lengths (1.0 = up to ~8k tokens)
    loads: tuple[float, ...]
    seeds: tuple[int, ...]
    ks: tuple[float, ...] = KS
    lru_capacity_prompts: float = 4.0   # lru capacity in mean prompt lengths
    # Skewed user popularity (step skew): Zipf exponents of the paper-like workload, k values.
    skew_zipfs: tuple[float, ...] = (0.0, 1.0, 1.5)
    skew_ks: tuple[float, ...] = (1, 2, 4, math.inf)
    skew_rare_fraction: float = 0.25    # "least popular users": this fraction of the users
    # Table 1 analog (Definition 4).
    t1_users: int = 20
    t1_repeats: int = 10
    t1_scale: float = 1.0        # multiplies u and d (1.0 = the paper's 1000/5000 ...)
    t1_load: float = 1.5         # s = no-reuse prefill time of one prompt / t1_load, same s for all
    # Approximation gaps.
    gap_instances: int = 30      # per family and cache model
    gap_n: int = 7
    gap_time_limit: float = 10.0
    # Mooncake trace.
    trace_max_requests: int | None = None
    trace_load: float = 1.0      # per_token set so the no-reuse load of the trace is this
    # Real engine.
    engine_requests: int = 0     # 0: engine step skipped at this scale
    engine_policies: tuple[str, ...] = ("fcfs", "klpm2", "lpm")
    engine_prompt_scale: float = 0.03   # ~120-token paper-like prompts
    engine_loads: tuple[float, ...] = (1.0, 1.5)
    engine_table1_scale: float = 0.0    # > 0: Table 1 on the engine with u, d × this (full mode)
    engine_budget_s: float = 180.0      # skip the engine step if the estimate exceeds this
    cpu_threads: int = 1                # torch threads for the engine/calibration: steadiest on a shared CPU
    calibrate_quick: bool = True
    calibrate_lengths: tuple[int, ...] = (16, 64, 128, 256)
    calibrate_budget_s: float = 150.0   # skip the short calibration if the estimate exceeds this
    min_calibration_r2: float = 0.8     # a worse fit is saved but not used
    extra: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """Return the preset as a JSON-ready dict (inf written as "inf")."""
        out = asdict(self)
        out["ks"] = [k_label(k) for k in self.ks]
        out["skew_ks"] = [k_label(k) for k in self.skew_ks]
        return out


def k_label(k: float) -> str:
    """Return the label of k ("1", "2", ..., "inf")."""
    return "inf" if k == math.inf else str(int(k))


TINY = Scale("tiny", n_queries=48, n_users=6, prefix_scale=0.02, loads=(0.6, 1.2, 2.0),
             seeds=(0,), t1_users=4, t1_repeats=4, t1_scale=0.02, gap_instances=3, gap_n=5,
             gap_time_limit=5.0, trace_max_requests=60, engine_requests=0,
             calibrate_quick=False)
QUICK = Scale("quick", n_queries=400, n_users=40, prefix_scale=0.25,
              loads=(0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.6, 2.0), seeds=(0, 1, 2, 3, 4),
              gap_instances=30, gap_n=8, gap_time_limit=10.0, trace_max_requests=None,
              engine_requests=24, engine_policies=("fcfs", "klpm2", "lpm"))
FULL = Scale("full", n_queries=2000, n_users=200, prefix_scale=1.0,
             loads=(0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 2.0, 2.5), seeds=(0, 1, 2, 3, 4),
             t1_users=50, t1_repeats=20, gap_instances=100, gap_n=8, gap_time_limit=30.0,
             engine_requests=120, engine_policies=("fcfs", "klpm2", "klpm3", "klpm1000", "lpm"),
             engine_prompt_scale=0.1, engine_loads=(0.8, 1.5, 2.5), engine_budget_s=7200.0,
             engine_table1_scale=0.02,
             calibrate_budget_s=1800.0, calibrate_lengths=(32, 128, 256, 512, 1024, 2048))
SCALES: dict[str, Scale] = {s.name: s for s in (TINY, QUICK, FULL)}
