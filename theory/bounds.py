"""Closed-form bounds on the maximum TTFT under the paper's Definition 4 (proofs/definition4_bounds.md).

Model: ``users`` user prefixes of ``u`` tokens, each followed by ``repeats`` unique documents of
``d`` tokens (n = users * repeats queries); the i-th query of a shuffle arrives at i*s; the
previous-query cache (the paper's), c_attn = 0, per_token = 1, base = 0, so a query costs d
after a query of the same user and P = u + d otherwise. Every bound below holds for EVERY
shuffle unless its name says ``worst`` (a lower bound on the worst case over shuffles, attained
by an explicit shuffle). Plain arithmetic here; ``derive()`` redoes the algebra with sympy
(imported lazily) and the tests check both agree.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from theory.errors import InstanceError
from theory.instance import CostModel, Instance, Query


@dataclass(frozen=True)
class Def4:
    """Definition-4 parameters (validated): prefix u, document d, spacing s, users, repeats."""

    u: int
    d: int
    s: float
    users: int = 2
    repeats: int = 2

    def __post_init__(self) -> None:
        for name, low in (("u", 0), ("d", 1), ("users", 1), ("repeats", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise InstanceError(f"{name}: must be an integer >= {low}, got {value!r}")
        if not isinstance(self.s, (int, float)) or not math.isfinite(self.s) or self.s < 0:
            raise InstanceError(f"s: must be a finite number >= 0, got {self.s!r}")

    @property
    def n(self) -> int:
        """Return the number of queries, users * repeats."""
        return self.users * self.repeats

    @property
    def head(self) -> int:
        """Return P = u + d, the cost of a query whose user differs from the previous one."""
        return self.u + self.d


def check_k(k: float) -> float:
    """Return ``k`` after checking it is an integer >= 1 or inf (InstanceError otherwise)."""
    if k == math.inf or (not isinstance(k, bool) and float(k).is_integer() and k >= 1):
        return k
    raise InstanceError(f"k: must be an integer >= 1 or inf, got {k!r}")


def lower_any(p: Def4) -> float:
    """Theorem 1: a lower bound on the max TTFT of ANY order, for every shuffle."""
    return max(p.head, p.users * p.u + p.n * p.d - (p.n - 1) * p.s)


def fcfs_upper(p: Def4) -> float:
    """Theorem 2: FCFS's max TTFT on every shuffle is at most this; for users >= 2 an alternating
    shuffle attains it (exact worst case). For one user the value is exact for the only shuffle."""
    step = p.head if p.users >= 2 else p.d
    return p.head + (p.n - 1) * max(0.0, step - p.s)


def lpm_upper(p: Def4) -> float:
    """Theorem 3: LPM's max TTFT on every shuffle is at most users*u + n*d (tight at s = 0)."""
    return p.users * p.u + p.n * p.d


def lpm_worst_conditions(p: Def4) -> bool:
    """Return True when the starvation shuffle of Theorem 3 provably behaves as described."""
    return p.u > 0 and p.users >= 2 and p.s <= p.d and p.users * p.s <= p.head


def lpm_worst_lower(p: Def4) -> float | None:
    """Theorem 3: under ``lpm_worst_conditions``, LPM's max TTFT on ``starvation_shuffle`` is at
    least users*u + (n - repeats + 1)*d - (users - 1)*s (a lower bound on its worst case)."""
    if not lpm_worst_conditions(p):
        return None
    return p.users * p.u + (p.n - p.repeats + 1) * p.d - (p.users - 1) * p.s


def klpm_switch_bound(p: Def4, k: float) -> float:
    """Theorem 4(a): k-LPM's max TTFT <= n*d + (users + ceil((n-1)/k))*u, every shuffle."""
    fcfs_steps = 0 if check_k(k) == math.inf else math.ceil((p.n - 1) / k)
    return p.n * p.d + (p.users + fcfs_steps) * p.u


def _window(p: Def4, k: float, o: int) -> float:
    young = min(p.n - 1 - o, (p.users - 1) * (p.repeats - 1))
    if k != math.inf:
        young = min(young, (k - 1) * (o + 1))
    return o * (p.head - p.s) + p.d * young


def klpm_window_candidates(p: Def4, k: float) -> list[int]:
    """Return the integer o's where the concave piecewise-linear window term can peak."""
    cap = (p.users - 1) * (p.repeats - 1)
    points = [0.0, p.n - 1.0, p.n - 1.0 - cap]
    if k != math.inf and k > 1:
        points += [cap / (k - 1) - 1, (p.n - k) / k]
    out = set()
    for x in points:
        for o in (math.floor(x), math.ceil(x)):
            if 0 <= o <= p.n - 1:
                out.add(o)
    return sorted(out)


def klpm_window_bound(p: Def4, k: float) -> float:
    """Theorem 4(b): k-LPM's max TTFT <= P + max_o [o(P - s) + d*min((k-1)(o+1),
    (users-1)(repeats-1), n-1-o)], every shuffle (k = 1 gives FCFS's bound)."""
    check_k(k)
    return p.head + max(_window(p, k, o) for o in klpm_window_candidates(p, k))


def klpm_upper(p: Def4, k: float) -> float:
    """Theorem 4: the smaller of the two k-LPM upper bounds (every shuffle)."""
    return min(klpm_switch_bound(p, k), klpm_window_bound(p, k))


def bounds(p: Def4, k: float) -> dict:
    """Return every bound for ``p`` and ``k`` plus the Corollary-3 comparison, as a dict."""
    k = check_k(k)
    wc_lpm = lpm_worst_lower(p)
    kub = klpm_upper(p, k)
    fcfs_worst = fcfs_upper(p) if p.users >= 2 else None
    rivals = [v for v in (fcfs_worst, wc_lpm) if v is not None]
    return {
        "params": {"u": p.u, "d": p.d, "s": p.s, "users": p.users, "repeats": p.repeats,
                   "n": p.n, "k": k},
        "any_lower": lower_any(p),
        "fcfs": {"lower": lower_any(p), "upper": fcfs_upper(p), "worst": fcfs_worst},
        "lpm": {"lower": lower_any(p), "upper": lpm_upper(p), "worst_lower": wc_lpm},
        "klpm": {"lower": lower_any(p), "upper": kub, "switch_bound": klpm_switch_bound(p, k),
                 "window_bound": klpm_window_bound(p, k)},
        "corollary3_conditions": 0 < p.s < p.u and k > 1,
        "bounds_prove_klpm_better": len(rivals) == 2 and kub < min(rivals),
        "bound_best_k": bound_best_k(p),
    }


def bound_best_k(p: Def4) -> float:
    """Return the k minimising ``klpm_upper`` (always 1 or inf: see Theorem 4's remark)."""
    return 1 if klpm_upper(p, 1) <= klpm_upper(p, math.inf) else math.inf


# ------------------------------------------------------------------ explicit shuffles

def alternating_shuffle(p: Def4) -> list[int]:
    """Return owners 0,1,..,users-1,0,1,...: no two neighbours share a user (FCFS's worst)."""
    return [i % p.users for i in range(p.n)]


def starvation_shuffle(p: Def4) -> list[int]:
    """Return the LPM starvation shuffle: one query of each user 0..users-1, then the other
    repeats-1 queries of user 0, of user 1, ..., of user users-1."""
    return list(range(p.users)) + [x for x in range(p.users) for _ in range(p.repeats - 1)]


def instance_for(p: Def4, owners: list[int]) -> Instance:
    """Return the Definition-4 instance for an explicit shuffle ``owners`` (segments encoding:
    prefix segment key = user, document key = users + position; previous cache)."""
    if sorted(owners) != sorted(x for x in range(p.users) for _ in range(p.repeats)):
        raise InstanceError("owners: must list each user exactly `repeats` times")
    queries = []
    for i, x in enumerate(owners):
        units = (((x, p.u),) if p.u > 0 else ()) + ((p.users + i, p.d),)
        queries.append(Query(f"q{i}", i * p.s, units, True))
    return Instance(tuple(queries), CostModel(cache="previous"))


def derive() -> dict:
    """Return the sympy derivations (imports sympy): FCFS's Lindley maximum, LPM's starvation
    finish time, the s-thresholds where LPM's worst case exceeds FCFS's (``lpm_beats_fcfs_threshold_s``:
    above it the starvation shuffle is worse than FCFS's worst) and where LPM's upper bound drops
    below FCFS's worst case (``lpm_upper_below_fcfs_worst_s``), and the breakpoints of
    Theorem 4(b)'s window term. Keys map to sympy expressions or relations."""
    import sympy as sp
    u, d, s, U, r, k, i, m, o = sp.symbols("u d s U r k i m o", nonnegative=True)
    P, n = u + d, U * r
    # FCFS on an alternating shuffle: window of m+1 heads, arrival credit m*s, m in [0, n-1].
    window = P * (m + 1) - m * s
    fcfs = sp.Piecewise((window.subs(m, n - 1), P >= s), (window.subs(m, 0), True))
    # LPM starvation: users-1 full runs (u + r*d each), then the victim's head, credit (U-1)s.
    victim_finish = sp.summation(u + r * d, (i, 1, U - 1)) + P
    lpm_worst = sp.expand(victim_finish - (U - 1) * s)
    threshold = sp.solve(sp.Eq(lpm_worst, sp.expand(window.subs(m, n - 1))), s)
    lpm_below = sp.solve(sp.Eq(U * u + n * d, sp.expand(window.subs(m, n - 1))), s)
    cap = (U - 1) * (r - 1)
    breaks = {"young_cap": sp.solve(sp.Eq((k - 1) * (o + 1), cap), o),
              "all_left": sp.solve(sp.Eq((k - 1) * (o + 1), n - 1 - o), o)}
    return {"fcfs_upper": fcfs, "lpm_worst_lower": lpm_worst, "lower_any": U * u + n * d - (n - 1) * s,
            "lpm_beats_fcfs_threshold_s": threshold, "lpm_upper_below_fcfs_worst_s": lpm_below,
            "window_breakpoints": breaks,
            "symbols": (u, d, s, U, r, k)}
