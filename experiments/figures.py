"""Data-driven figures: each PNG is drawn from one CSV file by a spec saved in figures.json.

A ``FigureSpec`` names the figure, its kind, its data file (relative to the report directory)
and the kind's parameters. ``draw`` reads only the CSV, so ``klpm plot`` can re-draw every
figure of a report without recomputing anything. Kinds:

- ``lines``: x against metrics, one line per series (median over the rows sharing x and series,
  e.g. seeds, with a min-max band); one panel per metric, or per value of ``facet``.
- ``bars``: grouped bars, x categories = metrics, one bar per series (mean over rows), one panel
  per value of ``facet``.
- ``box``: the distribution of one metric per series, one panel per value of ``facet``.
"""
from __future__ import annotations

import csv
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FigureSpec:
    """How to draw one figure: ``data`` is a CSV path relative to the report directory."""

    name: str
    kind: str
    data: str
    title: str
    params: dict = field(default_factory=dict)

    @property
    def png(self) -> str:
        """Return the PNG path relative to the report directory."""
        return f"figures/{self.name}.png"

    def to_json(self) -> dict:
        """Return the spec as a JSON-ready dict."""
        return asdict(self)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Return the rows of a CSV file as dicts of strings."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def _num(text: str) -> float:
    return float(text)


def _ordered(values, order: list | None) -> list:
    seen = list(dict.fromkeys(values))
    if not order:
        return seen
    return [v for v in order if v in seen] + [v for v in seen if v not in order]


def _panels(n: int, title: str):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cols = min(n, 2 if n == 4 else 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.8 * rows), squeeze=False)
    fig.suptitle(title)
    flat = [ax for row in axes for ax in row]
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def _facets(rows: list[dict], p: dict) -> list[tuple[str, list[dict], str]]:
    """Return (panel title, rows, metric) triples."""
    facet = p.get("facet")
    metrics = p["metrics"]
    if facet:
        values = _ordered((r[facet] for r in rows), p.get("facet_order"))
        return [(f"{facet} = {v}", [r for r in rows if r[facet] == v], metrics[0]) for v in values]
    return [(m.upper(), rows, m) for m in metrics]


def _draw_lines(spec: FigureSpec, rows: list[dict]):
    p = spec.params
    panels = _facets(rows, p)
    fig, axes = _panels(len(panels), spec.title)
    for ax, (title, sub, metric) in zip(axes, panels):
        for series in _ordered((r[p["series"]] for r in sub), p.get("series_order")):
            pts: dict[float, list[float]] = {}
            for r in sub:
                if r[p["series"]] == series and r[metric] != "":
                    pts.setdefault(_num(r[p["x"]]), []).append(_num(r[metric]))
            xs = sorted(pts)
            mid = [statistics.median(pts[x]) for x in xs]
            line, = ax.plot(xs, mid, marker="o", ms=3, label=series)
            if any(len(pts[x]) > 1 for x in xs):
                ax.fill_between(xs, [min(pts[x]) for x in xs], [max(pts[x]) for x in xs],
                                color=line.get_color(), alpha=0.15, linewidth=0)
        ax.set_title(title if p.get("facet") else f"{title} {p.get('ylabel', '')}".strip())
        ax.set_xlabel(p.get("xlabel", p["x"]))
        ax.set_ylabel(p.get("ylabel", metric))
        if p.get("logy"):
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    return fig


def _series_panels(spec: FigureSpec, rows: list[dict]):
    """Return (figure, [(axes, panel title, rows of the panel, series names)]) for bars and box."""
    p = spec.params
    facet = p.get("facet")
    values = _ordered((r[facet] for r in rows), p.get("facet_order")) if facet else [None]
    fig, axes = _panels(len(values), spec.title)
    panels = []
    for ax, v in zip(axes, values):
        sub = [r for r in rows if facet is None or r[facet] == v]
        panels.append((ax, f"{facet} = {v}" if facet else "", sub,
                       _ordered((r[p["series"]] for r in sub), p.get("series_order"))))
    return fig, panels


def _draw_bars(spec: FigureSpec, rows: list[dict]):
    p = spec.params
    fig, panels = _series_panels(spec, rows)
    for ax, title, sub, series_list in panels:
        width = 0.8 / max(1, len(series_list))
        for s, series in enumerate(series_list):
            mine = [r for r in sub if r[p["series"]] == series]
            heights = [statistics.mean(_num(r[m]) for r in mine) for m in p["metrics"]]
            xs = [i + (s - (len(series_list) - 1) / 2) * width for i in range(len(p["metrics"]))]
            ax.bar(xs, heights, width=width, label=series)
        ax.set_xticks(range(len(p["metrics"])), [m.upper() for m in p["metrics"]])
        ax.set_title(title)
        ax.set_ylabel(p.get("ylabel", "value"))
        ax.grid(alpha=0.3, axis="y")
    panels[0][0].legend(fontsize=7)
    return fig


def _draw_box(spec: FigureSpec, rows: list[dict]):
    p = spec.params
    fig, panels = _series_panels(spec, rows)
    for ax, title, sub, series_list in panels:
        data = [[_num(r[p["metric"]]) for r in sub if r[p["series"]] == s and r[p["metric"]] != ""]
                for s in series_list]
        ax.boxplot(data, showmeans=True)
        ax.set_xticks(range(1, len(series_list) + 1), series_list, rotation=45, fontsize=7)
        ax.set_title(title)
        ax.set_ylabel(p.get("ylabel", p["metric"]))
        ax.grid(alpha=0.3, axis="y")
    return fig


KINDS = {"lines": _draw_lines, "bars": _draw_bars, "box": _draw_box}
# Parameters naming CSV columns, per kind: (required single columns, required column lists).
COLUMN_PARAMS = {"lines": (("x", "series"), ("metrics",)), "bars": (("series",), ("metrics",)),
                 "box": (("series", "metric"), ())}
_strings = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)  # noqa: E731
OPTIONAL_PARAMS = {"facet": lambda v: v is None or isinstance(v, str), "series_order": _strings,
                   "facet_order": _strings, "xlabel": lambda v: isinstance(v, str),
                   "ylabel": lambda v: isinstance(v, str), "logy": lambda v: isinstance(v, bool),
                   "dpi": lambda v: type(v) is int and 30 <= v <= 600}
OPTIONAL_HELP = {"facet": "a CSV column name", "series_order": "a list of strings",
                 "facet_order": "a list of strings", "xlabel": "a string", "ylabel": "a string",
                 "logy": "true or false", "dpi": "an integer in [30, 600]"}
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def spec_from_json(obj: object, where: str) -> FigureSpec:
    """Return the FigureSpec of one decoded figures.json entry; ValueError (one line, naming
    ``where``) for a bad field, an unknown kind, or a name or data path that leaves the report."""
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: must be a JSON object")
    fields = {"name", "kind", "data", "title", "params"}
    if set(obj) - fields or not {"name", "kind", "data", "title"} <= set(obj):
        raise ValueError(f"{where}: needs the fields name, kind, data, title (and optional params), got {sorted(obj)}")
    name, kind, data, params = obj["name"], obj["kind"], obj["data"], obj.get("params", {})
    if not isinstance(name, str) or not name or not set(name) <= NAME_CHARS or name.startswith("."):
        raise ValueError(f"{where}.name: must be letters, digits, '_', '.' or '-', got {name!r}")
    if kind not in KINDS:
        raise ValueError(f"{where}.kind: unknown kind {kind!r} (choose from {sorted(KINDS)})")
    path = Path(data) if isinstance(data, str) else None
    if path is None or path.is_absolute() or ".." in path.parts or not data:
        raise ValueError(f"{where}.data: must be a path inside the report directory, got {data!r}")
    if not isinstance(params, dict) or not isinstance(obj["title"], str):
        raise ValueError(f"{where}: params must be an object and title a string")
    singles, lists = COLUMN_PARAMS[kind]
    for key in singles:
        if not isinstance(params.get(key), str):
            raise ValueError(f"{where}.params.{key}: required (a CSV column name) for kind {kind!r}")
    for key in lists:
        value = params.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}.params.{key}: required (a non-empty list of CSV columns) for kind {kind!r}")
    for key, value in params.items():
        kind_ok = OPTIONAL_PARAMS.get(key)
        if kind_ok is not None and not kind_ok(value):
            raise ValueError(f"{where}.params.{key}: bad value {str(value)[:40]!r} ({OPTIONAL_HELP[key]})")
    return FigureSpec(name, kind, data, obj["title"], params)


def check_rows(spec: FigureSpec, rows: list[dict]) -> None:
    """Raise ValueError (one line) unless ``rows`` hold every column ``spec`` names, in every row,
    with numbers where a number is drawn."""
    singles, lists = COLUMN_PARAMS[spec.kind]
    p = spec.params
    named = [p[k] for k in singles] + [c for k in lists for c in p[k]] + ([p["facet"]] if p.get("facet") else [])
    numeric = ([p["x"]] if spec.kind == "lines" else []) + list(p.get("metrics", [])) + \
        ([p["metric"]] if spec.kind == "box" else [])
    for i, row in enumerate(rows, 2):  # line 1 is the header
        for column in named:
            if column not in row:
                raise ValueError(f"figure {spec.name}: {spec.data} has no column {column!r}")
            if row[column] is None:
                raise ValueError(f"figure {spec.name}: {spec.data} line {i} is truncated (no {column!r})")
        for column in numeric:
            text = row[column]
            try:
                if text != "":
                    _num(text)
            except ValueError:
                raise ValueError(f"figure {spec.name}: {spec.data} line {i}: {column} = {text!r} is not a number") from None
        if None in row:
            raise ValueError(f"figure {spec.name}: {spec.data} line {i} has more fields than the header")


def draw(spec: FigureSpec, report_dir: Path) -> Path:
    """Draw ``spec`` from its CSV into ``report_dir/figures/NAME.png``; return the PNG path."""
    import matplotlib.pyplot as plt
    rows = read_rows(report_dir / spec.data)
    if not rows:
        raise ValueError(f"figure {spec.name}: no data rows in {spec.data}")
    check_rows(spec, rows)
    fig = KINDS[spec.kind](spec, rows)
    fig.tight_layout()
    out = report_dir / spec.png
    out.parent.mkdir(parents=True, exist_ok=True)
    # No software/date metadata: re-drawing the same data gives the same bytes.
    fig.savefig(out, dpi=int(spec.params.get("dpi", 90)), metadata={"Software": None})
    plt.close(fig)
    return out
