"""Scale benchmark of the exact solvers (a script, not a test).

For each back-end (brute, dp, cpsat, milp), the wall time to *prove* the optimal maximum TTFT
as n grows, on Definition-4 and SGLang shared-prefix instances (and a variant with varied question lengths, so that no
two queries are twins), under the previous cache
(c_attn = 0, the paper's model) and the radix cache (c_attn = 0.01: with c_attn = 0 the radix
cell is polynomial and answered by FCFS). A back-end leaves a configuration at the first n it
cannot prove within the time limit (or refuses). Also times the polynomial FCFS answer on a
radix, c_attn = 0 instance of 10,000 (and 100,000) queries.

Writes bench_exact.csv, bench_exact.md and bench_exact.png into --out.
Usage: python3 experiments/bench_exact.py [--limit 60] [--grid 6,9,...] [--out DIR]
"""
from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from solvers.exact import Status, solve
from theory.instance import CostModel, Instance, Query
from theory.workloads import definition4, shared_prefix

METHODS = ("brute", "dp", "cpsat", "milp")
CACHES = (("previous", 0.0), ("radix", 0.01))
FAMILIES = ("definition4", "shared-prefix", "shared-prefix-varied")
USERS = 3


def build(family: str, n: int, cache: str, c_attn: float, seed: int = 0) -> Instance:
    """Return the family's instance with n queries (3 prefix groups), integer arrivals."""
    cost = CostModel(cache=cache, c_attn=c_attn)
    if family == "definition4":
        return definition4(u=100, d=50, s=40, users=USERS, repeats=n // USERS, seed=seed,
                           cost=cost, encoding="segments")
    if family == "shared-prefix-varied":
        return _varied(build("shared-prefix", n, cache, c_attn, seed), seed)
    inst = shared_prefix(groups=USERS, prompts_per_group=n // USERS, system_len=64, question_len=32,
                         rate=1 / 40, seed=seed, cost=cost, encoding="segments")
    # Poisson arrivals are irrational-looking floats; CP-SAT/MILP need exact integers.
    qs = tuple(Query(q.id, float(round(q.arrival)), q.units, q.segmented) for q in inst.queries)
    return Instance(qs, cost)


def _varied(inst: Instance, seed: int) -> Instance:
    """Return ``inst`` with each question resized to 16..48 tokens: no twin queries remain, so
    symmetry breaking cannot help (a harder, less regular control)."""
    import random
    rng = random.Random(seed)
    qs = []
    for q in inst.queries:
        key, _ = q.units[-1]
        qs.append(Query(q.id, q.arrival, q.units[:-1] + ((key, rng.randint(16, 48)),), q.segmented))
    return Instance(tuple(qs), inst.cost)


def run_grid(grid: list[int], limit: float, workers: int) -> list[dict]:
    """Return one row per (family, cache, method, n) tried."""
    rows = []
    for family in FAMILIES:
        for cache, c_attn in CACHES:
            for method in METHODS:
                for n in grid:
                    row = one(family, cache, c_attn, method, n, limit, workers)
                    rows.append(row)
                    print(row, flush=True)
                    if row["status"] != "OPTIMAL":
                        break
    return rows


def one(family: str, cache: str, c_attn: float, method: str, n: int, limit: float, workers: int) -> dict:
    """Return the row of one timed solve (status 'refused' when the back-end declines n)."""
    inst = build(family, n, cache, c_attn)
    row = {"family": family, "cache": cache, "c_attn": c_attn, "method": method, "n": n}
    t0 = time.perf_counter()
    try:
        res = solve(inst, objective="max-ttft", solver=method, time_limit=limit, workers=workers, seed=0)
    except Exception as exc:  # noqa: BLE001 - a refusal (InstanceError) ends this method's column
        row.update(status="refused", time_s=round(time.perf_counter() - t0, 3), value="", bound="",
                   note=str(exc)[:80])
        return row
    row.update(status=res.status.value, time_s=round(time.perf_counter() - t0, 3), value=res.value,
               bound=res.bound, note="")
    return row


def polynomial_rows(sizes: list[int]) -> list[dict]:
    """Return timings of the FCFS exact answer on radix, c_attn = 0 Definition-4 instances."""
    rows = []
    for n in sizes:
        inst = definition4(u=100, d=50, s=40, users=50, repeats=n // 50, seed=0,
                           cost=CostModel(cache="radix"), encoding="segments")
        t0 = time.perf_counter()
        res = solve(inst, objective="max-ttft")
        rows.append({"n": inst.n, "status": res.status.value, "method": res.method,
                     "value": res.value, "time_s": round(time.perf_counter() - t0, 3)})
        assert res.status is Status.OPTIMAL
        print(rows[-1], flush=True)
    return rows


def write(rows: list[dict], poly: list[dict], out: Path, limit: float, grid: list[int]) -> None:
    """Write the CSV, the Markdown table and the PNG plot."""
    out.mkdir(parents=True, exist_ok=True)
    keys = ["family", "cache", "c_attn", "method", "n", "status", "time_s", "value", "bound", "note"]
    with open(out / "bench_exact.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    lines = [f"Time to prove the optimal max TTFT (s), limit {limit:g} s, n grid {grid}; "
             "'-' = not tried (an earlier n failed), status other than OPTIMAL shown.", "",
             "| family | cache | method | " + " | ".join(f"n={n}" for n in grid) + " |",
             "|---|---|---|" + "---|" * len(grid)]
    for family in FAMILIES:
        for cache, _ in CACHES:
            for method in METHODS:
                cells = {r["n"]: r for r in rows if (r["family"], r["cache"], r["method"]) == (family, cache, method)}
                txt = [_cell(cells.get(n)) for n in grid]
                lines.append(f"| {family} | {cache} | {method} | " + " | ".join(txt) + " |")
    lines += ["", "Polynomial cell (radix, c_attn = 0, FCFS): " +
              ", ".join(f"n={r['n']}: {r['time_s']} s ({r['status']})" for r in poly)]
    (out / "bench_exact.md").write_text("\n".join(lines) + "\n")
    plot(rows, out / "bench_exact.png", limit)


def _cell(r: dict | None) -> str:
    if r is None:
        return "-"
    return f"{r['time_s']:.2f}" if r["status"] == "OPTIMAL" else f"{r['status']} ({r['time_s']:.0f})"


def plot(rows: list[dict], path: Path, limit: float) -> None:
    """Plot proof time against n, one panel per (family, cache) (matplotlib imported lazily)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(len(FAMILIES), 2, figsize=(10, 3.4 * len(FAMILIES)), sharey=True)
    for ax, (family, (cache, c)) in zip(axes.flat, [(f, cc) for f in FAMILIES for cc in CACHES]):
        for method in METHODS:
            pts = [(r["n"], r["time_s"]) for r in rows if (r["family"], r["cache"], r["method"]) == (family, cache, method)
                   and r["status"] == "OPTIMAL"]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=method)
        ax.axhline(limit, color="grey", ls="--", lw=0.8)
        ax.set(title=f"{family}, {cache} (c_attn={c:g})", xlabel="n", ylabel="seconds to prove", yscale="log")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    """Parse arguments, run the benchmark and write the outputs."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--grid", default="6,9,12,15,18,21,24,27,30,36")
    ap.add_argument("--poly", default="10000,100000")
    ap.add_argument("--out", default="reports/bench_exact")
    args = ap.parse_args()
    grid = [int(x) for x in args.grid.split(",")]
    poly = polynomial_rows([int(x) for x in args.poly.split(",") if x])
    rows = run_grid(grid, args.limit, args.workers)
    write(rows, poly, Path(args.out), args.limit, grid)


if __name__ == "__main__":
    main()
