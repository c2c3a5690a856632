"""``klpm generate``: write a generated workload (Definition 4, shared-prefix, paper-like).

The options of each workload are read from its generator's signature in ``theory.workloads``
(one source of defaults); values are checked there, so a bad value is a one-line error naming
the parameter (exit code 2). Cost options are shared with ``klpm import``.
"""
from __future__ import annotations

import argparse
import inspect
import math
import sys

from klpm.commands._common import write_text_file
from theory.errors import InstanceError
from theory.instance import CostModel

HELP = {
    "u": "user prefix length (tokens)", "d": "document length (tokens)",
    "s": "time between arrivals", "users": "number of users", "repeats": "queries per user prefix",
    "groups": "number of shared system prompts", "prompts_per_group": "questions per system prompt",
    "system_len": "system prompt length (tokens)", "question_len": "question length (tokens; mean for paper-like)",
    "rate": "Poisson arrival rate, queries per time unit ('inf': all at 0)",
    "queries_per_user": "queries per user", "instruction_len": "instruction length shared by all (tokens)",
    "profile_len": "mean profile length per user (tokens)", "history_len": "mean history length per user (tokens)",
    "max_len": "longest prompt; longer ones have their history cut", "seed": "random seed",
    "encoding": "'tokens' (token ids) or 'segments' (one keyed segment per part)",
    "zipf": "user popularity skew a: each query's user drawn with probability ~ 1/rank^a (0: every user has queries_per_user)",
}
KINDS = {"definition4": "the paper's Definition 4 (regular arrivals, shuffled, height-two prefix tree)",
         "shared-prefix": "SGLang's generated-shared-prefix shape with Poisson arrivals",
         "paper-like": "instruction + per-user profile/history + question, shuffled, Poisson"}


def add_cost_options(p: argparse.ArgumentParser) -> None:
    """Add --cache, --capacity, --c-attn, --per-token, --base and --ttft-bound to ``p``."""
    g = p.add_argument_group("cost model (stored in the instance)")
    g.add_argument("--cache", default="previous", help="previous | radix | lru (default previous)")
    g.add_argument("--capacity", default=None, help="lru capacity in tokens (required with --cache lru)")
    g.add_argument("--c-attn", default="0", help="attention weight c_attn (default 0)")
    g.add_argument("--per-token", default="1", help="time per uncached token (default 1)")
    g.add_argument("--base", default="0", help="fixed time per query (default 0)")
    g.add_argument("--ttft-bound", default=None, help="TTFT bound T stored in the instance (default none)")


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InstanceError(f"{name}: expected a number, got {text!r}") from None
    return int(value) if value.is_integer() else value  # 1, not 1.0, in written files


def cost_from_args(args: argparse.Namespace) -> tuple[CostModel, float | None]:
    """Return the validated (cost model, TTFT bound) given by the cost options."""
    from theory.instance_io import parse_cost
    raw: dict = {"cache": args.cache, "c_attn": _number("c_attn", args.c_attn),
                 "per_token": _number("per_token", args.per_token), "base": _number("base", args.base)}
    if args.capacity is not None:
        try:
            raw["capacity"] = int(args.capacity)
        except ValueError:
            raise InstanceError(f"capacity: expected an integer, got {args.capacity!r}") from None
    cost = parse_cost(raw, "cost")
    bound = None
    if args.ttft_bound is not None:
        bound = _number("ttft_bound", args.ttft_bound)
        if not math.isfinite(bound) or bound < 0:
            raise InstanceError(f"ttft_bound: must be a finite number >= 0, got {args.ttft_bound!r}")
    return cost, bound


def write_instance(instance, meta: dict, output: str | None) -> None:
    """Write ``instance`` with ``meta`` to ``output``, or to stdout when ``output`` is None."""
    from theory.instance_io import dumps_instance
    text = dumps_instance(instance, meta)
    if output is None:
        sys.stdout.write(text)
        return
    write_text_file(output, text)
    print(f"wrote {instance.n} queries to {output}", file=sys.stderr)


def _generator_params(kind: str) -> list[inspect.Parameter]:
    from theory.workloads import GENERATORS
    sig = inspect.signature(GENERATORS[kind])
    return [p for p in sig.parameters.values() if p.name not in ("cost", "ttft_bound")]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``generate`` sub-command with one sub-command per workload."""
    p = sub.add_parser("generate", help="generate a workload instance",
                       description="Generate a seeded workload and write it in the instance format "
                                   "(stdout when no -o). Parameters and seed are stored in 'meta'.")
    kinds = p.add_subparsers(dest="kind", metavar="WORKLOAD", required=True)
    for kind, text in KINDS.items():
        k = kinds.add_parser(kind, help=text, description=text)
        for param in _generator_params(kind):
            flag = "--" + param.name.replace("_", "-")
            k.add_argument(flag, dest=param.name, default=None,
                           help=f"{HELP.get(param.name, param.name)} (default {param.default})")
        add_cost_options(k)
        k.add_argument("-o", "--output", default=None, help="output file (default stdout)")
        k.set_defaults(func=run)


def _convert(param: inspect.Parameter, text: str):
    if isinstance(param.default, str):
        return text
    value = _number(param.name, text)
    if isinstance(param.default, int) and not isinstance(param.default, bool):
        if not float(value).is_integer():
            raise InstanceError(f"{param.name}: must be an integer, got {text!r}")
        return int(value)
    return value


def run(args: argparse.Namespace) -> int:
    """Generate the workload and write it; return the exit code."""
    from theory.workloads import generate
    params = {p.name: _convert(p, getattr(args, p.name)) for p in _generator_params(args.kind)
              if getattr(args, p.name) is not None}
    cost, bound = cost_from_args(args)
    workload = generate(args.kind, cost=cost, ttft_bound=bound, **params)
    write_instance(workload.instance, workload.meta, args.output)
    return 0
