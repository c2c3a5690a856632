"""``klpm import mooncake TRACE``: convert a request trace into the instance format."""
from __future__ import annotations

import argparse

from klpm.commands.generate import add_cost_options, cost_from_args, write_instance
from theory.errors import InstanceError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``import`` sub-command (one sub-command per trace format)."""
    p = sub.add_parser("import", help="import a request trace as an instance",
                       description="Import a request trace into the instance format (stdout when no -o).")
    formats = p.add_subparsers(dest="trace_format", metavar="FORMAT", required=True)
    m = formats.add_parser(
        "mooncake", help="Mooncake JSON-lines trace (timestamp ms, input_length, hash_ids)",
        description="Each 512-token hash block becomes a segment (hash_id, 512); the last, partial "
                    "block becomes (hash_id, remainder), so sizes sum to input_length. Arrivals "
                    "stay in milliseconds unless --time-unit s.")
    m.add_argument("trace", help="trace file (one JSON object a line)")
    m.add_argument("--limit", default=None, help="import only the first N requests")
    m.add_argument("--time-unit", default="ms", help="ms (as in the trace, default) or s")
    add_cost_options(m)
    m.add_argument("-o", "--output", default=None, help="output file (default stdout)")
    m.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Import the trace and write the instance; return the exit code."""
    from theory.traces import import_mooncake, trace_meta
    limit = None
    if args.limit is not None:
        try:
            limit = int(args.limit)
        except ValueError:
            raise InstanceError(f"limit: expected an integer, got {args.limit!r}") from None
    cost, bound = cost_from_args(args)
    instance = import_mooncake(args.trace, limit, cost=cost, ttft_bound=bound, time_unit=args.time_unit)
    write_instance(instance, trace_meta(args.trace, limit, args.time_unit), args.output)
    return 0
