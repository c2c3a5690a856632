"""The workloads of the experiments, built with ``theory.workloads`` at a given scale.

Paper-like prompts at scale 1.0: a 500-token instruction shared by all, a ~300-token profile
and a ~3,000-token history per user (log-normal), a ~100-token question per query, capped at
8,192 tokens (the paper's "up to 8k tokens"). Smaller scales multiply every length.
Simulations use the compact segment encoding (same overlaps, much faster); the real engine
needs token ids.
"""
from __future__ import annotations

from experiments.config import Scale
from experiments.context import Unavailable
from theory.instance import Instance

PAPER_LIKE = {"instruction_len": 500, "profile_len": 300, "history_len": 3000,
              "question_len": 100, "max_len": 8192}


def workloads_module():
    """Return the ``theory.workloads`` module, or raise Unavailable when it is missing."""
    try:
        from theory import workloads
    except ImportError as exc:
        raise Unavailable(f"theory.workloads ({exc})") from None
    return workloads


def paper_like_params(scale: float) -> dict:
    """Return the paper-like part lengths multiplied by ``scale`` (at least 1 token each)."""
    return {k: max(1, round(v * scale)) for k, v in PAPER_LIKE.items()}


def paper_like(sc: Scale, seed: int, encoding: str = "segments", zipf: float = 0.0) -> Instance:
    """Return the paper-like workload of scale ``sc`` (unit costs, arrival rate arbitrary);
    ``zipf`` > 0 skews user popularity (``theory.workloads.paper_like``)."""
    per_user = max(1, sc.n_queries // sc.n_users)
    return workloads_module().paper_like(users=sc.n_users, queries_per_user=per_user, rate=1.0,
                                   seed=seed, encoding=encoding, zipf=zipf,
                                   **paper_like_params(sc.prefix_scale))


def definition4(u: int, d: int, s: float, users: int, repeats: int, seed: int,
                encoding: str = "segments") -> Instance:
    """Return a Definition-4 instance (unit costs)."""
    return workloads_module().definition4(u=u, d=d, s=s, users=users, repeats=repeats, seed=seed,
                                    encoding=encoding)


def shared_prefix(groups: int, per_group: int, system_len: int, question_len: int, rate: float,
                  seed: int) -> Instance:
    """Return an SGLang generated-shared-prefix instance (unit costs, token encoding)."""
    return workloads_module().shared_prefix(groups=groups, prompts_per_group=per_group,
                                      system_len=system_len, question_len=question_len,
                                      rate=rate, seed=seed)
