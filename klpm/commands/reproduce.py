"""``klpm reproduce``: regenerate the paper's experiments and write a report directory."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from theory.errors import InstanceError

STEP_NAMES = ("calibration", "figures", "caches", "skew", "table1", "gaps", "trace", "engine")
MAX_SEED = 2**31 - 1  # sweeps derive seeds as seed * 100003 + i; keep them within 64 bits


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``reproduce`` sub-command."""
    p = sub.add_parser(
        "reproduce", help="reproduce the paper's experiments and write a report directory",
        description="Run the experiments (Figure 2/3 and Table 1 analogs, cache models side by "
                    "side, approximation gaps against the exact optimum, the Mooncake trace, the "
                    "real engine) and write DIR/report.md with every figure, its CSV/JSON data, "
                    "seeds, versions, machine and wall time per step. Missing components are "
                    "reported as skipped, never filled in.")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="scale", action="store_const", const="quick",
                      help="reduced scale, a few minutes on 2 cores (default)")
    mode.add_argument("--full", dest="scale", action="store_const", const="full",
                      help="the paper's scale (about 2,000 prompts of up to 8k tokens); long")
    mode.add_argument("--tiny", dest="scale", action="store_const", const="tiny",
                      help="seconds; for tests and smoke checks")
    p.set_defaults(scale="quick")
    p.add_argument("-o", "--output", default=None,
                   help="report directory (default ./reports/<timestamp>)")
    p.add_argument("--seed", type=int, default=0, help=f"base seed, 0 .. {MAX_SEED} (default 0)")
    p.add_argument("--steps", nargs="+", default=None, metavar="STEP",
                   help=f"run only these steps (any of {', '.join(STEP_NAMES)}; commas allowed); "
                        "they run in that canonical order, and --calibration FILE adds calibration")
    p.add_argument("--trace", default=None,
                   help="Mooncake trace (default: ../shared/data/mooncake_synthetic_trace.jsonl "
                        "next to the current directory or the repository, if present)")
    p.add_argument("--calibration", default=None,
                   help="calibration JSON (base, per_token, c_attn) from `klpm calibrate`; "
                        "default: run a short calibration in quick/full mode when available")
    p.set_defaults(func=run)


def parse_steps(values: list[str] | None) -> list[str] | None:
    """Return the step names asked for (commas or spaces); InstanceError for unknown ones."""
    if values is None:
        return None
    names = [v.strip() for item in values for v in item.split(",") if v.strip()]
    if not names:
        raise InstanceError(f"--steps: no step named (choose from {', '.join(STEP_NAMES)})")
    for name in names:
        if name not in STEP_NAMES:
            raise InstanceError(f"--steps: unknown step {name!r} (choose from {', '.join(STEP_NAMES)})")
        if names.count(name) > 1:
            raise InstanceError(f"--steps: step {name!r} named twice")
    return [name for name in STEP_NAMES if name in names]  # canonical order: calibration first


def run(args: argparse.Namespace) -> int:
    """Run the experiments; print the path of report.md."""
    from experiments.reproduce import reproduce
    steps = parse_steps(args.steps)
    if not 0 <= args.seed <= MAX_SEED:
        raise InstanceError(f"--seed: must be in [0, {MAX_SEED}], got {args.seed}")
    for option, value in (("-o/--output", args.output), ("--trace", args.trace), ("--calibration", args.calibration)):
        if value is not None and not value.strip():
            raise InstanceError(f"{option}: empty path")
    trace = Path(args.trace) if args.trace else None
    if trace is not None:
        if not trace.is_file():
            raise InstanceError(f"--trace: no such file {args.trace}")
        from theory.traces import import_mooncake
        import_mooncake(trace)  # a malformed trace is bad input (exit 2), not a failed step
    calib = Path(args.calibration) if args.calibration else None
    if calib is not None:
        if not calib.is_file():
            raise InstanceError(f"--calibration: no such file {args.calibration}")
        from experiments.calibration import from_file
        from_file(calib)  # a malformed file is bad input (exit 2), not a skipped step
        if steps is not None and "calibration" not in steps:
            steps = ["calibration"] + steps  # the file is read by the calibration step
    out = Path(args.output) if args.output else \
        Path("reports") / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InstanceError(f"-o/--output: {out} exists and is not an empty directory (old files "
                            "would mix with the new report); choose a new directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InstanceError(f"-o/--output: cannot create {out} ({exc.strerror or exc})") from None
    path = reproduce(out, args.scale, seed=args.seed, steps=steps, trace_path=trace,
                     calibration_path=calib)
    print(path)
    failed = [s for s in _statuses(out) if s == "failed"]
    if failed:
        print(f"klpm reproduce: {len(failed)} step(s) failed; see {path}", file=sys.stderr)
        return 1
    return 0


def _statuses(out: Path) -> list[str]:
    import json
    return [r["status"] for r in json.loads((out / "meta.json").read_text())["steps"]]
