"""``klpm reduce 3-partition`` and ``klpm reduce check``: files, meta, verdicts and exit codes."""
from __future__ import annotations

import json

import pytest

from klpm.cli import main
from proofs import reduction_percentile, reduction_previous, reduction_radix
from proofs.three_partition import ThreePartition
from theory.instance_io import load_instance

YES = [4, 5, 4, 4, 4, 5]
NO = [4, 4, 6, 4, 4, 4]


def build(tmp_path, numbers, *extra):
    path = tmp_path / "inst.json"
    assert main(["reduce", "3-partition", "--numbers", ",".join(map(str, numbers)), "-o", str(path), *extra]) == 0
    return path


def write_order(tmp_path, ids, wrap=False):
    path = tmp_path / "order.json"
    path.write_text(json.dumps({"policy": "x", "order": ids} if wrap else ids))
    return path


def test_build_writes_the_reduction_with_meta(tmp_path):
    path = build(tmp_path, YES)
    obj = json.loads(path.read_text())
    assert obj["meta"]["source"] == {"problem": "3-partition", "numbers": YES, "B": 13}
    assert obj["meta"]["reduction"] == reduction_previous.NAME and obj["meta"]["version"] == 1
    assert load_instance(path) == reduction_previous.reduce(ThreePartition(tuple(YES), 13))


@pytest.mark.parametrize("numbers", ["4,4,6,4,4", "4,4,6,4,4,5", "3,5,5", "3,x,5", "0,0,0"])
def test_invalid_numbers_exit_2_with_one_line(tmp_path, capsys, numbers):
    assert main(["reduce", "3-partition", "--numbers", numbers, "-o", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("klpm reduce: error:") and "\n" not in err
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("wrap", [False, True])
def test_check_prints_the_partition_of_an_order_meeting_t(tmp_path, capsys, wrap):
    path = build(tmp_path, YES)
    inst = load_instance(path)
    tp = ThreePartition(tuple(YES), 13)
    order = reduction_previous.forward(tp, ((0, 1, 2), (3, 4, 5)))
    opath = write_order(tmp_path, [inst.queries[i].id for i in order], wrap)
    capsys.readouterr()
    assert main(["reduce", "check", str(path), "--order", str(opath)]) == 0
    out = capsys.readouterr().out
    assert "meets T" in out and "a[0]=4 + a[1]=5 + a[2]=4 = 13" in out


def test_check_exits_1_when_the_order_misses_t(tmp_path, capsys):
    path = build(tmp_path, NO)
    inst = load_instance(path)
    opath = write_order(tmp_path, [inst.queries[i].id for i in inst.arrival_order()])
    assert main(["reduce", "check", str(path), "--order", str(opath), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["meets"] is False and out["partition"] is None and out["max_ttft"] > out["ttft_bound"]


@pytest.mark.parametrize("variant, extra, module", [
    ("radix", [], reduction_radix), ("previous", ["--percentile", "1/2"], None), ("radix", ["--percentile", "0.25"], None)])
def test_variants_round_trip_through_check(tmp_path, capsys, variant, extra, module):
    path = build(tmp_path, YES, "--variant", variant, *extra)
    tp, part = ThreePartition(tuple(YES), 13), ((0, 1, 2), (3, 4, 5))
    inst = load_instance(path)
    if module is not None:
        order = module.forward(tp, part)
    else:
        p = json.loads(path.read_text())["meta"]["p"]
        order = reduction_percentile.forward(tp, p, part, variant)
    opath = write_order(tmp_path, [inst.queries[i].id for i in order])
    capsys.readouterr()
    assert main(["reduce", "check", str(path), "--order", str(opath), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["partition"] == [[0, 1, 2], [3, 4, 5]]


def test_check_rejects_files_without_reduction_meta_and_bad_orders(tmp_path, capsys):
    path = build(tmp_path, YES)
    obj = json.loads(path.read_text())
    del obj["meta"]
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(obj))
    opath = write_order(tmp_path, ["e0"])
    assert main(["reduce", "check", str(plain), "--order", str(opath)]) == 2
    assert main(["reduce", "check", str(path), "--order", str(opath)]) == 2
    (tmp_path / "obj.json").write_text('{"policy": "fcfs"}')
    assert main(["reduce", "check", str(path), "--order", str(tmp_path / "obj.json")]) == 2
    assert main(["reduce", "3-partition", "--numbers", "4,5,4,4,4,5", "--variant", "lru", "--percentile", "0.5"]) == 2
    assert main(["reduce", "3-partition", "--numbers", "4,5,4,4,4,5", "--percentile", "1.5"]) == 2
