"""calibrate: a `vllm bench serve --save-result` file -> a stored correction that brings the estimate of that
deployment to the measurement and leaves the others alone."""

from __future__ import annotations

import json

import pytest

from advisor import api
from advisor.cli import main
from advisor.measure import store
from advisor.measure.calibrate import calibrate
from advisor.measure.results import read_result

# The keys vllm/benchmarks/serve.py writes with --save-result (plus --metadata pairs at the top level).
VLLM_RESULT = {
    "date": "20261201-101500", "endpoint_type": "openai", "backend": "vllm", "label": None,
    "model_id": "deepseek-ai/DeepSeek-R1", "tokenizer_id": "deepseek-ai/DeepSeek-R1", "num_prompts": 640,
    "request_rate": "inf", "burstiness": 1.0, "max_concurrency": 64,
    "gpu": "h200", "gpus": "8", "layout": "dep", "precision": "fp8",
    "duration": 300.0, "completed": 640, "failed": 0, "total_input_tokens": 640_000, "total_output_tokens": 640_000,
    "request_throughput": 2.13, "request_goodput": None, "output_throughput": 2133.3, "total_token_throughput": 4266.7,
    "mean_ttft_ms": 950.0, "median_ttft_ms": 900.0, "std_ttft_ms": 100.0, "p99_ttft_ms": 1500.0,
    "mean_tpot_ms": 28.0, "median_tpot_ms": 27.0, "std_tpot_ms": 2.0, "p99_tpot_ms": 35.0,
    "mean_itl_ms": 28.0, "median_itl_ms": 27.0, "std_itl_ms": 2.0, "p99_itl_ms": 35.0,
}


@pytest.fixture()
def catdir(tmp_path, monkeypatch):
    monkeypatch.setenv("MOE_ADVISOR_CATALOG_DIR", str(tmp_path / "cat"))
    return tmp_path / "cat"


def _write(tmp_path, data, name="result.json"):
    p = tmp_path / name
    p.write_text(json.dumps(data) if isinstance(data, dict) else data, encoding="utf-8")
    return p


def test_read_result_takes_vllm_field_names(tmp_path):
    r = read_result(_write(tmp_path, VLLM_RESULT))
    assert (r.format, r.model_id, r.input_tokens, r.output_tokens, r.max_concurrency) == ("vllm", "deepseek-ai/DeepSeek-R1", 1000, 1000, 64)
    assert r.output_tokens_per_s == 2133.3 and r.date == "2026-12-01" and r.metadata["gpu"] == "h200"


def test_calibrate_round_trip_brings_that_estimate_within_2_percent(tmp_path, catdir):
    path = _write(tmp_path, VLLM_RESULT)
    assert main(["calibrate", str(path), "--engine", "vllm"]) == 0
    rows = store.load()
    assert len(rows) == 1 and rows[0].source == str(path) and rows[0].measured_on == "2026-12-01"
    assert (catdir / store.FILE_NAME).is_file()
    c = rows[0]
    # what the wired estimate does: the raw estimate at the measured shape and concurrency x correction_for(...)
    with store.corrections_disabled():
        from advisor.physics.engines import engine_profile
        from advisor.physics.performance import estimate_for
        cat = api.catalog()
        e = estimate_for(cat.models["deepseek-r1"], cat.gpus["h200"], 8, "fp8", 1000, 1000,
                         engine=engine_profile(cat, cat.gpus["h200"], "vllm"), layout="dep", concurrency=64)
    k = store.correction_for("deepseek-r1", "h200", 8, "fp8", "vllm", "dep", 1000, 1000)
    assert k == pytest.approx(c.ratio)
    assert abs(e.output_tokens_per_s * k - 2133.3) / 2133.3 < 0.02
    # other deployments are left alone
    assert store.correction_for("deepseek-r1", "h200", 8, "fp8", "trtllm", "dep", 1000, 1000) is None
    assert store.correction_for("deepseek-r1", "h200", 8, "fp8", "vllm", "tp_ep", 1000, 1000) is None
    assert store.correction_for("deepseek-r1", "h100-sxm", 8, "fp8", "vllm", "dep", 1000, 1000) is None
    with store.corrections_disabled():
        assert store.correction_for("deepseek-r1", "h200", 8, "fp8", "vllm", "dep", 1000, 1000) is None
    # ...and the estimate the advisor makes now carries it: within 2% of the measurement, others untouched.
    wired = api.estimate("deepseek-r1", "h200", 8, "fp8", 1000, 1000, engine="vllm", layout="dep", concurrency=64)
    assert abs(wired.output_tokens_per_s - 2133.3) / 2133.3 < 0.02
    assert any("your own measurement" in w for w in wired.warnings)
    other = api.estimate("deepseek-r1", "h200", 8, "fp8", 1000, 1000, engine="trtllm", layout="dep", concurrency=64)
    assert not any("your own measurement" in w for w in other.warnings)


def test_a_measurements_file_is_not_read_as_a_catalog(tmp_path, catdir, capsys):
    assert main(["calibrate", str(_write(tmp_path, VLLM_RESULT)), "--engine", "vllm"]) == 0
    from advisor import runtime

    runtime.reset_cache()
    assert not [p for p in api.catalog().problems if "measurements" in str(p)]


def test_recalibrating_replaces_and_validate_mine_lists(tmp_path, catdir, capsys):
    path = _write(tmp_path, VLLM_RESULT)
    assert main(["calibrate", str(path), "--engine", "vllm"]) == 0
    assert main(["calibrate", str(path), "--engine", "vllm"]) == 0
    assert len(store.load()) == 1
    capsys.readouterr()
    assert main(["validate", "--mine"]) == 0
    out = capsys.readouterr().out
    assert "deepseek-r1" in out and "1 correction(s)" in out and str(path) in out


def test_nearest_shape_wins(catdir):
    base = dict(model="m", gpu="g", gpus=1, precision="bf16", engine="vllm", layout="tp", concurrency=8,
                measured_tokens_per_s=1.0, estimated_tokens_per_s=1.0, source="x")
    store.save(store.Correction(input_tokens=1000, output_tokens=100, ratio=0.5, **base))
    store.save(store.Correction(input_tokens=8000, output_tokens=1000, ratio=0.8, **base))
    assert store.correction_for("m", "g", 1, "bf16", "vllm", "tp", 900, 120) == 0.5
    assert store.correction_for("m", "g", 1, "bf16", "vllm", "tp", 6000, 900) == 0.8


@pytest.mark.parametrize("drop, words", [("output_throughput", "output_throughput"), ("completed", "completed"),
                                         ("total_input_tokens", "total_input_tokens")])
def test_malformed_file_is_a_one_line_error_naming_the_field(tmp_path, catdir, capsys, drop, words):
    data = {k: v for k, v in VLLM_RESULT.items() if k != drop}
    if drop == "output_throughput":
        data.pop("duration")
    assert main(["calibrate", str(_write(tmp_path, data)), "--engine", "vllm"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and words in err
    assert not (catdir / store.FILE_NAME).exists()


def test_mismatched_file_names_what_is_missing(tmp_path, catdir, capsys):
    data = {k: v for k, v in VLLM_RESULT.items() if k != "gpu"}
    assert main(["calibrate", str(_write(tmp_path, data)), "--engine", "vllm"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--gpu" in err
    assert main(["calibrate", str(_write(tmp_path, dict(VLLM_RESULT, model_id="acme/unknown-7b"))), "--engine", "vllm"]) == 2
    assert "--model" in capsys.readouterr().err
    assert main(["calibrate", str(_write(tmp_path, "not json {"))]) == 2
    assert "not JSON" in capsys.readouterr().err


def test_sglang_jsonl_last_line(tmp_path, catdir):
    line = {k: VLLM_RESULT[k] for k in ("duration", "completed", "total_input_tokens", "total_output_tokens",
                                        "output_throughput", "max_concurrency", "mean_ttft_ms", "mean_tpot_ms")}
    text = json.dumps(dict(line, backend="sglang", output_throughput=1.0)) + "\n" + json.dumps(dict(line, backend="sglang")) + "\n"
    r = read_result(_write(tmp_path, text, "sglang.jsonl"))
    assert r.format == "sglang" and r.output_tokens_per_s == 2133.3
    cal = calibrate(r, api.catalog(), model="deepseek-r1", gpu="h200", gpus=8, engine="sglang", layout="dep", precision="fp8")
    assert cal.correction.engine == "sglang" and cal.correction.ratio > 0
