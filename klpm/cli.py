"""The ``klpm`` console script: one sub-command per module in ``klpm.commands``.

Each module there defines ``register(subparsers)`` and sets ``func`` on its parser. Bad input
(``InstanceError``) is reported in one line on stderr with exit code 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

import klpm.commands
from theory.errors import InstanceError


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr (exit code 2), like every
    other bad-input error of the CLI; sub-command parsers inherit the class."""

    def error(self, message: str):
        """Print ``<prog>: error: <message> (see <prog> --help)`` and exit with code 2."""
        if message.endswith("expected one argument"):  # argparse reads a value like -1,7,7 as an option
            message += " (a value that starts with '-' needs the form --option=VALUE)"
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command registered."""
    parser = OneLineParser(
        prog="klpm",
        description="Scheduling LLM queries with prefix reuse under TTFT limits: the model, "
                    "online policies (FCFS, LPM, k-LPM, ...), exact solvers, reductions, a real "
                    "engine and the paper's experiments. Instances follow klpm-instance/1.")
    parser.add_argument("--version", action="version", version=f"klpm {klpm.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(klpm.commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        importlib.import_module(f"klpm.commands.{info.name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 ok, 1 failure, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)  # a missing command is a one-line usage error (exit 2)
    try:
        return int(args.func(args) or 0)
    except InstanceError as exc:
        print(f"klpm {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:
        print("klpm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
