"""Read, validate and write instances in the ``klpm-instance/1`` JSON format.

Validation happens here and only here: every malformed input raises ``InstanceError`` with a
one-line message that names the field (``queries[3].arrival: ...``).
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from theory.errors import InstanceError
from theory.instance import CACHE_KINDS, CostModel, Instance, Query, Unit

FORMAT = "klpm-instance/1"
MAX_QUERIES = 1_000_000
MAX_PROMPT_TOKENS = 100_000_000
MAX_TOTAL_PROMPT = MAX_PROMPT_TOKENS * 100  # tokens over all queries
MAX_NUMBER = 1e15
MAX_TOKEN_ID = 2**63 - 1
TOP_FIELDS = {"format", "cost", "ttft_bound", "queries", "meta"}
COST_FIELDS = {"cache", "c_attn", "per_token", "base", "capacity"}
QUERY_FIELDS = {"id", "arrival", "tokens", "segments", "meta"}


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InstanceError(f"{where}: must be a number, got {json.dumps(value)[:40]}")
    if not math.isfinite(value) or value < 0:
        raise InstanceError(f"{where}: must be a finite number >= 0, got {value}")
    if value > MAX_NUMBER:
        raise InstanceError(f"{where}: absurdly large value {value:.6g} (limit {MAX_NUMBER:g})")
    return value


def _int(value: Any, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(f"{where}: must be an integer, got {json.dumps(value)[:40]}")
    if not low <= value <= high:
        raise InstanceError(f"{where}: must be in [{low}, {high}], got {value}")
    return value


def _check_fields(obj: Any, allowed: set[str], where: str) -> dict:
    if not isinstance(obj, dict):
        raise InstanceError(f"{where}: must be a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise InstanceError(f"{where}: unknown field {unknown[0]!r} (allowed: {sorted(allowed)})")
    return obj


def parse_cost(obj: Any, where: str = "cost") -> CostModel:
    """Return the validated ``CostModel`` of a ``cost`` object (defaults as in the spec)."""
    obj = _check_fields(obj, COST_FIELDS, where)
    cache = obj.get("cache", "previous")
    if cache not in CACHE_KINDS:
        raise InstanceError(f"{where}.cache: unknown cache model {cache!r} (use one of {list(CACHE_KINDS)})")
    params = {k: _number(obj.get(k, d), f"{where}.{k}") for k, d in (("c_attn", 0), ("per_token", 1), ("base", 0))}
    capacity = obj.get("capacity")
    if cache == "lru":
        if capacity is None:
            raise InstanceError(f"{where}.capacity: required for the lru cache (tokens)")
        capacity = _int(capacity, f"{where}.capacity", 0, MAX_PROMPT_TOKENS * 10)
    elif capacity is not None:
        raise InstanceError(f"{where}.capacity: only meaningful with cache 'lru', not {cache!r}")
    return CostModel(cache=cache, capacity=capacity, **params)


def _units(q: dict, where: str) -> tuple[tuple[Unit, ...], bool]:
    has_tokens, has_segments = "tokens" in q, "segments" in q
    if has_tokens == has_segments:
        raise InstanceError(f"{where}: exactly one of 'tokens' or 'segments' is required")
    field = "tokens" if has_tokens else "segments"
    raw = q[field]
    if not isinstance(raw, list):
        raise InstanceError(f"{where}.{field}: must be a list, got {type(raw).__name__}")
    if not raw:
        raise InstanceError(f"{where}.{field}: must not be empty")
    if has_tokens:
        if len(raw) > MAX_PROMPT_TOKENS:
            raise InstanceError(f"{where}.tokens: absurd prompt length {len(raw)}")
        for t, tok in enumerate(raw):
            if isinstance(tok, bool) or not isinstance(tok, int) or not 0 <= tok <= MAX_TOKEN_ID:
                raise InstanceError(f"{where}.tokens[{t}]: must be an integer >= 0, got {json.dumps(tok)[:40]}")
        return tuple(raw), False
    units: list[Unit] = []
    for s, seg in enumerate(raw):
        if not isinstance(seg, list) or len(seg) != 2:
            raise InstanceError(f"{where}.segments[{s}]: must be a pair [key, size]")
        key = _int(seg[0], f"{where}.segments[{s}][0]", 0, MAX_TOKEN_ID)
        size = _int(seg[1], f"{where}.segments[{s}][1]", 1, MAX_PROMPT_TOKENS)
        units.append((key, size))
    return tuple(units), True


def parse_instance(obj: Any) -> Instance:
    """Return the validated ``Instance`` described by a decoded JSON object."""
    obj = _check_fields(obj, TOP_FIELDS, "instance")
    if obj.get("format", FORMAT) != FORMAT:
        raise InstanceError(f"format: expected {FORMAT!r}, got {obj.get('format')!r}")
    if "format" not in obj:
        raise InstanceError(f"format: missing (expected {FORMAT!r})")
    cost = parse_cost(obj.get("cost", {}))
    bound = obj.get("ttft_bound")
    bound = None if bound is None else _number(bound, "ttft_bound")
    if "meta" in obj and not isinstance(obj["meta"], dict):
        raise InstanceError("meta: must be a JSON object")
    raw = obj.get("queries")
    if raw is None:
        raise InstanceError("queries: missing")
    if not isinstance(raw, list) or not raw:
        raise InstanceError("queries: must be a non-empty list")
    if len(raw) > MAX_QUERIES:
        raise InstanceError(f"queries: absurd number of queries {len(raw)} (limit {MAX_QUERIES})")
    queries, seen, total = [], set(), 0
    for j, q in enumerate(raw):
        where = f"queries[{j}]"
        q = _check_fields(q, QUERY_FIELDS, where)
        qid = q.get("id")
        if not isinstance(qid, str) or not qid:
            raise InstanceError(f"{where}.id: must be a non-empty string, got {json.dumps(qid)[:40]}")
        if qid in seen:
            raise InstanceError(f"{where}.id: duplicate id {qid!r}")
        seen.add(qid)
        if "arrival" not in q:
            raise InstanceError(f"{where}.arrival: missing")
        arrival = _number(q["arrival"], f"{where}.arrival")
        if "meta" in q and not isinstance(q["meta"], dict):
            raise InstanceError(f"{where}.meta: must be a JSON object")
        units, segmented = _units(q, where)
        query = Query(qid, arrival, units, segmented)
        total += query.length
        if total > MAX_TOTAL_PROMPT:
            raise InstanceError(f"{where}: absurd total prompt size {total} tokens")
        queries.append(query)
    return Instance(tuple(queries), cost, bound)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise InstanceError(f"malformed JSON: duplicate key {key!r} in one object")
        out[key] = value
    return out


def decode_json(text: str, where: str = "") -> Any:
    """Return the decoded JSON ``text``; InstanceError (prefixed by ``where``) for malformed JSON,
    duplicate keys in one object (JSON leaves them undefined) or nesting too deep to decode."""
    prefix = f"{where}: " if where else ""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise InstanceError(f"{prefix}malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InstanceError(f"{prefix}malformed JSON: nested too deeply") from None
    except InstanceError as exc:
        raise InstanceError(f"{prefix}{exc}") from None


def loads_instance(text: str) -> Instance:
    """Return the instance encoded in the JSON string ``text``."""
    return parse_instance(decode_json(text))


def load_instance(path: str | Path) -> Instance:
    """Return the instance stored in the file ``path``."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: cannot read instance ({exc.__class__.__name__}: {exc})") from None
    return loads_instance(text)


def load_cost_file(path: str | Path, cache: str | None = None, capacity: int | None = None) -> CostModel:
    """Return the CostModel stored in a calibration file (or a bare ``cost`` object), with the
    cache model optionally replaced (``cache="lru"`` needs ``capacity``)."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise InstanceError(f"cost file {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InstanceError(f"cost file {path}: not UTF-8 text") from None
    obj = decode_json(text, f"cost file {path}")
    if not isinstance(obj, dict):
        raise InstanceError(f"cost file {path}: must be a JSON object")
    if "cost" not in obj and "format" in obj:
        raise InstanceError(f"cost file {path}: a {str(obj['format'])[:40]!r} file without a 'cost' object")
    raw = obj["cost"] if "cost" in obj else obj
    missing = [k for k in ("c_attn", "per_token", "base") if not isinstance(raw, dict) or k not in raw]
    if missing:  # a cost file exists to set the coefficients: no silent unit-cost defaults here
        raise InstanceError(f"cost file {path}: no {', '.join(missing)} (a file from klpm calibrate has all three)")
    cost = parse_cost(raw, "cost")
    if cache is not None:
        raw = {"cache": cache, "c_attn": cost.c_attn, "per_token": cost.per_token, "base": cost.base}
        if capacity is not None:
            raw["capacity"] = capacity
        cost = parse_cost(raw, "cost")
    return cost


def cost_to_dict(cost: CostModel) -> dict:
    """Return the ``cost`` object of the format for ``cost``."""
    out: dict[str, Any] = {"cache": cost.cache, "c_attn": cost.c_attn, "per_token": cost.per_token, "base": cost.base}
    if cost.capacity is not None:
        out["capacity"] = cost.capacity
    return out


def instance_to_dict(instance: Instance, meta: dict | None = None) -> dict:
    """Return the JSON object of the format for ``instance`` (``meta`` added when given)."""
    out: dict[str, Any] = {"format": FORMAT, "cost": cost_to_dict(instance.cost)}
    if instance.ttft_bound is not None:
        out["ttft_bound"] = instance.ttft_bound
    if meta:
        out["meta"] = meta
    out["queries"] = [
        {"id": q.id, "arrival": q.arrival, "segments": [list(u) for u in q.units]}
        if q.segmented else {"id": q.id, "arrival": q.arrival, "tokens": list(q.units)}
        for q in instance.queries
    ]
    return out


def dumps_instance(instance: Instance, meta: dict | None = None) -> str:
    """Return ``instance`` as JSON text (one query per line, for readable diffs)."""
    obj = instance_to_dict(instance, meta)
    queries = obj.pop("queries")
    head = json.dumps(obj)[:-1]
    lines = ",\n  ".join(json.dumps(q, separators=(",", ":")) for q in queries)
    return f'{head}, "queries": [\n  {lines}\n]}}\n'


def save_instance(instance: Instance, path: str | Path, meta: dict | None = None) -> None:
    """Write ``instance`` to ``path`` in the instance format."""
    Path(path).write_text(dumps_instance(instance, meta))


def instance_hash(instance: Instance) -> str:
    """Return a short SHA-256 of the canonical JSON of ``instance`` (meta excluded)."""
    canon = json.dumps(instance_to_dict(instance), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()[:16]
