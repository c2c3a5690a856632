"""Step ``calibration``: the cost model (base, per_token, c_attn) fitted on the embedded model.

Sources, in order: a calibration file given with ``--calibration`` (``klpm calibrate``'s output);
otherwise, when the scale allows it, the calibration saved by an earlier run on this machine
(``saved_path``), else a short calibration run through ``gpu_runtime.calibrate`` (saved there
when its fit is good). Without either, the
calibrated-cost parts of the report are skipped and say why.
"""
from __future__ import annotations

import json
import statistics
from pathlib import Path

from experiments.context import Context, Unavailable
from theory.instance import CostModel

KEYS = ("base", "per_token", "c_attn")
REPEATS = 3


def saved_path() -> Path | None:
    """Return where a good short calibration is kept for later runs on this machine:
    ``calibration-<device>.json`` beside the model cache (~/.cache/klpm/ by default)."""
    try:
        from gpu_runtime.config import EngineConfig
        cfg = EngineConfig()
        return cfg.resolved_cache_dir().parent / f"calibration-{cfg.resolved_device()}.json"
    except ImportError:
        return None


def from_file(path: Path) -> CostModel:
    """Return the cost model stored in a calibration file (``klpm calibrate``'s output)."""
    try:
        from theory.instance_io import load_cost_file
    except ImportError as exc:
        raise Unavailable(f"gpu_runtime.calibrate ({exc})") from None
    return load_cost_file(path)


def adopt_file(ctx: Context, path: Path, what: str) -> str:
    """Copy the calibration file ``path`` into the report (data/calibration.json, fit and points
    included) and return a note naming where it came from, its fit, model, device and date."""
    import datetime as dt
    from theory.instance_io import decode_json
    text = path.read_text()
    (ctx.report.dir / "data").mkdir(parents=True, exist_ok=True)
    (ctx.report.dir / "data" / "calibration.json").write_text(text)
    obj = decode_json(text, str(path))
    obj = obj if isinstance(obj, dict) else {}
    fit = obj.get("fit") if isinstance(obj.get("fit"), dict) else {}
    written = dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone().isoformat(timespec="seconds")
    parts = [f"{k} {obj[k]}" for k in ("model", "device", "dtype") if isinstance(obj.get(k), str)]
    if isinstance(fit.get("r2"), (int, float)):
        parts.append(f"R² = {fit['r2']:.3f}")
    return (f"{what} {path} ({', '.join(parts + [f'file written {written}'])}), "
            "copied to data/calibration.json")


def run_short(ctx: Context, out: Path) -> tuple[CostModel, str]:
    """Run ``gpu_runtime.calibrate.calibrate`` on a short grid on the embedded model, save it to
    ``out``; return (cost model, fit description). The loaded model is kept for the engine."""
    try:
        from gpu_runtime.calibrate import calibrate
        from gpu_runtime.config import EngineConfig
        from gpu_runtime.model_loader import load_model
    except ImportError as exc:
        raise Unavailable(f"gpu_runtime.calibrate ({exc})") from None
    try:
        loaded = ctx.shared.get("loaded_model") or load_model(EngineConfig(cpu_threads=ctx.scale.cpu_threads))
    except Exception as exc:  # noqa: BLE001 - a missing model is a skip, not a crash
        raise Unavailable(f"cannot load the embedded model ({type(exc).__name__}: {exc})") from None
    ctx.shared["loaded_model"] = loaded
    estimate = estimate_seconds(loaded, ctx.scale.calibrate_lengths)
    if estimate > ctx.scale.calibrate_budget_s:
        raise Unavailable(f"a short calibration would take about {estimate:.0f} s on this machine "
                          f"now (budget {ctx.scale.calibrate_budget_s:.0f} s); pass --calibration FILE")
    # The quick grid, but the median of 3 timings per point: one timing is too noisy on a shared CPU.
    cal = calibrate(lengths=ctx.scale.calibrate_lengths, repeats=REPEATS, loaded=loaded)
    out.write_text(json.dumps(cal.to_json(), indent=1) + "\n")
    fit = (f"short calibration on {cal.device} ({len(cal.points)} points, R² = {cal.r2:.3f}, "
           f"largest relative error {cal.max_rel_error:.2f})")
    if cal.r2 < ctx.scale.min_calibration_r2:
        raise Unavailable(f"{fit} is too poor to use (R² < {ctx.scale.min_calibration_r2}; the machine "
                          "is probably loaded); saved as data/calibration.json for the record")
    return cal.cost, fit


def estimate_seconds(loaded, lengths: tuple[int, ...]) -> float:
    """Return an estimate of the calibration's wall time from a timed 128-token prefill
    (linear in tokens: optimistic for long prompts, hence the safety factor)."""
    from gpu_runtime.calibrate import FRACTIONS
    from gpu_runtime.model_runner import ModelRunner
    runner = ModelRunner(loaded)
    runner.prefill([1, 2, 3])
    per_token = statistics.median(runner.prefill(list(range(100, 228))).seconds for _ in range(3)) / 128
    # each grid point: an untimed prefix, a warm-up and REPEATS timed prefills
    tokens = sum(L * (f + (1 + REPEATS) * (1 - f)) for L in lengths for f in FRACTIONS)
    return 2 * per_token * tokens  # safety factor: timings on a shared machine vary a lot


def run(ctx: Context) -> None:
    """Step ``calibration``: set ``ctx.calibrated`` and ``ctx.calibration_note``."""
    sec = ctx.report.section("Calibrated cost model")
    try:
        if ctx.calibration_path is not None:
            ctx.calibrated = from_file(ctx.calibration_path)
            ctx.calibration_note = adopt_file(ctx, ctx.calibration_path, "read from")
        elif ctx.scale.calibrate_quick and saved_path() is not None and saved_path().is_file():
            ctx.calibrated = from_file(saved_path())
            ctx.calibration_note = adopt_file(ctx, saved_path(), "saved calibration of an earlier run,")
        elif ctx.scale.calibrate_quick:
            out = ctx.report.dir / "data" / "calibration.json"
            ctx.calibrated, fit = run_short(ctx, out)
            ctx.calibration_note = f"{fit}, saved as data/calibration.json"
            if saved_path() is not None:
                saved_path().parent.mkdir(parents=True, exist_ok=True)
                saved_path().write_text(out.read_text())
                ctx.calibration_note += f" and {saved_path()} (reused by later runs)"
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
