"""The window construction shared by every 3-PARTITION reduction in proofs/.

Layout of a reduced instance, for a 3-PARTITION instance (a_0..a_{3m-1}; B) and a *design*
(cache model, prompts, costs), with ``W = scale*B`` (window length), ``delta`` (gadget length)
and the common bound ``T = m*W + (m-1)*delta``:

- start wall: fresh prompts arriving at 0 whose costs sum to T, so they fill [0, T];
- elements: query i arrives at T and costs ``scale*a_i`` in every order;
- gadget k (k = 1..m-1): two queries sharing a prefix that, in every order meeting T, run back
  to back in the block [b_k, b_k + delta], b_k = T + k*W + (k-1)*delta. Two pinning modes:
  ``junction`` (forgetful caches: the first query's deadline and the second's arrival are the
  same instant b_k + first_cost) and ``ends`` (radix with c_attn > 0: the first is released at
  b_k, the second's deadline is b_k + delta);
- end wall: fresh prompts arriving at 2T whose costs sum to T, so they fill [2T, 3T].

Between the walls lie m windows of length W separated by the gadget blocks; every order meeting T
puts exactly a triple of elements summing to W in each window. The proofs are in
proofs/three_partition_reduction.md; this module builds instances and maps certificates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from proofs.three_partition import Partition, ThreePartition
from theory.errors import InstanceError
from theory.evaluate import Evaluation, evaluate
from theory.instance import CostModel, Instance, Query, Unit
from theory.workloads import MAX_TOTAL_TOKENS

Prompt = tuple[Unit, ...]


class TokenPool:
    """Hands out fresh token ids, so that prompts built from them share nothing by accident."""

    def __init__(self) -> None:
        self.next_id = 0
        self.tokens = 0

    def fresh(self) -> int:
        """Return a token id never returned before (mutates)."""
        self.next_id += 1
        return self.next_id

    def run(self, length: int) -> Prompt:
        """Return a prompt of ``length`` copies of one fresh token (InstanceError once the
        prompts handed out exceed ``MAX_TOTAL_TOKENS`` tokens in all: too large to build)."""
        self.tokens += length
        if self.tokens > MAX_TOTAL_TOKENS:
            raise InstanceError(f"reduction: the instance would hold more than {MAX_TOTAL_TOKENS} prompt "
                                "tokens; the 3-PARTITION numbers are too large to reduce")
        return (self.fresh(),) * length


@dataclass(frozen=True)
class Gadget:
    """Two queries with a shared prefix that must run back to back in a block of ``delta``."""

    first: Prompt
    second: Prompt
    first_cost: int
    second_cost: int
    pinned_by: Literal["junction", "ends"]

    @property
    def delta(self) -> int:
        """Return the length of the gadget's block: first_cost + second_cost."""
        return self.first_cost + self.second_cost


@dataclass(frozen=True)
class WindowDesign:
    """Everything a window reduction needs: costs, prompts and the scale of the elements."""

    name: str
    version: int
    cost: CostModel
    scale: int
    elements: tuple[Prompt, ...]
    gadgets: tuple[Gadget, ...]
    start_wall: tuple[Prompt, ...]
    end_wall: tuple[Prompt, ...]
    m: int
    B: int

    @property
    def window(self) -> int:
        """Return the window length W = scale*B (elements of a window cost exactly W)."""
        return self.scale * self.B

    @property
    def delta(self) -> int:
        """Return the gadget block length (0 when m = 1)."""
        return self.gadgets[0].delta if self.gadgets else 0

    @property
    def bound(self) -> int:
        """Return the common TTFT bound T = m*W + (m-1)*delta."""
        return self.m * self.window + (self.m - 1) * self.delta

    def window_start(self, k: int) -> int:
        """Return the start of window k (0-based); it ends W later."""
        return self.bound + k * (self.window + self.delta)


def make_design(tp: ThreePartition, **fields) -> WindowDesign:
    """Return a WindowDesign for ``tp`` after checking the gadgets share one block length."""
    design = WindowDesign(m=tp.m, B=tp.B, **fields)
    if len({g.delta for g in design.gadgets}) > 1 or len(design.gadgets) != tp.m - 1:
        raise ValueError("a window design needs m-1 gadgets of equal block length")
    if len(design.elements) != 3 * tp.m:
        raise ValueError("a window design needs one element query per number")
    return design


def _gadget_arrivals(design: WindowDesign, k: int) -> tuple[int, int]:
    g, T = design.gadgets[k], design.bound
    block = design.window_start(k) + design.window
    if g.pinned_by == "junction":
        return block + g.first_cost - T, block + g.first_cost
    return block, block + g.delta - T


def build_instance(design: WindowDesign) -> Instance:
    """Return the reduced instance: walls, elements, gadgets; ``ttft_bound`` = T."""
    T, queries = design.bound, []
    seg = False
    for j, p in enumerate(design.start_wall):
        queries.append(Query(f"wall0.{j}", 0, p, seg))
    for i, p in enumerate(design.elements):
        queries.append(Query(f"e{i}", T, p, seg))
    for k, g in enumerate(design.gadgets):
        a_first, a_second = _gadget_arrivals(design, k)
        queries.append(Query(f"g{k + 1}.first", a_first, g.first, seg))
        queries.append(Query(f"g{k + 1}.second", a_second, g.second, seg))
    for j, p in enumerate(design.end_wall):
        queries.append(Query(f"wall1.{j}", 2 * T, p, seg))
    return Instance(tuple(queries), design.cost, T)


def element_index(design: WindowDesign, i: int) -> int:
    """Return the position in the instance of the element query for number i."""
    return len(design.start_wall) + i


def forward_order(design: WindowDesign, tp: ThreePartition, partition: Sequence[Sequence[int]]) -> list[int]:
    """Return the order (query indices) that schedules triple k in window k; meets T."""
    parts = tp.check_partition(partition)
    first_gadget = len(design.start_wall) + 3 * tp.m
    order = list(range(len(design.start_wall)))
    for k, triple in enumerate(parts):
        order += [element_index(design, i) for i in triple]
        if k < tp.m - 1:
            order += [first_gadget + 2 * k, first_gadget + 2 * k + 1]
    end = first_gadget + 2 * (tp.m - 1)
    return order + list(range(end, end + len(design.end_wall)))


def evaluate_meeting_bound(instance: Instance, order: Sequence[int]) -> Evaluation:
    """Return the evaluation of ``order``; InstanceError if some TTFT exceeds the bound."""
    ev = evaluate(instance, order)
    if ev.max_ttft > instance.ttft_bound:
        late = max(range(instance.n), key=lambda i: ev.ttft[i])
        raise InstanceError(f"order does not meet T = {instance.ttft_bound}: "
                            f"{instance.queries[late].id!r} has TTFT {ev.ttft[late]}")
    return ev


def backward_partition(design: WindowDesign, tp: ThreePartition, instance: Instance,
                       order: Sequence[int]) -> Partition:
    """Return the partition read off an order meeting T: the elements of window k form triple k.

    InstanceError if ``instance`` is not the reduction of ``tp`` or the order misses T; a
    RuntimeError would mean the theorem failed (an element outside every window).
    """
    if instance != build_instance(design):
        raise InstanceError(f"instance is not the {design.name} reduction of this 3-partition instance")
    ev = evaluate_meeting_bound(instance, order)
    groups: list[list[int]] = [[] for _ in range(tp.m)]
    for i in range(3 * tp.m):
        q = element_index(design, i)
        k = (ev.start[q] - design.bound) // (design.window + design.delta)
        k = int(k)
        if not (0 <= k < tp.m and ev.finish[q] <= design.window_start(k) + design.window):
            raise RuntimeError(f"element e{i} runs outside every window: the reduction's proof failed")
        groups[k].append(i)
    return tp.check_partition(groups)
