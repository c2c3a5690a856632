"""Queries, cost parameters and instances of the scheduling model (frozen dataclasses).

A prompt is a tuple of *units*. A unit is either one token (an ``int``) or a segment
``(key, size)`` (a ``tuple`` of two ints) that stands for ``size`` tokens and matches only an
equal segment. Segments give the compact encoding used by trace importers (e.g. Mooncake's
512-token hash blocks); tokens give the exact model of the paper. Prefix reuse is always
measured in tokens.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Sequence, Union

Unit = Union[int, tuple[int, int]]
CacheKind = Literal["previous", "radix", "lru"]
CACHE_KINDS: tuple[str, ...] = ("previous", "radix", "lru")


def unit_tokens(units: Sequence[Unit]) -> int:
    """Return the number of tokens that ``units`` stand for."""
    total = 0
    for u in units:
        total += u[1] if type(u) is tuple else 1
    return total


@dataclass(frozen=True)
class Query:
    """One query: a prompt (tuple of units) arriving at ``arrival`` (time units >= 0)."""

    id: str
    arrival: float
    units: tuple[Unit, ...]
    segmented: bool = False
    length: int = field(default=-1, compare=False)

    def __post_init__(self) -> None:
        if self.length < 0:
            n = unit_tokens(self.units) if self.segmented else len(self.units)
            object.__setattr__(self, "length", n)

    def tokens_in(self, n_units: int) -> int:
        """Return the number of tokens in the first ``n_units`` units of the prompt."""
        if not self.segmented:
            return n_units
        return unit_tokens(self.units[:n_units])


@dataclass(frozen=True)
class CostModel:
    """Processing time ``base + (per_token + c_attn*|x|) * (|x| - overlap)`` and cache model.

    ``capacity`` (tokens) is required for the ``lru`` cache and must be ``None`` otherwise.
    """

    cache: str = "previous"
    c_attn: float = 0
    per_token: float = 1
    base: float = 0
    capacity: int | None = None

    def processing_time(self, length: int, overlap: int) -> float:
        """Return the processing time of a prompt of ``length`` tokens reusing ``overlap``."""
        return self.base + (self.per_token + self.c_attn * length) * (length - overlap)


@dataclass(frozen=True)
class Instance:
    """A scheduling instance: queries in file order, a cost model and an optional TTFT bound."""

    queries: tuple[Query, ...]
    cost: CostModel = CostModel()
    ttft_bound: float | None = None

    @property
    def n(self) -> int:
        """Return the number of queries."""
        return len(self.queries)

    def index_of(self, query_id: str) -> int:
        """Return the position of the query with id ``query_id`` (KeyError if absent)."""
        return self._ids()[query_id]

    def _ids(self) -> dict[str, int]:
        cached = self.__dict__.get("_id_map")
        if cached is None:
            cached = {q.id: i for i, q in enumerate(self.queries)}
            object.__setattr__(self, "_id_map", cached)
        return cached

    def arrival_order(self) -> list[int]:
        """Return query indices sorted by (arrival, position): FCFS order."""
        return sorted(range(self.n), key=lambda i: (self.queries[i].arrival, i))

    def with_cost(self, cost: CostModel) -> "Instance":
        """Return a copy of this instance with another cost model."""
        return Instance(self.queries, cost, self.ttft_bound)

    def with_bound(self, ttft_bound: float | None) -> "Instance":
        """Return a copy of this instance with another TTFT bound."""
        return Instance(self.queries, self.cost, ttft_bound)
