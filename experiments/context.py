"""What every reproduce step receives: the report, the scale, seeds, options and shared results.

A step that cannot run because a component is missing raises ``Unavailable`` with the reason;
the runner records it as a skip ("not available: ...") and never writes a number for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from experiments.config import Scale
from experiments.report import Report
from theory.instance import CostModel


class Unavailable(Exception):
    """A step (or part of one) cannot run: a component or input is missing."""


@dataclass
class Context:
    """Mutable state shared by the steps of one ``klpm reproduce`` run."""

    report: Report
    scale: Scale
    seed: int = 0
    trace_path: Path | None = None
    calibration_path: Path | None = None
    calibrated: CostModel | None = None
    calibration_note: str = "the calibration step was not run (--steps)"
    skips: list[str] = field(default_factory=list)
    shared: dict = field(default_factory=dict)   # e.g. the loaded model, reused by later steps
    report_rows: dict = field(default_factory=dict)  # rows a step computed, by data name
    claims: list = field(default_factory=list)  # (where, Claim) for the summary at the top

    def seeds(self) -> list[int]:
        """Return the seeds of the sweeps: the scale's offsets added to the base seed."""
        return [self.seed + s for s in self.scale.seeds]

    def skip(self, what: str, reason: str) -> str:
        """Record that ``what`` was skipped; return the Markdown line that says so."""
        line = f"not available: {what} — {reason}"
        self.skips.append(line)
        return f"> {line}"
