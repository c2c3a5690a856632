"""The engine loop: open-loop replay of an instance's arrivals in real time on a real model.

Life of one request: at its (scaled) arrival time it is checked (a prompt longer than the KV
capacity or the model's context is rejected with a reason) and put in the scheduler's waiting
queue; when the server is free the policy picks it; the KV cache leases its longest cached
prefix (locked), the model runner prefills only the uncached tokens, the first token's logits
come out (that instant minus the arrival is its TTFT); the lease is released and the whole
prompt is admitted to the cache (theory lru rule, step = admission count), then the optional
greedy decode runs. Arrivals keep coming while the server is busy (open loop). A prefill pass (lookups and forward)
that runs out of device memory rejects the requests of its pass with that reason (their leases
released, nothing admitted) and the replay goes on; running out of memory later, while admitting
KV into the tree, or any other error stops the run (the tree could be half-updated).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Callable

from gpu_runtime.config import EngineConfig
from gpu_runtime.kv_cache import RadixKVCache
from gpu_runtime.model_loader import LoadedModel, load_model
from gpu_runtime.model_runner import ModelRunner, is_out_of_memory
from gpu_runtime.request import Request, RequestRecord, prompt_token_ids
from gpu_runtime.scheduler import Scheduler
from solvers.policy import Policy
from theory.instance import Instance
from theory.metrics import ttft_stats


class PassOutOfMemory(Exception):
    """A prefill pass ran out of memory before anything of it was admitted (leases released)."""


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
        out.update(ttft_stats(ttft))
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

    def reject_reasons(self, instance: Instance) -> list[str]:
        """Return, per query of ``instance``, why the engine would reject it ("" if it can run)."""
        vocab = self.loaded.vocab_size
        return [self.reject_reason(Request(i, q, tuple(prompt_token_ids(q, vocab))))
                for i, q in enumerate(instance.queries)]

    def warm_up(self) -> None:
        """Run one tiny prefill so that lazy initialisation is not timed."""
        self.runner.prefill([1, 2, 3])

    def _execute(self, reqs: list[Request], cache: RadixKVCache, sched: Scheduler, step: int,
                 start: float, batch: int, clock: Callable[[], float]) -> list[RequestRecord]:
        """Prefill ``reqs`` (one forward pass) on their cached prefixes, admit them in order;
        return their records. A fully cached prompt recomputes its last token."""
        leases = []
        try:
            for r in reqs:
                leases.append(cache.acquire(r.query))
            begins = [min(lease.tokens, len(r.token_ids) - 1) for lease, r in zip(leases, reqs)]
            prefixes = [None if b == 0 else lease.kv[:, :, :, :b] for lease, b in zip(leases, begins)]
            outs = self.runner.prefill_packed([(r.token_ids[b:], p) for r, b, p in zip(reqs, begins, prefixes)])
            first = clock()
        except BaseException as exc:
            for lease in leases:
                cache.release(lease)
            if isinstance(exc, Exception) and is_out_of_memory(exc):
                raise PassOutOfMemory(exc) from exc  # nothing admitted yet: its requests are rejected
            raise
        records = []
        for j, (req, lease, b, out) in enumerate(zip(reqs, leases, begins, outs)):
            cache.release(lease)  # later members stay locked while earlier ones are admitted
            cache.admit(req.query, step + j, kv=out.new_kv, kv_start=b)
            sched.processed(req.index)
            arrival = req.query.arrival * self.config.time_scale
            records.append(RequestRecord(req.query.id, arrival, "done", "", start, first, first - arrival,
                                         b, len(req.token_ids) - b, out.seconds, batch))
        if self.config.decode_tokens:
            records = [self._decode(r, rec, p, out) for r, rec, p, out in zip(reqs, records, prefixes, outs)]
        return records

    def _decode(self, req: Request, rec: RequestRecord, prefix, out) -> RequestRecord:
        """Return ``rec`` with its greedy tokens (decode_tokens of them, the first one included)."""
        import torch
        try:
            full = out.new_kv if prefix is None else torch.cat([prefix, out.new_kv], dim=3)
            return replace(rec, decoded=tuple(self.runner.decode(out.logits, full, self.config.decode_tokens)))
        except Exception as exc:  # noqa: BLE001 - the first token exists: the request stays done
            if not is_out_of_memory(exc):
                raise
            self.runner.free_memory()
            return replace(rec, reason=f"decode stopped: out of memory ({type(exc).__name__})")

    def _arrive(self, requests: list[Request], arrivals: list[int], nxt: int, now: float,
                sched: Scheduler, records: list) -> tuple[int, int]:
        """Queue (or reject, with a reason) every request that has arrived by ``now``; return
        (next arrival cursor, number rejected) (mutates ``sched`` and ``records``)."""
        rejected, scale = 0, self.config.time_scale
        while nxt < len(arrivals) and requests[arrivals[nxt]].query.arrival * scale <= now:
            req = requests[arrivals[nxt]]
            nxt += 1
            reason = self.reject_reason(req)
            if reason:
                records[req.index] = RequestRecord(req.query.id, req.query.arrival * scale, "rejected", reason)
                sched.drop(req.index)
                rejected += 1
            else:
                sched.add(req.index)
        return nxt, rejected

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
        # The clock reads scaled instance time and starts at the first arrival (no idle lead-in).
        first_arrival = min(q.arrival for q in instance.queries) * cfg.time_scale
        t0 = time.perf_counter()
        clock = lambda: time.perf_counter() - t0 + first_arrival  # noqa: E731
        while finished < instance.n:
            now = clock()
            nxt, rejected = self._arrive(requests, arrivals, nxt, now, sched, records)
            finished += rejected
            if not sched.ready():
                if nxt >= instance.n:
                    if len(sched):
                        raise RuntimeError("the policy waits for a request that never arrives")
                    continue
                time.sleep(max(0.0, instance.queries[arrivals[nxt]].arrival * cfg.time_scale - clock()))
                continue
            batch = sched.next_batch(now / cfg.time_scale)  # the policies read instance time units
            reqs = [requests[i] for i in batch]
            try:
                done = self._execute(reqs, cache, sched, len(order), clock(), batch_no, clock)
                order.extend(batch)
            except PassOutOfMemory as exc:  # an OOM while admitting KV propagates: the run stops
                self.runner.free_memory()
                reason = (f"out of memory while prefilling ({type(exc.__cause__).__name__}); "
                          f"KV cache holds {cache.tree.total_tokens} tokens")
                done = [RequestRecord(r.query.id, r.query.arrival * cfg.time_scale, "rejected", reason) for r in reqs]
            for i, rec in zip(batch, done):
                records[i] = rec
            finished += len(batch)
            batch_no += 1
        recs = tuple(records)
        summary = summarize_records(recs)
        summary.update(scheduler_seconds=sched.seconds, decisions=sched.starts, batches=batch_no,
                       wall_seconds=time.perf_counter() - t0)
        return EngineRun(policy.describe(), recs, tuple(order), summary, cfg, self.loaded.device)
