"""The report directory: report.md, data files, figures, saved instances and metadata.

Layout::

    report.md        every section, figure and table
    figures.json     the FigureSpec of every figure (``klpm plot`` re-draws from it)
    meta.json        seeds, scale, package versions, machine, wall time and status per step
    data/*.csv|json  what each figure and table was computed from
    figures/*.png    the figures
    instances/*.json instances saved for the record (worst cases ...)

``Report`` is the mutable writer steps append to; ``Section`` holds one step's Markdown.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from experiments.figures import FigureSpec, draw, spec_from_json
from theory.errors import InstanceError
from theory.instance_io import decode_json


def fmt(x: Any) -> str:
    """Return a compact text form of a table cell."""
    if isinstance(x, float):
        if math.isinf(x):
            return "inf"
        return f"{x:.4g}" if abs(x) < 1e6 else f"{x:.3e}"
    return str(x)


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Return a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(x) for x in r) + " |" for r in rows]
    return "\n".join(lines)


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return "inf" if x > 0 else ("-inf" if x < 0 else "nan")
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


@dataclass
class Section:
    """One step's part of report.md (mutable)."""

    title: str
    blocks: list[str] = field(default_factory=list)

    def text(self, markdown: str) -> None:
        """Append a paragraph."""
        self.blocks.append(markdown.strip())

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]], caption: str = "") -> None:
        """Append a Markdown table (with an optional caption line above it)."""
        self.blocks.append((f"*{caption}*\n\n" if caption else "") + md_table(header, rows))


class Report:
    """Writes a report directory; steps call ``section``, ``csv``, ``json`` and ``figure``."""

    def __init__(self, directory: Path) -> None:
        self.dir = Path(directory)
        for sub in ("data", "figures", "instances"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        self.sections: list[Section] = []
        self.figures: list[FigureSpec] = []
        self.steps: list[dict] = []

    def section(self, title: str) -> Section:
        """Return a new section appended to the report."""
        sec = Section(title)
        self.sections.append(sec)
        return sec

    def csv(self, name: str, rows: Sequence[dict], columns: Sequence[str] | None = None) -> str:
        """Write ``rows`` to data/NAME.csv; return the relative path."""
        columns = list(columns or (rows[0].keys() if rows else []))
        rel = f"data/{name}.csv"
        with open(self.dir / rel, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for r in rows:
                writer.writerow({k: fmt_csv(r.get(k)) for k in columns})
        return rel

    def json(self, name: str, obj: Any, folder: str = "data") -> str:
        """Write ``obj`` to FOLDER/NAME.json (inf as "inf"); return the relative path."""
        rel = f"{folder}/{name}.json"
        (self.dir / rel).write_text(json.dumps(_clean(obj), indent=1) + "\n")
        return rel

    def figure(self, section: Section, spec: FigureSpec, caption: str = "") -> None:
        """Draw ``spec`` from its data, record it and reference it from ``section``."""
        draw(spec, self.dir)
        self.figures.append(spec)
        section.blocks.append(f"![{spec.title}]({spec.png})\n\n*{caption or spec.title}* "
                              f"(data: [{spec.data}]({spec.data}))")

    def write(self, header: str, meta: dict) -> Path:
        """Write report.md, figures.json and meta.json; return the report.md path."""
        (self.dir / "figures.json").write_text(
            json.dumps([s.to_json() for s in self.figures], indent=1) + "\n")
        (self.dir / "meta.json").write_text(json.dumps(_clean(meta), indent=1) + "\n")
        parts = [header.strip()]
        for sec in self.sections:
            parts.append(f"## {sec.title}\n\n" + "\n\n".join(sec.blocks))
        path = self.dir / "report.md"
        path.write_text("\n\n".join(parts) + "\n")
        return path


def fmt_csv(x: Any) -> Any:
    """Return a CSV cell: floats in full precision, inf as "inf", None as empty."""
    if x is None:
        return ""
    if isinstance(x, float):
        return "inf" if x == math.inf else repr(x)
    return x


def load_specs(report_dir: Path) -> list[FigureSpec]:
    """Return the FigureSpecs saved in REPORT_DIR/figures.json."""
    path = Path(report_dir) / "figures.json"
    data = decode_json(path.read_text(), str(path))
    if not isinstance(data, list) or not data:
        raise InstanceError(f"{path}: must be a non-empty JSON list of figure specs")
    try:
        specs = [spec_from_json(d, f"{path}[{i}]") for i, d in enumerate(data)]
    except ValueError as exc:
        raise InstanceError(str(exc)) from None
    if len({s.name for s in specs}) != len(specs):
        raise InstanceError(f"{path}: two figures share a name")
    return specs
