"""The engine loop: open-loop replay of an instance's arrivals in real time on a real model.

Life of one request: at its (scaled) arrival time it is checked (a prompt longer than the KV
capacity or the model's context is rejected with a reason) and put in the scheduler's waiting
queue; when the server is free the policy picks it; the KV cache leases its longest cached
prefix (locked), the model runner prefills only the uncached tokens, the first token's logits
come out (that instant minus the arrival is its TTFT); the lease is released and the whole
prompt is admitted to the cache (theory lru rule, step = admission count), then the optional
greedy decode runs. Arrivals keep coming while the server is busy (open loop).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

from gpu_runtime.config import EngineConfig
from gpu_runtime.kv_cache import RadixKVCache
from gpu_runtime.model_loader import LoadedModel, load_model
from gpu_runtime.model_runner import ModelRunner
from gpu_runtime.request import Request, RequestRecord, prompt_token_ids
from gpu_runtime.scheduler import Scheduler
from solvers.policy import Policy
from theory.instance import Instance
from theory.metrics import PERCENTILES, percentile


@dataclass(frozen=True)
class EngineRun:
    """One replay: records in instance order, the start order of completed requests, summary."""

    policy: str
    records: tuple[RequestRecord, ...]
    order: tuple[int, ...]
    summary: dict
    config: EngineConfig
    device: str


def summarize_records(records: tuple[RequestRecord, ...]) -> dict:
    """Return {n, done, rejected, reasons, mean, p50..p99, max (TTFT, s), reused_ratio}."""
    done = [r for r in records if r.status == "done"]
    out: dict = {"n": len(records), "done": len(done), "rejected": len(records) - len(done)}
    reasons: dict[str, int] = {}
    for r in records:
        if r.status != "done":
            reasons[r.reason] = reasons.get(r.reason, 0) + 1
    out["reasons"] = reasons
    ttft = [r.ttft for r in done]
    if ttft:
        out["mean"] = sum(ttft) / len(ttft)
        for p in PERCENTILES:
            out[f"p{p}"] = percentile(ttft, p)
        out["max"] = max(ttft)
        total = sum(r.cached_tokens + r.computed_tokens for r in done)
        out["reused_ratio"] = sum(r.cached_tokens for r in done) / total if total else 0.0
    return out


class Engine:
    """A loaded model plus its runner; ``run`` replays one instance under one policy."""

    def __init__(self, config: EngineConfig, loaded: LoadedModel | None = None) -> None:
        self.config = config
        self.loaded = loaded if loaded is not None else load_model(config)
        self.runner = ModelRunner(self.loaded)

    def reject_reason(self, request: Request) -> str:
        """Return why ``request`` cannot run ("" if it can)."""
        n = len(request.token_ids)
        if n > self.config.kv_capacity_tokens:
            return f"prompt of {n} tokens exceeds the KV capacity of {self.config.kv_capacity_tokens}"
        if n + self.config.decode_tokens > self.loaded.max_context:
            return f"prompt + decode of {n + self.config.decode_tokens} tokens exceeds the model context {self.loaded.max_context}"
        return ""

    def warm_up(self) -> None:
        """Run one tiny prefill so that lazy initialisation is not timed."""
        self.runner.prefill([1, 2, 3])

    def _execute(self, req: Request, cache: RadixKVCache, step: int, start: float,
                 batch: int, clock: Callable[[], float]) -> RequestRecord:
        """Prefill ``req`` on top of its cached prefix, admit it; return its record."""
        lease = cache.acquire(req.query)
        try:
            begin = min(lease.tokens, len(req.token_ids) - 1)  # a fully cached prompt recomputes one token
            prefix = None if begin == 0 else lease.kv[:, :, :, :begin]
            out = self.runner.prefill(req.token_ids[begin:], prefix)
            first = clock()
        finally:
            cache.release(lease)
        cache.admit(req.query, step, kv=out.new_kv, kv_start=begin)
        decoded: tuple[int, ...] = ()
        if self.config.decode_tokens:
            import torch
            full = out.new_kv if prefix is None else torch.cat([prefix, out.new_kv], dim=3)
            decoded = tuple(self.runner.decode(out.logits, full, self.config.decode_tokens))
        arrival = req.query.arrival * self.config.time_scale
        return RequestRecord(req.query.id, arrival, "done", "", start, first, first - arrival,
                             begin, len(req.token_ids) - begin, out.seconds, batch, decoded)

    def run(self, instance: Instance, policy: Policy) -> EngineRun:
        """Replay ``instance`` under ``policy``; return the EngineRun (every request accounted)."""
        cfg, vocab = self.config, self.loaded.vocab_size
        cache = RadixKVCache(cfg.kv_capacity_tokens)
        sched = Scheduler(instance, policy, cache, cfg.batch_token_budget)
        requests = [Request(i, q, tuple(prompt_token_ids(q, vocab))) for i, q in enumerate(instance.queries)]
        arrivals = instance.arrival_order()
        records: list[RequestRecord | None] = [None] * instance.n
        order: list[int] = []
        nxt, finished, batch_no = 0, 0, 0
        t0 = time.perf_counter()
        clock = lambda: time.perf_counter() - t0  # noqa: E731
        while finished < instance.n:
            now = clock()
            while nxt < instance.n and instance.queries[arrivals[nxt]].arrival * cfg.time_scale <= now:
                i = arrivals[nxt]
                nxt += 1
                reason = self.reject_reason(requests[i])
                if reason:
                    records[i] = RequestRecord(requests[i].query.id, requests[i].query.arrival * cfg.time_scale,
                                               "rejected", reason)
                    sched.drop(i)
                    finished += 1
                else:
                    sched.add(i)
            if not sched.ready():
                if nxt >= instance.n:
                    if len(sched):
                        raise RuntimeError("the policy waits for a request that never arrives")
                    continue
                time.sleep(max(0.0, instance.queries[arrivals[nxt]].arrival * cfg.time_scale - clock()))
                continue
            batch = sched.next_batch(now)
            start = clock()
            for i in batch:
                records[i] = self._execute(requests[i], cache, len(order), start, batch_no, clock)
                sched.processed(i)
                order.append(i)
                finished += 1
            if len(batch) > 1:  # a batch's first tokens all come out when the batch ends
                end = max(records[i].first_token_time for i in batch)
                for i in batch:
                    r = records[i]
                    records[i] = replace(r, first_token_time=end, ttft=end - r.arrival)
            batch_no += 1
        recs = tuple(records)
        return EngineRun(policy.describe(), recs, tuple(order), summarize_records(recs), cfg, self.loaded.device)
