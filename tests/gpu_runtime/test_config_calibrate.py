"""Config, device choice, cost fitting and cost files (no model needed)."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpu_runtime.calibrate import fit_costs
from theory.instance_io import load_cost_file
from gpu_runtime.config import EngineConfig
from theory.errors import InstanceError
from theory.instance import CostModel


def test_auto_device_picks_cuda_when_available(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert EngineConfig(device="auto").resolved_device() == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert EngineConfig(device="auto").resolved_device() == "cpu"
    with pytest.raises(InstanceError):
        EngineConfig(device="cuda").resolved_device()


@pytest.mark.parametrize("bad", [{"device": "tpu"}, {"dtype": "fp8"}, {"kv_capacity_tokens": 0},
                                 {"time_scale": 0}, {"decode_tokens": -1}, {"cpu_threads": -2}])
def test_bad_config_is_refused(bad):
    with pytest.raises(InstanceError):
        EngineConfig(**bad)


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("KLPM_CACHE_DIR", str(tmp_path / "env"))
    assert EngineConfig().resolved_cache_dir() == tmp_path / "env"
    assert EngineConfig(cache_dir=str(tmp_path / "cfg")).resolved_cache_dir() == tmp_path / "cfg"


@settings(max_examples=30, deadline=None)
@given(st.floats(0, 1), st.floats(1e-4, 1e-2), st.floats(0, 1e-5))
def test_fit_recovers_exact_costs(base, per_token, c_attn):
    cost = CostModel(base=base, per_token=per_token, c_attn=c_attn)
    points = [(L, P, cost.processing_time(L, P)) for L in (16, 64, 256, 1024) for P in (0, L // 2, L - 1)]
    coef, r2, rel = fit_costs(points)
    assert coef["base"] == pytest.approx(base, abs=1e-6)
    assert coef["per_token"] == pytest.approx(per_token, rel=1e-5)
    assert coef["c_attn"] == pytest.approx(c_attn, abs=1e-9)
    assert r2 > 0.999999 and rel < 1e-4


def test_fit_never_returns_negative_coefficients():
    # times that fall with length would need a negative per_token: the fit keeps it at 0
    points = [(L, 0, 1.0 - 0.001 * L) for L in (10, 100, 200, 400)]
    coef, _, _ = fit_costs(points)
    assert min(coef.values()) >= 0


def test_cost_file_round_trip_and_errors(tmp_path):
    path = tmp_path / "costs.json"
    path.write_text(json.dumps({"format": "klpm-calibration/1",
                                "cost": {"cache": "radix", "c_attn": 1e-6, "per_token": 0.002, "base": 0.01}}))
    cost = load_cost_file(path)
    assert (cost.cache, cost.per_token, cost.base) == ("radix", 0.002, 0.01)
    lru = load_cost_file(path, cache="lru", capacity=128)
    assert lru.cache == "lru" and lru.capacity == 128 and lru.c_attn == 1e-6
    (tmp_path / "bad.json").write_text('{"cost": {"base": -1}}')
    with pytest.raises(InstanceError):
        load_cost_file(tmp_path / "bad.json")
    with pytest.raises(InstanceError):
        load_cost_file(tmp_path / "missing.json")


def test_calibrate_quick_refuses_grid_options(capsys):
    from klpm.cli import main
    assert main(["calibrate", "--quick", "--repeats", "7"]) == 2
    assert "--quick fixes the grid" in capsys.readouterr().err


def test_a_corrupt_model_directory_is_a_one_line_error(tmp_path, capsys):
    pytest.importorskip("transformers")
    from klpm.cli import main
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({
        "model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 1,
        "num_attention_heads": 2, "num_key_value_heads": 2, "vocab_size": 100}))
    (model / "model.safetensors").write_bytes(b"\xff" * 64)
    assert main(["serve-bench", "--model", str(model), "--workload", "definition4", "--rate", "1000"]) == 2
    err = capsys.readouterr().err
    assert "model: cannot load" in err and len(err.strip().splitlines()) == 1
