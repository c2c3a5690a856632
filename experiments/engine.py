"""Step ``engine``: the Figure 2/3 analog on the real engine (embedded model, reduced scale).

Runs through ``gpu_runtime`` (serve-bench API) when it is available; a few dozen short paper-like
requests and 2-3 policies in quick mode. Skipped, with the reason, otherwise.
"""
from __future__ import annotations

from experiments.context import Context, Unavailable


def engine_api():
    """Return the gpu_runtime benchmarking entry point or raise Unavailable."""
    try:
        from gpu_runtime import bench  # noqa: F401
    except ImportError as exc:
        raise Unavailable(f"gpu_runtime serve-bench API ({exc})") from None
    raise Unavailable("gpu_runtime engine API not wired into experiments yet")


def run(ctx: Context) -> None:
    """Step ``engine``."""
    sec = ctx.report.section("Real engine: embedded model (SmolLM2-135M) on this machine")
    if ctx.scale.engine_requests == 0:
        sec.text(ctx.skip("real-engine runs", f"scale {ctx.scale.name!r} runs no engine requests"))
        return
    engine_api()
