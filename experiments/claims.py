"""The paper's qualitative claims, decided from the data of a rate sweep (never hard-coded).

Input rows are those of ``experiments.sweep`` (one per policy, load and seed) for one cost
model and cache; metrics are aggregated over seeds by the median. Each function returns a
``Claim`` whose verdict and sentence are computed from the rows it is given.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Sequence

REL_TOL = 1e-9
# A policy "beats" another only by at least this relative margin: smaller differences between
# medians are within the seed-to-seed spread of these sweeps and count as ties.
MARGIN = 0.01


@dataclass(frozen=True)
class Claim:
    """A claim checked on data: its verdict ("holds", "partly", "does not hold") and evidence."""

    claim: str
    verdict: str
    detail: str

    def sentence(self) -> str:
        """Return one Markdown line stating the claim, the verdict and the evidence."""
        return f"- *{self.claim}*: **{self.verdict}**. {self.detail}"


def aggregate(rows: Sequence[dict], metric: str) -> dict[tuple[str, float], float]:
    """Return {(policy, load): median over seeds of ``metric``}."""
    groups: dict[tuple[str, float], list[float]] = {}
    for r in rows:
        groups.setdefault((r["policy"], float(r["load"])), []).append(float(r[metric]))
    return {key: statistics.median(v) for key, v in groups.items()}


def _verdict(hits: int, total: int, need_majority: bool = False) -> str:
    if total == 0:
        return "not decidable (no data)"
    if hits == total:
        return "holds"
    if need_majority:
        return "holds" if hits * 2 > total else "does not hold"
    return "partly" if hits else "does not hold"


def _less(a: float, b: float) -> bool:
    return a < b - REL_TOL * max(1.0, abs(b))


def _clearly_less(a: float, b: float) -> bool:
    """Return True when ``a`` is below ``b`` by more than ``MARGIN`` (relative)."""
    return a < b * (1 - MARGIN) - REL_TOL


def upper_loads(loads: Sequence[float]) -> list[float]:
    """Return the medium-to-high loads: the upper half of the sorted distinct loads."""
    distinct = sorted(set(loads))
    return distinct[len(distinct) // 2:]


def klpm_beats_fcfs_and_lpm(rows: Sequence[dict], metric: str = "p99") -> Claim:
    """Claim: some k-LPM (finite k >= 2) has lower ``metric`` than FCFS and LPM at medium to
    high load (the upper half of the loads swept)."""
    agg = aggregate(rows, metric)
    finite = sorted({p for p, _ in agg if p.startswith("klpm") and p not in ("klpm1", "klpminf")})
    loads = upper_loads([ld for _, ld in agg])
    wins, notes = 0, []
    for ld in loads:
        base = [agg[(p, ld)] for p in ("fcfs", "lpm", "klpm1", "klpminf") if (p, ld) in agg]
        mine = [(agg[(p, ld)], p) for p in finite if (p, ld) in agg]
        if not base or not mine:
            continue
        best, who = min(mine)
        if _clearly_less(best, min(base)):
            wins += 1
            notes.append(f"load {ld:g}: {who} {best:.4g} vs best of FCFS/LPM {min(base):.4g}")
        else:
            notes.append(f"load {ld:g}: best k-LPM ({who}) {best:.4g} is not {MARGIN:.0%} below {min(base):.4g}")
    return Claim(f"k-LPM has lower {metric.upper()} TTFT than both FCFS and LPM at medium to high load",
                 _verdict(wins, len(loads)),
                 f"Below both by more than {MARGIN:.0%} at {wins} of {len(loads)} loads in the upper half "
                 f"({'; '.join(notes)}).")


def k2_best(rows: Sequence[dict], metric: str = "p99") -> Claim:
    """Claim: k = 2 has the lowest ``metric`` among all k at most loads (ties count as best)."""
    agg = aggregate(rows, metric)
    ks = sorted({p for p, _ in agg if p.startswith("klpm")} | ({"fcfs", "lpm"} & {p for p, _ in agg}))
    loads = sorted({ld for _, ld in agg})
    hits, best_at = 0, []
    for ld in loads:
        vals = {p: agg[(p, ld)] for p in ks if (p, ld) in agg}
        if "klpm2" not in vals:
            continue
        low = min(vals.values())
        if not _clearly_less(low, vals["klpm2"]):
            hits += 1
        tied = [p for p in ks if p in vals and not _clearly_less(low, vals[p])]
        best_at.append(f"{ld:g}: {'/'.join(tied) if len(tied) <= 3 else f'{len(tied)} tied'}")
    return Claim(f"k = 2 gives the lowest {metric.upper()} TTFT at most rates",
                 _verdict(hits, len(best_at), need_majority=True),
                 f"k = 2 best or within {MARGIN:.0%} of the best at {hits} of {len(best_at)} loads; "
                 f"best policies per load (within {MARGIN:.0%}): {', '.join(best_at)}.")


def fcfs_minimises_max(rows: Sequence[dict]) -> Claim:
    """Check (issue 7): FCFS's max TTFT is <= every other policy's on each (load, seed) run."""
    runs: dict[tuple[float, int], dict[str, float]] = {}
    for r in rows:
        runs.setdefault((float(r["load"]), int(r["seed"])), {})[r["policy"]] = float(r["max"])
    hits, total, worst = 0, 0, []
    for key, vals in sorted(runs.items()):
        if "fcfs" not in vals:
            continue
        total += 1
        others = min(vals.values())
        if not _less(others, vals["fcfs"]):
            hits += 1
        else:
            worst.append(f"load {key[0]:g} seed {key[1]}")
    detail = f"FCFS had the smallest maximum TTFT in {hits} of {total} runs"
    if worst:
        more = f" and {len(worst) - 5} more" if len(worst) > 5 else ""
        detail += f" (not in: {', '.join(worst[:5])}{more})."
    else:
        detail += "."
    return Claim("FCFS minimises the maximum TTFT", _verdict(hits, total), detail)
