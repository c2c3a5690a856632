"""``klpm reduce``: build 3-PARTITION reductions and map schedules back to partitions.

- ``klpm reduce 3-partition --numbers 4,5,6,... [--variant V] [--percentile P] [-o FILE]``
  writes the reduced instance (meta records the numbers, the reduction and its version);
- ``klpm reduce check FILE --order ORDER.json`` evaluates an order with theory.evaluate, says
  whether it meets T and prints the partition it encodes (exit 1 if it does not meet T).
"""
from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType
from typing import Any

from klpm.commands._common import print_json, read_json_file
from theory.errors import InstanceError

VARIANTS = {"previous": "proofs.reduction_previous", "lru": "proofs.reduction_lru",
            "radix": "proofs.reduction_radix"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``reduce`` sub-command with its ``3-partition`` and ``check`` actions."""
    p = sub.add_parser("reduce", help="NP-hardness reductions from 3-PARTITION (build, check)",
                       description="Build the instance of a 3-PARTITION reduction, or map an order "
                                   "of such an instance back to the partition it encodes. Proofs: "
                                   "proofs/README.md.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    build = actions.add_parser("3-partition", help="reduce a 3-PARTITION instance to a scheduling instance",
                               description="B is inferred as sum/m (m = count/3); every number must "
                                           "satisfy B/4 < a < B/2.")
    build.add_argument("--numbers", required=True, help="comma-separated positive integers (3m of them)")
    build.add_argument("--variant", choices=sorted(VARIANTS), default="previous",
                       help="previous (Theorem 1, default), lru (Theorem 2), radix with c_attn=1 (Theorem 3)")
    build.add_argument("--percentile", metavar="P", default=None,
                       help="add dummies for the percentile version with fraction P in (0,1) (Theorem 4; "
                            "variants previous and radix)")
    build.add_argument("-o", "--output", default=None, help="write the instance here (default: stdout)")
    build.set_defaults(func=run_build)
    check = actions.add_parser("check", help="evaluate an order of a reduced instance and read off its partition")
    check.add_argument("instance", help="instance written by `klpm reduce 3-partition`")
    check.add_argument("--order", required=True,
                       help="JSON list of query ids, or a JSON object with \"order\" (klpm simulate/solve --json)")
    check.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    check.set_defaults(func=run_check)


def parse_numbers(text: str) -> list[int]:
    """Return the integers of a comma-separated list (InstanceError naming the bad item)."""
    out = []
    for k, item in enumerate(text.split(",")):
        try:
            out.append(int(item.strip()))
        except ValueError:
            raise InstanceError(f"--numbers: item {k} is not an integer: {item.strip()!r}") from None
    return out


def _module(variant: str) -> ModuleType:
    return importlib.import_module(VARIANTS[variant])


def run_build(args: argparse.Namespace) -> int:
    """Write the reduced instance; return the exit code."""
    from proofs import reduction_percentile
    from proofs.three_partition import ThreePartition
    from theory.instance_io import dumps_instance, save_instance
    tp = ThreePartition.from_numbers(parse_numbers(args.numbers))
    mod = _module(args.variant)
    meta: dict[str, Any] = {"source": {"problem": "3-partition", "numbers": list(tp.numbers), "B": tp.B},
                            "variant": args.variant}
    if args.percentile is None:
        inst = mod.reduce(tp)
        meta.update(reduction=mod.NAME, version=mod.VERSION)
    else:
        if args.variant not in reduction_percentile.BASES:
            raise InstanceError(f"--percentile: only with variants {sorted(reduction_percentile.BASES)}")
        p = reduction_percentile.fraction(args.percentile)
        inst = reduction_percentile.reduce(tp, p, args.variant)
        meta.update(reduction=reduction_percentile.NAME, version=reduction_percentile.VERSION, p=str(p),
                    required_on_time=reduction_percentile.required_on_time(inst.n, p))
    if args.output is None:
        sys.stdout.write(dumps_instance(inst, meta))
    else:
        save_instance(inst, args.output, meta)
        print(f"wrote {args.output}: {meta['reduction']} of m = {tp.m}, B = {tp.B}: "
              f"{inst.n} queries, T = {inst.ttft_bound}, cache {inst.cost.cache}", file=sys.stderr)
    return 0


def _read_order(path: str) -> list:
    data = read_json_file(path, "order file")
    if isinstance(data, dict):
        if "order" not in data:
            raise InstanceError(f"order file {path}: JSON object without an \"order\" field")
        if data["order"] is None:
            raise InstanceError(f"order file {path}: the result holds no order "
                                f"(status {data.get('status', 'unknown')}): nothing to check")
        data = data["order"]
    if not isinstance(data, list):
        raise InstanceError(f"order file {path}: expected a JSON list of query ids")
    return data


def _source(meta: Any, path: str):
    from proofs.three_partition import ThreePartition
    if not isinstance(meta, dict) or not isinstance(meta.get("source"), dict):
        raise InstanceError(f"{path}: meta.source missing: not written by `klpm reduce 3-partition`")
    nums, B = meta["source"].get("numbers"), meta["source"].get("B")
    if not isinstance(nums, list):
        raise InstanceError(f"{path}: meta.source.numbers must be a list")
    if meta.get("variant") not in VARIANTS:
        raise InstanceError(f"{path}: meta.variant must be one of {sorted(VARIANTS)}")
    return ThreePartition(tuple(nums), B)


def run_check(args: argparse.Namespace) -> int:
    """Evaluate the order, report whether it meets T and print its partition; return the exit code."""
    from proofs import reduction_percentile
    from theory.evaluate import evaluate, order_from_ids
    from theory.instance_io import parse_instance
    obj = read_json_file(args.instance, "instance")
    inst = parse_instance(obj)
    meta = obj.get("meta")
    tp = _source(meta, args.instance)
    order = order_from_ids(inst, _read_order(args.order))
    ev = evaluate(inst, order)
    T = inst.ttft_bound
    on_time = inst.n - ev.violations(T)
    percentile = meta.get("reduction") == reduction_percentile.NAME
    need = reduction_percentile.required_on_time(inst.n, reduction_percentile.fraction(meta.get("p"))) \
        if percentile else inst.n
    ok = on_time >= need
    partition = None
    if ok:
        partition = (reduction_percentile.backward(tp, meta["p"], inst, order, meta["variant"]) if percentile
                     else _module(meta["variant"]).backward(tp, inst, order))
    report(args, tp, inst, ev, on_time, need, partition)
    return 0 if ok else 1


def report(args, tp, inst, ev, on_time: int, need: int, partition) -> None:
    """Print the check's verdict and triples (text or one JSON object)."""
    T = inst.ttft_bound
    if args.json:
        print_json({"meets": partition is not None, "ttft_bound": T, "max_ttft": ev.max_ttft,
                    "on_time": on_time, "required_on_time": need,
                    "partition": None if partition is None else [list(t) for t in partition],
                    "triples": None if partition is None else [[tp.numbers[i] for i in t] for t in partition]})
        return
    what = "meets T" if need == inst.n else f"meets T for at least {need} queries"
    verdict = what if partition is not None else f"does NOT {what.replace('meets', 'meet')}"
    print(f"order {verdict}: max TTFT {ev.max_ttft:g}, T = {T:g}, on time {on_time}/{inst.n} (need {need})")
    if partition is None:
        return
    print(f"partition into {tp.m} triples summing to B = {tp.B}:")
    for k, t in enumerate(partition, 1):
        terms = " + ".join(f"a[{i}]={tp.numbers[i]}" for i in t)
        print(f"  triple {k}: {terms} = {sum(tp.numbers[i] for i in t)}")
