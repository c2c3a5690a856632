"""``klpm plot``: re-draw a report's figures from its saved data (no recomputation)."""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

from theory.errors import InstanceError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``plot`` sub-command."""
    p = sub.add_parser(
        "plot", help="re-draw a report's figures from its CSV/JSON data",
        description="Re-draw the PNG figures of a `klpm reproduce` report directory from the "
                    "data files and figure specs (figures.json) saved in it.")
    p.add_argument("report_dir", help="report directory written by `klpm reproduce`")
    p.add_argument("--figure", action="append", default=None, metavar="NAME",
                   help="re-draw only this figure (repeatable; default: all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Re-draw the figures; print each PNG path."""
    from experiments.figures import draw
    from experiments.report import load_specs
    root = Path(args.report_dir)
    if not (root / "figures.json").is_file():
        raise InstanceError(f"{root}: not a report directory (no figures.json)")
    specs = load_specs(root)
    names = [s.name for s in specs]
    for name in args.figure or []:
        if name not in names:
            raise InstanceError(f"--figure: no figure {name!r} in {root} (have: {', '.join(names)})")
    for spec in specs:
        if args.figure and spec.name not in args.figure:
            continue
        if not (root / spec.data).is_file():
            raise InstanceError(f"figure {spec.name}: data file {spec.data} is missing")
        try:
            print(draw(spec, root))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:  # UnicodeDecodeError is a ValueError
            raise InstanceError(f"figure {spec.name}: {spec.data}: cannot read ({type(exc).__name__})") from None
        except ValueError as exc:  # our checks: they name the figure and file
            raise InstanceError(str(exc).splitlines()[0]) from None
    return 0
