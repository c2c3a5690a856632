"""The real engine: the simulator's policies on a Hugging Face causal LM with a radix KV cache.

config (EngineConfig) -> model_loader (embedded GGUF converted once, or any HF model) ->
model_runner (prefill on a cached prefix) + kv_cache (theory.radix tree holding KV) ->
scheduler (solvers.waiting + policy objects) -> engine (real-time replay, TTFT);
calibrate (cost fit), compare/bench (engine vs simulator vs exact optimum).
torch and transformers are imported inside functions only. See docs/readme/runtime.md.
"""
