"""Requests: an instance query made concrete as model token ids, and the record of its outcome.

Prompt expansion (deterministic, documented in docs/readme/runtime.md):

- a token unit ``t`` (an int) becomes the token id ``t mod vocab_size``;
- a segment ``(key, size)`` becomes ``size`` token ids drawn by NumPy's PCG64 generator seeded
  with ``(key, size)``, uniformly in ``[0, vocab_size)``: equal segments give equal ids.

Prefix reuse is decided on the query's units (as in the theory), never on the expanded ids, so
two distinct units that happen to map to the same id do not share KV.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

from theory.instance import CostModel, Instance, Query


def unit_token_ids(unit, vocab_size: int) -> list[int]:
    """Return the model token ids a single unit expands to."""
    if type(unit) is tuple:
        import numpy as np
        key, size = unit
        rng = np.random.default_rng([key, size])
        return rng.integers(0, vocab_size, size=size).tolist()
    return [unit % vocab_size]


def prompt_token_ids(query: Query, vocab_size: int) -> list[int]:
    """Return the full list of model token ids of ``query``'s prompt."""
    if not query.segmented:
        return [u % vocab_size for u in query.units]
    out: list[int] = []
    for u in query.units:
        out.extend(unit_token_ids(u, vocab_size))
    return out


def instance_from_texts(texts: Sequence[str], arrivals: Sequence[float], tokenizer,
                        cost: CostModel = CostModel(cache="radix")) -> Instance:
    """Return an instance whose prompts are ``texts`` tokenised by the model's tokenizer."""
    if tokenizer is None:
        raise ValueError("this model has no tokenizer; give prompts as token ids")
    if len(texts) != len(arrivals) or not texts:
        raise ValueError("texts and arrivals must be non-empty and of equal length")
    queries = []
    for k, (text, t) in enumerate(zip(texts, arrivals)):
        ids = tuple(tokenizer(text, add_special_tokens=False)["input_ids"])
        queries.append(Query(f"t{k}", float(t), ids))
    return Instance(tuple(queries), cost)


@dataclass(frozen=True)
class Request:
    """One query ready to run: its position in the instance and its model token ids."""

    index: int
    query: Query
    token_ids: tuple[int, ...]


@dataclass(frozen=True)
class RequestRecord:
    """What happened to one request. Times are in seconds on the replay's clock (instance time x
    time_scale; the replay starts at the first arrival, so ``arrival`` = instance arrival x
    time_scale); for a rejected request only ``id``, ``arrival``, ``status`` and ``reason`` are
    meaningful. In a packed batch, ``prefill_seconds`` is the shared time of the whole pass."""

    id: str
    arrival: float
    status: str                      # "done" or "rejected"
    reason: str = ""
    start: float | None = None
    first_token_time: float | None = None
    ttft: float | None = None
    cached_tokens: int = 0
    computed_tokens: int = 0
    prefill_seconds: float = 0.0
    batch: int = 0                   # which prefill batch (or step) ran it
    decoded: tuple[int, ...] = ()

    def to_json(self) -> dict:
        """Return the record as a JSON-ready dict."""
        out = asdict(self)
        out["decoded"] = list(self.decoded)
        return out
