"""Step ``calibration``: the cost model (base, per_token, c_attn) fitted on the embedded model.

Sources, in order: a calibration file given with ``--calibration``; otherwise, when the scale
allows it, a short calibration run through ``gpu_runtime.calibrate``. Without either, the
calibrated-cost parts of the report are skipped and say why.
"""
from __future__ import annotations

import json
from pathlib import Path

from experiments.context import Context, Unavailable
from theory.instance import CostModel
from theory.instance_io import parse_cost

KEYS = ("base", "per_token", "c_attn")


def cost_from_json(obj: dict) -> CostModel:
    """Return the CostModel in a calibration JSON object (top level, "cost" or "cost_model")."""
    for cand in (obj, obj.get("cost"), obj.get("cost_model"), obj.get("fit")):
        if isinstance(cand, dict) and all(k in cand for k in KEYS):
            return parse_cost({k: cand[k] for k in KEYS}, "calibration")
    raise Unavailable(f"calibration file has no {', '.join(KEYS)} fields")


def from_file(path: Path) -> CostModel:
    """Return the cost model stored in a calibration file."""
    try:
        return cost_from_json(json.loads(Path(path).read_text()))
    except (OSError, json.JSONDecodeError) as exc:
        raise Unavailable(f"cannot read calibration file {path} ({exc})") from None


def run_short(out: Path) -> CostModel:
    """Run a short calibration on the embedded model, write it to ``out``; return the model."""
    try:
        from gpu_runtime import calibrate
    except ImportError as exc:
        raise Unavailable(f"gpu_runtime.calibrate ({exc})") from None
    fn = getattr(calibrate, "quick_calibration", None) or getattr(calibrate, "calibrate", None)
    if fn is None:
        raise Unavailable("gpu_runtime.calibrate has no calibrate() function")
    result = fn(quick=True) if fn.__name__ == "calibrate" else fn()
    cost = result if isinstance(result, CostModel) else getattr(result, "cost", None)
    if not isinstance(cost, CostModel):
        raise Unavailable(f"gpu_runtime.calibrate returned {type(result).__name__}, not a cost model")
    out.write_text(json.dumps({k: getattr(cost, k) for k in KEYS}, indent=1) + "\n")
    return cost


def run(ctx: Context) -> None:
    """Step ``calibration``: set ``ctx.calibrated`` and ``ctx.calibration_note``."""
    sec = ctx.report.section("Calibrated cost model")
    try:
        if ctx.calibration_path is not None:
            ctx.calibrated = from_file(ctx.calibration_path)
            ctx.calibration_note = f"read from {ctx.calibration_path}"
        elif ctx.scale.calibrate_quick:
            out = ctx.report.dir / "data" / "calibration.json"
            ctx.calibrated = run_short(out)
            ctx.calibration_note = "short calibration run on the embedded model (data/calibration.json)"
        else:
            raise Unavailable(f"no calibration file given and scale {ctx.scale.name!r} runs none")
    except Unavailable as exc:
        ctx.calibration_note = str(exc)
        sec.text(ctx.skip("calibrated cost model", str(exc)))
        return
    c = ctx.calibrated
    ctx.report.json("calibrated_cost", {k: getattr(c, k) for k in KEYS} | {"source": ctx.calibration_note})
    sec.text(f"Cost model: base = {c.base:.4g} s, per_token = {c.per_token:.4g} s/token, "
             f"c_attn = {c.c_attn:.4g} s/token² ({ctx.calibration_note}).")
