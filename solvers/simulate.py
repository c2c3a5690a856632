"""The discrete-event simulator: one server, batch size 1, non-preemptive.

At each decision the server picks, with a policy, among the queries that have arrived; when
none has, it idles until the next arrival. The order is re-scored by ``theory.evaluate`` and the
simulator's own finish times are kept beside it (``claimed_finish``); they must agree.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

from solvers.policy import Policy, QueueView
from solvers.waiting import NaiveWaitingQueue, WaitingQueue
from theory.evaluate import Evaluation, Timeline, evaluate
from theory.instance import Instance
from theory.metrics import summarize


@dataclass(frozen=True)
class SimResult:
    """A simulation: the policy, the order, the claimed finishes and the re-evaluation."""

    policy: str
    order: tuple[int, ...]
    claimed_finish: tuple[float, ...]
    evaluation: Evaluation
    summary: dict

    def to_json(self, instance: Instance) -> dict:
        """Return {"policy", "order": [ids], "ttft": {id: value}, "summary": {...}}."""
        ids = [q.id for q in instance.queries]
        return {"policy": self.policy, "order": [ids[i] for i in self.order],
                "ttft": {ids[i]: t for i, t in enumerate(self.evaluation.ttft)},
                "summary": self.summary}


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(total=total, unit="q", file=sys.stderr, leave=False)


def simulate(instance: Instance, policy: Policy, *, naive: bool = False,
             progress: bool = False) -> SimResult:
    """Return the SimResult of running ``policy`` on ``instance``.

    ``naive`` rescores the whole queue at each pick (the oracle); ``progress`` shows a bar."""
    policy.reset(instance)
    timeline = Timeline(instance)
    queue = (NaiveWaitingQueue if naive else WaitingQueue)(instance, timeline.cache)
    view = QueueView(instance, queue)
    arrivals = instance.arrival_order()
    queries = instance.queries
    nxt, order, claimed = 0, [], [0.0] * instance.n
    bar = _progress(instance.n, progress)
    while len(order) < instance.n:
        now = timeline.clock
        if len(queue) == 0:
            now = max(now, queries[arrivals[nxt]].arrival)
        while nxt < instance.n and queries[arrivals[nxt]].arrival <= now:
            queue.add(arrivals[nxt])
            nxt += 1
        view.now, view.step = now, len(order)
        i = policy.choose(view)
        queue.remove(i)
        claimed[i] = timeline.process(i).finish
        queue.processed(i)
        order.append(i)
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    evaluation = evaluate(instance, order)
    if tuple(claimed) != evaluation.finish:
        raise AssertionError("simulator and evaluator disagree on finish times")
    return SimResult(policy.describe(), tuple(order), tuple(claimed), evaluation,
                     summarize(instance, evaluation))
