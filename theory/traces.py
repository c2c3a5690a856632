"""Trace importers. ``import_mooncake`` reads the Mooncake trace format (JSON lines).

Each line: ``{"timestamp": ms, "input_length": tokens, "output_length": tokens,
"hash_ids": [...]}``; ``hash_ids[b]`` names the b-th block of 512 prompt tokens, and equal ids
at equal positions mean a shared prefix (each id hashes its block *and* everything before it).

Encoding (the format's optional ``segments`` field): block b becomes the segment
``(hash_ids[b], 512)``; the last block holds ``input_length - 512·(len(hash_ids) - 1)`` tokens
(1..512) and becomes ``(hash_ids[-1], that remainder)``. The sizes therefore sum to
``input_length`` exactly. A segment matches only an equal segment (same id *and* same size), so
a partial last block is reused only by a prompt whose last block is the same partial block; we
do not guess how many tokens of a partial block two prompts share, because the trace does not
say (an id hashes a whole block; two different partial blocks share an unknown number of
tokens). This can only under-count reuse, by less than one block per query, and matches
block-granular prefix caches (vLLM, Mooncake) that reuse full blocks only. A line whose
``len(hash_ids)`` is not ``ceil(input_length / 512)`` is inconsistent and rejected.

Time: arrivals keep the trace's milliseconds by default (``time_unit="ms"``), so the cost model's
``per_token`` is milliseconds per token (e.g. 0.02 ms/token = 50,000 tokens/s of prefill);
``time_unit="s"`` divides timestamps by 1000. Query ids are ``r<line number>`` (1-based), in
file order.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

from theory.errors import InstanceError
from theory.instance_io import MAX_NUMBER, MAX_PROMPT_TOKENS, MAX_QUERIES, MAX_TOKEN_ID, decode_json
from theory.instance import CostModel, Instance, Query

BLOCK = 512
FIELDS = frozenset({"timestamp", "input_length", "output_length", "hash_ids"})  # output_length is checked, unused
TIME_UNITS = {"ms": 1.0, "s": 1000.0}


def _field_int(row: dict, name: str, where: str, low: int) -> int:
    value = row.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InstanceError(f"{where}: {name} must be an integer >= {low}, got {json.dumps(value)[:40]}")
    return value


def mooncake_query(row: object, where: str, qid: str, divisor: float, block: int = BLOCK) -> Query:
    """Return the segmented ``Query`` of one decoded Mooncake line (``where`` names it in errors)."""
    if not isinstance(row, dict):
        raise InstanceError(f"{where}: must be a JSON object")
    unknown = sorted(set(row) - FIELDS)
    if unknown:
        raise InstanceError(f"{where}: unknown field {unknown[0]!r} (allowed: {sorted(FIELDS)})")
    stamp = row.get("timestamp")
    if (isinstance(stamp, bool) or not isinstance(stamp, (int, float)) or not math.isfinite(stamp)
            or not 0 <= stamp <= MAX_NUMBER):
        raise InstanceError(f"{where}: timestamp must be a number in [0, {MAX_NUMBER:g}], got {json.dumps(stamp)[:40]}")
    length = _field_int(row, "input_length", where, 1)
    if length > MAX_PROMPT_TOKENS:
        raise InstanceError(f"{where}: absurd input_length {length} (limit {MAX_PROMPT_TOKENS})")
    if "output_length" in row:
        _field_int(row, "output_length", where, 0)
    ids = row.get("hash_ids")
    if not isinstance(ids, list) or not all(type(h) is int and 0 <= h <= MAX_TOKEN_ID for h in ids):
        raise InstanceError(f"{where}: hash_ids must be a list of integers in [0, {MAX_TOKEN_ID}]")
    if len(ids) != -(-length // block):
        raise InstanceError(f"{where}: {len(ids)} hash_ids do not cover input_length {length} "
                            f"in blocks of {block} (expected {-(-length // block)})")
    last = length - block * (len(ids) - 1)
    units = tuple((h, block) for h in ids[:-1]) + ((ids[-1], last),)
    return Query(qid, stamp / divisor, units, True, length)


def import_mooncake(path: str | Path, limit: int | None = None, *, cost: CostModel = CostModel(),
                    ttft_bound: float | None = None, time_unit: str = "ms",
                    block: int = BLOCK) -> Instance:
    """Return the instance of the Mooncake trace at ``path`` (first ``limit`` requests if given).

    Raises ``InstanceError`` naming the line for any malformed or inconsistent line."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InstanceError(f"limit: must be an integer >= 1, got {limit!r}")
    if time_unit not in TIME_UNITS:
        raise InstanceError(f"time_unit: must be one of {list(TIME_UNITS)}, got {time_unit!r}")
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise InstanceError(f"block: must be an integer >= 1, got {block!r}")
    queries: list[Query] = []
    try:
        with open(path) as fh:
            for lineno, line in enumerate(fh, 1):
                if limit is not None and len(queries) >= limit:
                    break
                if not line.strip():
                    continue
                where = f"{path}: line {lineno}"
                if len(queries) >= MAX_QUERIES:
                    raise InstanceError(f"{where}: more than {MAX_QUERIES} requests (pass a limit)")
                row = decode_json(line, where)
                queries.append(mooncake_query(row, where, f"r{lineno}", TIME_UNITS[time_unit], block))
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: cannot read trace ({exc.__class__.__name__})") from None
    if not queries:
        raise InstanceError(f"{path}: no requests in trace")
    return Instance(tuple(queries), cost, ttft_bound)


def trace_meta(path: str | Path, limit: int | None, time_unit: str) -> dict:
    """Return the ``meta`` record stored with an imported trace."""
    return {"source": "mooncake", "trace": Path(path).name, "limit": limit, "time_unit": time_unit,
            "block": BLOCK, "encoding": "segments: (hash_id, 512) per block, last block (hash_id, remainder)"}
