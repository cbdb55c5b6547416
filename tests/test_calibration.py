"""The throughput model against published measurements (TensorRT-LLM 0.17 tables)."""

from __future__ import annotations

from advisor.physics import calibration


def test_calibration_rows_carry_sources():
    rows, skipped = calibration.load_rows()
    assert len(rows) >= 300
    assert all(r.source and r.as_of for r in rows)
    assert skipped  # MLPerf rows are kept for reference


def test_median_error_is_within_target(cat):
    s = calibration.validate(cat)
    assert len(s.results) >= 300
    assert s.median_abs_error <= 0.20
    # Not fitted to be biased one way.
    assert abs(s.median_signed_error) < 0.10


def test_moe_rows_are_estimated_as_well_as_dense(cat):
    s = calibration.validate(cat)
    moe = sorted(abs(r.error) for r in s.results if r.row.model.startswith("mixtral"))
    assert len(moe) > 100
    assert calibration._quantile(moe, 0.5) <= 0.20


def test_fit_improves_on_untuned_factors(cat):
    rows, _ = calibration.load_rows()
    subset = rows[::8]
    import dataclasses

    base = dataclasses.replace(cat.engine, efficiency=calibration.UNTUNED, per_gpu=())
    untuned = calibration.validate(cat, base, subset).median_abs_error
    grid = {"eff_bw": (0.5, 0.8), "eff_decode": (0.35, 0.5)}
    _, fitted = calibration.fit(cat, base, rounds=1, grid=grid, rows=subset)
    assert fitted.median_abs_error <= untuned


def _burst(i: int, engine: str, measured: float) -> calibration.CalibrationRow:
    return calibration.CalibrationRow(
        id=f"t{i}-{engine}", model="llama-3.1-8b", gpu="h100-sxm", gpus=1, precision="fp8", input_tokens=200 + 100 * i,
        output_tokens=200, measured_tokens_per_s=measured, tpot_limit_ms=None, engine=engine, source=f"run {i}",
        as_of="2025-01-01", concurrency=1000)


def test_burst_rows_give_an_engine_speed_only_as_same_run_ratios(cat):
    import dataclasses

    # Two engines with identical physics: the estimated ratio is 1, so the speed is the measured ratio.
    twin = dataclasses.replace(cat.engines["trtllm"], id="vllm")
    c = dataclasses.replace(cat, engines={**cat.engines, "vllm": twin})
    base = cat.engines["trtllm"]
    # Five runs, each measured both engines; vLLM at half TensorRT-LLM's throughput (absolute levels vary per run).
    rows = [r for i in range(5) for r in (_burst(i, "trtllm", 1000.0 * (i + 1)), _burst(i, "vllm", 500.0 * (i + 1)))]
    speed, pairs = calibration.engine_ratio_speed(c, base, "vllm", rows)
    assert pairs == 5 and speed == 0.5
    # A run without a TensorRT-LLM measurement pairs with nothing; below MIN_SPEED_ROWS pairs: uncalibrated.
    lone = rows[:8] + [_burst(9, "vllm", 10.0)]
    assert calibration.engine_ratio_speed(c, base, "vllm", lone) == (1.0, 4)
