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


def _at(cat, profile, model, gpu, gpus, conc, i, measured=None):
    from advisor.physics.performance import estimate_for

    est = estimate_for(cat.models[model], cat.gpus[gpu], gpus, "fp8", 1000, 200, engine=profile, concurrency=conc)
    return calibration.CalibrationRow(
        id=f"synthetic-{i}", model=model, gpu=gpu, gpus=gpus, precision="fp8", input_tokens=1000, output_tokens=200,
        measured_tokens_per_s=measured if measured is not None else est.output_tokens_per_s, tpot_limit_ms=None,
        engine=profile.id, source="synthetic", as_of="2025-01-01", concurrency=conc)


def _with_step(profile, us):
    import dataclasses

    return dataclasses.replace(profile, efficiency=dataclasses.replace(profile.efficiency, step_overhead_us=us))


SHAPES = (("llama-3.1-8b", "h100-sxm", 1), ("llama-3.3-70b", "h100-sxm", 2), ("mixtral-8x7b", "h200", 2))


def test_floor_recovers_a_per_step_cost_from_low_concurrency_rows(cat):
    # "Measurements" made by the model itself with a 400 us per-step cost: one at 1-4 requests and one at the
    # engine's maximum batch per shape. Started from 0 us, the floor fit finds 400 us and the rows' error vanishes.
    truth = _with_step(cat.engines["trtllm"], 400.0)
    rows = [_at(cat, truth, m, g, n, conc, i * 2 + j) for i, (m, g, n) in enumerate(SHAPES)
            for j, conc in enumerate((i + 1, None))]
    assert sum(calibration.low_concurrency(r) for r in rows) == 3
    start = _with_step(truth, 0.0)
    assert calibration.validate(cat, start, rows).subset(ids={r.id for r in rows if r.concurrency}).median_abs_error > 0.02
    fitted, low = calibration.fit_floor(cat, start, rows, tolerance=1.0)
    assert fitted.efficiency.step_overhead_us == 400.0
    assert len(low.results) == 3 and low.median_abs_error < 1e-6


def test_floor_costs_the_other_rows_at_most_its_tolerance(cat):
    # Max-throughput rows measured with no per-step cost, low-concurrency rows with 2 ms: the floor may move only
    # as far as the whole set's score allows; with no low-concurrency row it changes nothing.
    base = _with_step(cat.engines["trtllm"], 0.0)
    slow = _with_step(base, 2000.0)
    high = [_at(cat, base, m, g, n, None, 10 + i) for i, (m, g, n) in enumerate(SHAPES)]
    low = [_at(cat, slow, m, g, n, 1, 20 + i) for i, (m, g, n) in enumerate(SHAPES)]
    rows = high + low
    start = calibration.score(calibration.validate(cat, base, rows))[0]
    for tol in (0.0, 0.01):
        fitted, _ = calibration.fit_floor(cat, base, rows, tolerance=tol)
        assert calibration.score(calibration.validate(cat, fitted, rows))[0] <= start + tol + 1e-9
    loose, _ = calibration.fit_floor(cat, base, rows, tolerance=1.0)
    assert loose.efficiency.step_overhead_us == 2000.0
    same, none = calibration.fit_floor(cat, base, high)
    assert same is base and none is None


def test_catalog_per_step_cost_is_inside_the_floor_grid(cat):
    # The fit must not leave the per-step cost at an edge of its grid (0 us was the max-throughput-only fit).
    grid = calibration.FLOOR_GRID["step_overhead_us"]
    assert grid[0] < cat.engines["trtllm"].efficiency.step_overhead_us < grid[-1]


def test_validate_states_why_rows_are_not_scored(capsys):
    import csv

    from advisor.cli import main

    assert main(["validate"]) == 0
    out = capsys.readouterr().out
    with calibration.calibration_path().open(newline="") as fh:
        unscored = [r for r in csv.DictReader(fh) if r["scored"] != "yes"]
    assert f"{len(unscored)} rows kept for reference, not scored:" in out
    lines = out[out.index("not scored:"):].splitlines()[1:]
    counts = [int(line.split()[0]) for line in lines if line.strip()[:1].isdigit()]
    assert sum(counts) == len(unscored)
    mlperf = sum("MLPerf dataset input lengths are not in the row" in r["notes"] for r in unscored)
    assert mlperf and any(line.split()[0] == str(mlperf) and "MLPerf dataset input lengths" in line for line in lines)
    assert "MLPerf rows give no per-request input length" not in out
