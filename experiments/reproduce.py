"""``klpm reproduce``: run the experiment steps in order and write one report directory.

Each step is a function ``run(ctx)`` in its own module. A step that cannot run because a
component is missing raises ``Unavailable`` and is recorded as skipped with the reason; a step
that fails is recorded with its error, and the others still run. Nothing is ever filled in
for a skipped part.
"""
from __future__ import annotations

import datetime as dt
import time
import traceback
from pathlib import Path
from typing import Callable, Sequence

from experiments import (caches, calibration, engine, env_info, fig23, gaps_report, skew,
                         table1, trace)
from experiments.config import SCALES, Scale
from experiments.context import Context, Unavailable
from experiments.report import Report, md_table

STEPS: dict[str, Callable[[Context], None]] = {
    "calibration": calibration.run, "figures": fig23.run, "caches": caches.run, "skew": skew.run,
    "table1": table1.run, "gaps": gaps_report.run, "trace": trace.run, "engine": engine.run}
REPO = Path(__file__).resolve().parent.parent


def run_step(ctx: Context, name: str) -> dict:
    """Run one step; return its record {step, status, seconds, note}; status is ok, partial
    (ran, but recorded skipped parts), skipped (could not run at all) or failed."""
    t0 = time.perf_counter()
    status, note = "ok", ""
    skips_before = len(ctx.skips)
    try:
        STEPS[name](ctx)
        if len(ctx.skips) > skips_before:  # it ran, but some of its parts could not
            status = "partial"
            note = f"{len(ctx.skips) - skips_before} part(s) skipped: {ctx.skips[skips_before]}"
    except Unavailable as exc:
        status, note = "skipped", str(exc)
        sec = ctx.report.section(f"Step {name}: skipped")
        sec.text(ctx.skip(f"step {name}", note))
    except Exception as exc:  # noqa: BLE001 - one failing step must not lose the others
        status, note = "failed", f"{type(exc).__name__}: {exc}"
        sec = ctx.report.section(f"Step {name}: FAILED")
        sec.text(f"```\n{traceback.format_exc(limit=6)}\n```")
    return {"step": name, "status": status, "seconds": round(time.perf_counter() - t0, 2), "note": note}


def _sha256(path: Path) -> str | None:
    import hashlib
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def header(ctx: Context, records: list[dict], meta: dict) -> str:
    """Return the top of report.md: what ran, where, how long, what was skipped."""
    m = meta["machine"]
    lines = [f"# klpm reproduce — {ctx.scale.name} mode",
             f"Started {meta['started']}, finished {meta['finished']} "
             f"({meta['wall_seconds']:.0f} s wall). Machine: {m['platform']}, {m['cpu_count']} CPUs, "
             f"load average at start {m['load_average_at_start']}. klpm commit: {meta['commit']}. "
             f"Base seed {ctx.seed}; sweep seeds {ctx.seeds()}. Versions: "
             + ", ".join(f"{k} {v or 'not installed'}" for k, v in meta["versions"].items()) + "."
             + (f" Trace: {meta['trace']} (sha256 {(meta['trace_sha256'] or 'unreadable')[:16]}…)." if meta["trace"] else ""),
             "Every figure below is drawn from the CSV linked under it (`klpm plot DIR` re-draws "
             "them); meta.json holds the scale preset, seeds, versions and step timings.",
             md_table(["step", "status", "wall time (s)", "note"],
                      [[r["step"], r["status"], r["seconds"], r["note"]] for r in records])]
    if ctx.claims:
        lines.append("Claims at a glance (each decided from the data of the section named):\n\n"
                     + md_table(["where", "claim", "verdict"],
                                [[w, c.claim, c.verdict] for w, c in ctx.claims]))
    if ctx.skips:
        lines.append("Skipped parts:\n\n" + "\n".join(f"- {s}" for s in ctx.skips))
    return "\n\n".join(lines)


def reproduce(out_dir: Path, scale: Scale | str = "quick", *, seed: int = 0,
              steps: Sequence[str] | None = None, trace_path: Path | None = None,
              calibration_path: Path | None = None) -> Path:
    """Run the steps (all by default) at ``scale``; write the report; return report.md's path."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    names = [n for n in STEPS if steps is None or n in steps]  # canonical order, each once
    started = dt.datetime.now().astimezone()
    t0 = time.perf_counter()
    trace_path = trace_path if trace_path is not None else trace.default_trace(REPO)
    ctx = Context(Report(out_dir), scale, seed, trace_path, calibration_path)
    records = [run_step(ctx, name) for name in names]
    meta = {"started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "wall_seconds": time.perf_counter() - t0, "scale": scale.to_json(), "seed": seed,
            "seeds": ctx.seeds(), "steps": records, "skips": ctx.skips,
            "trace": str(trace_path) if trace_path else None,
            "trace_sha256": _sha256(trace_path) if trace_path else None,
            "calibration": ctx.calibration_note, "machine": env_info.machine_info(),
            "versions": env_info.package_versions(), "commit": env_info.git_commit(REPO)}
    return ctx.report.write(header(ctx, records, meta), meta)
