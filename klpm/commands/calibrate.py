"""``klpm calibrate``: fit base, per_token and c_attn to measured prefill times on a device."""
from __future__ import annotations

import argparse

from klpm.commands._common import format_table, write_json_file, positive_int, print_json
from klpm.commands.serve_bench import _config, add_engine_options
from theory.errors import InstanceError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` sub-command."""
    p = sub.add_parser(
        "calibrate", help="fit the cost model to measured prefill times",
        description="Time prefills over a grid of (prompt length, cached prefix) on the device, fit "
                    "base + (per_token + c_attn*L)*(L - P) by non-negative least squares, print the "
                    "fit (R², max relative error) and write the cost object (seconds) with -o.")
    add_engine_options(p)
    p.add_argument("--quick", action="store_true", help="small grid (lengths 16..256), two repeats")
    p.add_argument("--lengths", default=None, help="comma-separated prompt lengths (tokens)")
    p.add_argument("--repeats", type=positive_int, default=3, help="timings per point, fastest kept")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("-o", "--output", default=None, help="write the calibration JSON here")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Calibrate and report; return the exit code."""
    lengths = None
    if args.lengths is not None:
        try:
            lengths = [int(x) for x in args.lengths.split(",")]
        except ValueError:
            raise InstanceError(f"--lengths: expected comma-separated integers, got {args.lengths!r}") from None
    if args.quick and (args.repeats != 3 or lengths is not None):
        raise InstanceError("--quick fixes the grid and 2 repeats; drop --quick to set --lengths/--repeats")
    from gpu_runtime.calibrate import calibrate
    cal = calibrate(_config(args), quick=args.quick, lengths=lengths, repeats=args.repeats)
    data = cal.to_json()
    if args.output:
        write_json_file(args.output, data)
    if args.json:
        print_json(data)
        return 0
    c = cal.cost
    print(format_table(("device", "model", "base_s", "per_token_s", "c_attn_s", "r2", "max_rel_err"),
                       [[cal.device, cal.model, c.base, c.per_token, c.c_attn, cal.r2, cal.max_rel_error]]))
    return 0
