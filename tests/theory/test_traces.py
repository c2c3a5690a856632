"""The Mooncake importer: encoding rule, consistency checks, and the shipped synthetic trace."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from theory.errors import InstanceError
from theory.evaluate import evaluate
from theory.instance import CostModel, Instance
from theory.instance_io import dumps_instance, loads_instance
from theory.traces import import_mooncake

TRACE = Path(__file__).resolve().parents[3] / "shared" / "data" / "mooncake_synthetic_trace.jsonl"


def _write(tmp_path, rows) -> Path:
    path = tmp_path / "trace.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_blocks_become_segments_with_partial_last(tmp_path):
    path = _write(tmp_path, [
        {"timestamp": 0, "input_length": 1100, "output_length": 1, "hash_ids": [5, 6, 7]},
        {"timestamp": 250, "input_length": 1024, "output_length": 1, "hash_ids": [5, 6]},
    ])
    inst = import_mooncake(path)
    a, b = inst.queries
    assert a.units == ((5, 512), (6, 512), (7, 76)) and a.length == 1100
    assert b.units == ((5, 512), (6, 512)) and b.length == 1024
    assert (a.id, b.id, b.arrival) == ("r1", "r2", 250)
    ev = evaluate(inst, [0, 1])  # previous cache: b reuses the two shared full blocks
    assert ev.reused == (0, 1024)
    assert import_mooncake(path, time_unit="s").queries[1].arrival == 0.25


def test_partial_blocks_match_only_identical_partial_blocks(tmp_path):
    path = _write(tmp_path, [
        {"timestamp": 0, "input_length": 600, "hash_ids": [1, 2]},
        {"timestamp": 0, "input_length": 700, "hash_ids": [1, 2]},  # same id, other size
        {"timestamp": 0, "input_length": 600, "hash_ids": [1, 2]},
    ])
    inst = import_mooncake(path, cost=CostModel(cache="radix"))
    assert evaluate(inst, [0, 1, 2]).reused == (0, 512, 600)


@pytest.mark.parametrize("line,needle", [
    ('{"timestamp": 0, "input_length": 600, "hash_ids": [1]}', "line 2: 1 hash_ids"),
    ('{"timestamp": -1, "input_length": 6, "hash_ids": [1]}', "line 2: timestamp"),
    ('{"timestamp": 0, "input_length": 0, "hash_ids": []}', "line 2: input_length"),
    ('{"timestamp": 0, "input_length": 6, "hash_ids": ["a"]}', "line 2: hash_ids"),
    ('{"timestamp": 0, "input_length": 6}', "line 2: hash_ids"),
    ('not json', "line 2: malformed JSON"),
    ('[1, 2]', "line 2: must be a JSON object"),
    ('{"timestamp": 0, "input_length": 6, "output_length": -3, "hash_ids": [1]}', "line 2: output_length"),
    ('{"timestamp": 0, "input_length": 6, "output_length": "x", "hash_ids": [1]}', "line 2: output_length"),
    ('{"timestamp": 0, "input_length": 6, "hash_ids": [99999999999999999999999]}', "line 2: hash_ids"),
    ('{"timestamp": 0, "input_length": 6, "hash_ids": [1], "model": "x"}', "line 2: unknown field 'model'"),
    ('{"timestamp": 1e300, "input_length": 6, "hash_ids": [1]}', "line 2: timestamp"),
    ('{"timestamp": 0, "timestamp": 1, "input_length": 6, "hash_ids": [1]}', "line 2: malformed JSON: duplicate"),
])
def test_inconsistent_lines_name_the_line(tmp_path, line, needle):
    path = _write(tmp_path, [{"timestamp": 0, "input_length": 5, "hash_ids": [9]}, line])
    with pytest.raises(InstanceError, match=needle) as info:
        import_mooncake(path)
    assert "\n" not in str(info.value)


def test_bad_arguments(tmp_path):
    path = _write(tmp_path, [{"timestamp": 0, "input_length": 5, "hash_ids": [9]}])
    with pytest.raises(InstanceError, match="limit"):
        import_mooncake(path, limit=0)
    with pytest.raises(InstanceError, match="time_unit"):
        import_mooncake(path, time_unit="h")
    with pytest.raises(InstanceError, match="cannot read"):
        import_mooncake(tmp_path / "missing.jsonl")
    with pytest.raises(InstanceError, match="no requests"):
        import_mooncake(_write(tmp_path, [""]))


@pytest.mark.skipif(not TRACE.exists(), reason="shared Mooncake trace not present")
def test_shared_trace_loads_whole():
    inst = import_mooncake(TRACE)
    rows = [json.loads(line) for line in TRACE.read_text().splitlines() if line.strip()]
    assert inst.n == len(rows) == 3993
    assert [q.length for q in inst.queries] == [r["input_length"] for r in rows]
    assert all(len(q.units) == math.ceil(q.length / 512) for q in inst.queries)
    assert [q.arrival for q in inst.queries] == [r["timestamp"] for r in rows]


@pytest.mark.skipif(not TRACE.exists(), reason="shared Mooncake trace not present")
def test_shared_trace_overlap_equals_common_hash_prefix():
    inst = import_mooncake(TRACE, limit=300)
    rows = [json.loads(line) for line in TRACE.read_text().splitlines()[:300]]

    def blocks(r):  # (hash id, tokens in that block), computed independently of the importer
        n = r["input_length"]
        return [(h, min(512, n - 512 * j)) for j, h in enumerate(r["hash_ids"])]

    def expected(a, b):  # tokens of the leading equal blocks (partial blocks only if identical)
        total = 0
        for x, y in zip(blocks(a), blocks(b)):
            if x != y:
                break
            total += x[1]
        return total

    prev_cost = CostModel()
    checked = 0
    for j in range(1, 300):
        i = max(range(j), key=lambda i: expected(rows[i], rows[j]))
        want = expected(rows[i], rows[j])
        if want == 0 and j % 25:
            continue
        pair = Instance((inst.queries[i], inst.queries[j]), prev_cost)
        assert evaluate(pair, [0, 1]).reused == (0, want)
        checked += want > 0
    assert checked > 10  # the trace does share prefixes
    radix = evaluate(inst.with_cost(CostModel(cache="radix")), list(range(300)))
    for j in range(1, 300, 7):
        assert radix.reused[j] == max(expected(rows[i], rows[j]) for i in range(j))


@pytest.mark.skipif(not TRACE.exists(), reason="shared Mooncake trace not present")
def test_shared_trace_round_trips_through_format():
    inst = import_mooncake(TRACE, limit=200)
    assert loads_instance(dumps_instance(inst)) == inst
