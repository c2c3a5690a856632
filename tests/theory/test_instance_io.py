"""Reading and writing the instance format; every malformed input gets a named, one-line error."""
import json

import pytest
from hypothesis import given

from tests.strategies import cost_models, instances
from theory.errors import InstanceError
from theory.instance_io import dumps_instance, instance_hash, loads_instance, parse_instance


def base_obj():
    return {"format": "klpm-instance/1", "cost": {"cache": "previous", "c_attn": 0, "per_token": 1, "base": 0},
            "ttft_bound": 120, "queries": [{"id": "q0", "arrival": 0, "tokens": [7, 7, 3, 1]},
                                           {"id": "q1", "arrival": 2, "tokens": [7, 7, 5]}]}


def test_spec_example_parses():
    inst = parse_instance(base_obj())
    assert inst.n == 2 and inst.ttft_bound == 120
    assert inst.queries[1].units == (7, 7, 5) and inst.queries[1].length == 3


def test_defaults_follow_the_spec():
    obj = base_obj()
    del obj["cost"]
    cost = parse_instance(obj).cost
    assert (cost.cache, cost.c_attn, cost.per_token, cost.base) == ("previous", 0, 1, 0)


def test_segments_encoding():
    obj = base_obj()
    obj["queries"][0] = {"id": "q0", "arrival": 0, "segments": [[5, 512], [6, 100]]}
    q = parse_instance(obj).queries[0]
    assert q.segmented and q.length == 612 and q.tokens_in(1) == 512


def mutate(path, value):
    obj = base_obj()
    target = obj
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return obj


BAD = [
    (("queries",), KeyError, "queries: missing"),
    (("queries",), [], "queries: must be a non-empty list"),
    (("queries", 0, "arrival"), -1, "queries[0].arrival"),
    (("queries", 0, "arrival"), KeyError, "queries[0].arrival: missing"),
    (("queries", 1, "arrival"), "3", "queries[1].arrival: must be a number"),
    (("queries", 1, "arrival"), float("nan"), "queries[1].arrival"),
    (("queries", 0, "tokens"), [], "queries[0].tokens: must not be empty"),
    (("queries", 0, "tokens"), [1, 2.5], "queries[0].tokens[1]"),
    (("queries", 0, "tokens"), [1, -3], "queries[0].tokens[1]"),
    (("queries", 0, "tokens"), [True], "queries[0].tokens[0]"),
    (("queries", 0, "tokens"), "abc", "queries[0].tokens: must be a list"),
    (("queries", 1, "id"), "q0", "queries[1].id: duplicate id 'q0'"),
    (("queries", 1, "id"), 5, "queries[1].id"),
    (("queries", 1, "colour"), "red", "queries[1]: unknown field 'colour'"),
    (("cost", "cache"), "fifo", "cost.cache: unknown cache model 'fifo'"),
    (("cost", "base"), -1, "cost.base"),
    (("cost", "c_attn"), -0.5, "cost.c_attn"),
    (("cost", "per_token"), None, "cost.per_token"),
    (("cost", "capacity"), 10, "cost.capacity: only meaningful"),
    (("ttft_bound",), -5, "ttft_bound"),
    (("ttft_bound",), 1e300, "ttft_bound: absurdly large"),
    (("format",), "klpm-instance/2", "format"),
    (("format",), KeyError, "format: missing"),
    (("extra",), 1, "instance: unknown field 'extra'"),
    (("meta",), [1], "meta: must be a JSON object"),
    (("queries", 0, "meta"), [1], "queries[0].meta: must be a JSON object"),
]


@pytest.mark.parametrize("path,value,message", BAD)
def test_bad_input_is_named(path, value, message):
    with pytest.raises(InstanceError) as err:
        parse_instance(mutate(path, value))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_lru_needs_capacity():
    obj = base_obj()
    obj["cost"]["cache"] = "lru"
    with pytest.raises(InstanceError, match="cost.capacity: required"):
        parse_instance(obj)
    obj["cost"]["capacity"] = 3
    assert parse_instance(obj).cost.capacity == 3


def test_tokens_and_segments_together_rejected():
    obj = base_obj()
    obj["queries"][0]["segments"] = [[1, 2]]
    with pytest.raises(InstanceError, match="exactly one of 'tokens' or 'segments'"):
        parse_instance(obj)


def test_malformed_json():
    with pytest.raises(InstanceError, match="malformed JSON"):
        loads_instance('{"format": ')
    with pytest.raises(InstanceError, match="instance: must be a JSON object"):
        loads_instance("[1, 2]")


@given(instances(cost=cost_models()))
def test_round_trip(inst):
    back = loads_instance(dumps_instance(inst))
    assert back == inst
    assert instance_hash(back) == instance_hash(inst)
    json.loads(dumps_instance(inst))


@given(instances(segmented=True))
def test_round_trip_segments(inst):
    assert loads_instance(dumps_instance(inst)) == inst


@pytest.mark.parametrize("text,message", [
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
    ('{"format": "klpm-instance/1", "format": "klpm-instance/1", "queries": []}', "duplicate key 'format'"),
    ('{"format": "klpm-instance/1", "queries": [{"id": "a", "id": "b", "arrival": 0, "tokens": [1]}]}',
     "duplicate key 'id'"),
])
def test_json_that_decodes_badly_is_one_line(text, message):
    from theory.instance_io import loads_instance
    with pytest.raises(InstanceError, match=message) as err:
        loads_instance(text)
    assert "\n" not in str(err.value)
