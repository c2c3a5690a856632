"""Run the model: prefill the uncached tokens of a prompt on top of a cached prefix's KV.

KV layout (the runtime's one format): a tensor ``[layers, 2, kv_heads, tokens, head_dim]`` on the
model's device; index ``[:, 0]`` holds keys, ``[:, 1]`` values. The radix KV cache stores slices
of it per node; the runner turns a prefix into a transformers ``DynamicCache`` and back.
"""
from __future__ import annotations

import inspect
import time
from dataclasses import dataclass
from typing import Any, Sequence

from gpu_runtime.model_loader import LoadedModel


@dataclass(frozen=True)
class Prefill:
    """Result of one prefill: logits of the next token (1-D, float32 on CPU), the KV of the newly
    computed tokens, and the wall seconds the forward pass took (device synchronised)."""

    logits: Any
    new_kv: Any
    seconds: float


def is_out_of_memory(exc: BaseException) -> bool:
    """Return whether ``exc`` is the device (or the CPU allocator) running out of memory."""
    import torch
    oom = getattr(torch, "OutOfMemoryError", None) or torch.cuda.OutOfMemoryError
    if isinstance(exc, oom):
        return True
    text = str(exc)
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


class ModelRunner:
    """Executes prefills and greedy decodes for one loaded model (batch size 1)."""

    def __init__(self, loaded: LoadedModel) -> None:
        import torch
        self.loaded = loaded
        self.model = loaded.model
        self.device = loaded.device
        self._torch = torch
        # transformers 5.x renamed ``past_key_values`` to ``cache``; accept either family.
        params = inspect.signature(self.model.forward).parameters
        self._cache_kw = "cache" if "cache" in params else "past_key_values"

    def synchronize(self) -> None:
        """Wait for queued device work (a no-op on the CPU)."""
        if self.device == "cuda":
            self._torch.cuda.synchronize()

    def free_memory(self) -> None:
        """Return cached allocator blocks to the device after a failed pass (no-op on the CPU)."""
        if self.device == "cuda":
            self._torch.cuda.empty_cache()

    def _to_cache(self, prefix_kv: Any | None):
        from transformers import DynamicCache
        if prefix_kv is None or prefix_kv.shape[3] == 0:
            return DynamicCache(config=self.model.config)
        layers = [(prefix_kv[i, 0].unsqueeze(0), prefix_kv[i, 1].unsqueeze(0)) for i in range(prefix_kv.shape[0])]
        return DynamicCache(ddp_cache_data=layers, config=self.model.config)

    def _new_kv(self, cache: Any, start: int) -> Any:
        torch = self._torch
        return torch.stack([torch.stack((layer.keys[0, :, start:], layer.values[0, :, start:]))
                            for layer in cache.layers])

    def prefill(self, new_ids: Sequence[int], prefix_kv: Any | None = None) -> Prefill:
        """Return the Prefill of ``new_ids`` following the cached prefix ``prefix_kv`` (or none).

        ``new_ids`` must be non-empty: a fully cached prompt still recomputes its last token."""
        torch = self._torch
        if len(new_ids) == 0:
            raise ValueError("prefill needs at least one new token")
        past = 0 if prefix_kv is None else int(prefix_kv.shape[3])
        ids = torch.tensor([list(new_ids)], dtype=torch.long, device=self.device)
        positions = torch.arange(past, past + len(new_ids), device=self.device).unsqueeze(0)
        self.synchronize()
        t0 = time.perf_counter()
        with torch.inference_mode():
            cache = self._to_cache(prefix_kv)
            out = self.model(input_ids=ids, position_ids=positions, use_cache=True,
                             logits_to_keep=1, **{self._cache_kw: cache})
            logits = out.logits[0, -1].float()
            new_kv = self._new_kv(cache, past)  # the cache object is updated in place
        self.synchronize()
        seconds = time.perf_counter() - t0
        return Prefill(logits.cpu(), new_kv, seconds)

    def prefill_packed(self, items: Sequence[tuple[Sequence[int], Any | None]]) -> list[Prefill]:
        """Return one Prefill per ``(new_ids, prefix_kv)`` item, computed in ONE forward pass.

        SGLang-style ragged prefill: the items' prefixes are concatenated as the past, their new
        tokens as one sequence, with explicit positions and a block-causal 4-D mask so that each
        item sees only its own prefix and its own earlier tokens. ``seconds`` is the shared time
        of the pass."""
        torch = self._torch
        if len(items) == 1:
            return [self.prefill(*items[0])]
        prefixes = [0 if kv is None else int(kv.shape[3]) for _, kv in items]
        lengths = [len(ids) for ids, _ in items]
        if min(lengths) == 0:
            raise ValueError("prefill needs at least one new token per item")
        past_total, n_total = sum(prefixes), sum(lengths)
        ids = torch.tensor([[t for new, _ in items for t in new]], dtype=torch.long, device=self.device)
        positions = torch.cat([torch.arange(p, p + n) for p, n in zip(prefixes, lengths)]).unsqueeze(0)
        mask = torch.zeros(n_total, past_total + n_total, dtype=torch.bool)
        po = so = 0
        for p, n in zip(prefixes, lengths):
            mask[so:so + n, po:po + p] = True
            mask[so:so + n, past_total + so:past_total + so + n] = torch.ones(n, n, dtype=torch.bool).tril()
            po, so = po + p, so + n
        kvs = [kv for _, kv in items if kv is not None and kv.shape[3] > 0]
        past = torch.cat(kvs, dim=3) if kvs else None
        ends = torch.tensor([sum(lengths[:j + 1]) - 1 for j in range(len(items))], device=self.device)
        positions, mask = positions.to(self.device), mask[None, None].to(self.device)  # untimed transfers
        self.synchronize()
        t0 = time.perf_counter()
        with torch.inference_mode():
            cache = self._to_cache(past)
            out = self.model(input_ids=ids, position_ids=positions, attention_mask=mask, use_cache=True,
                             logits_to_keep=ends, **{self._cache_kw: cache})
            new_kv = self._new_kv(cache, past_total)
        self.synchronize()
        seconds = time.perf_counter() - t0
        logits = out.logits[0].float().cpu()
        offsets = [sum(lengths[:j]) for j in range(len(items))]
        return [Prefill(logits[j], new_kv[:, :, :, o:o + n], seconds)
                for j, (o, n) in enumerate(zip(offsets, lengths))]

    def decode(self, first_logits: Any, prompt_kv: Any, n_tokens: int) -> list[int]:
        """Return ``n_tokens`` greedy tokens starting from ``first_logits`` (the KV is not kept)."""
        torch = self._torch
        if n_tokens <= 0:
            return []
        tokens = [int(torch.argmax(first_logits))]
        past = int(prompt_kv.shape[3])
        with torch.inference_mode():
            cache = self._to_cache(prompt_kv)
            for step in range(n_tokens - 1):
                ids = torch.tensor([[tokens[-1]]], device=self.device)
                pos = torch.tensor([[past + step]], device=self.device)
                out = self.model(input_ids=ids, position_ids=pos, use_cache=True, **{self._cache_kw: cache})
                tokens.append(int(torch.argmax(out.logits[0, -1])))
        self.synchronize()
        return tokens
