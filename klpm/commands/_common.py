"""Helpers shared by sub-commands: argument types, output formatting."""
from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, Sequence

from theory.errors import InstanceError
from theory.instance_io import decode_json


def k_value(text: str) -> float:
    """argparse type: an integer k >= 1, or ``inf``."""
    if text.strip().lower() in ("inf", "infinity"):
        return math.inf
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"k must be an integer >= 1 or 'inf', got {text!r}") from None
    if k < 1:
        raise argparse.ArgumentTypeError(f"k must be >= 1, got {k}")
    return k


def nonneg_float(text: str) -> float:
    """argparse type: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = nonneg_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _json_default(obj: Any) -> Any:
    if isinstance(obj, float) and math.isinf(obj):
        return "inf"
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def print_json(obj: Any) -> None:
    """Print one JSON object on stdout (inf written as the string "inf")."""
    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return "inf" if x > 0 else "-inf"
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x
    json.dump(clean(obj), sys.stdout)
    sys.stdout.write("\n")


def format_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Return a plain-text table with right-aligned columns."""
    def cell(x: Any) -> str:
        if isinstance(x, float):
            return f"{x:.4g}" if abs(x) < 1e6 else f"{x:.4e}"
        return str(x)
    cells = [list(header)] + [[cell(x) for x in r] for r in rows]
    widths = [max(len(r[c]) for r in cells) for c in range(len(header))]
    lines = ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def read_json_file(path: str, what: str) -> Any:
    """Return the decoded JSON in ``path``; InstanceError naming ``what`` on any failure."""
    try:
        with open(path) as fh:
            text = fh.read()
    except OSError as exc:
        raise InstanceError(f"{what} {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InstanceError(f"{what} {path}: not UTF-8 text") from None
    return decode_json(text, f"{what} {path}")


def add_cost_file_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--cost-file`` (a ``klpm calibrate`` output or a bare ``cost`` object)."""
    parser.add_argument("--cost-file", default=None,
                        help="replace the instance's base/per_token/c_attn by those in this file "
                             "(output of 'klpm calibrate' or a cost object); the cache model is kept")


def apply_cost_file(instance, path: str | None):
    """Return ``instance`` with the costs of ``path`` (its own cache model kept), or unchanged."""
    if path is None:
        return instance
    from theory.instance_io import load_cost_file
    cost = load_cost_file(path, cache=instance.cost.cache, capacity=instance.cost.capacity)
    return instance.with_cost(cost)


def write_text_file(path: str, text: str) -> None:
    """Write ``text`` to ``path``; InstanceError naming the output on failure."""
    try:
        with open(path, "w") as fh:
            fh.write(text)
    except OSError as exc:
        raise InstanceError(f"output {path}: cannot write ({exc.strerror})") from None


def write_json_file(path: str, data: Any) -> None:
    """Write ``data`` as indented JSON to ``path``; InstanceError naming the output on failure."""
    write_text_file(path, json.dumps(data, indent=1))


def print_result_json(out: dict, instance) -> None:
    """Print a result object with the instance's hash, cache model and cost model added
    (practice 12: a result names exactly what it was computed on)."""
    from theory.instance_io import cost_to_dict, instance_hash
    print_json({**out, "instance_hash": instance_hash(instance), "cache": instance.cost.cache,
                "cost": cost_to_dict(instance.cost)})
