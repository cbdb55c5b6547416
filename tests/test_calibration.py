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
