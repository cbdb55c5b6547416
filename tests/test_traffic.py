"""--traffic FILE.csv: a diurnal day in, the hourly profile, peak-to-mean and token means out."""

from __future__ import annotations

import math

import pytest

from advisor.cli.recommend import build_workload
from advisor.domain.traffic import day_profile, read_traffic_csv
from advisor.errors import InputError


def _diurnal(h: int) -> float:
    return 100.0 * (1.0 + 0.8 * math.cos(2 * math.pi * (h - 14) / 24))  # peak 180 at 14:00, trough 20 at 02:00


def _csv(tmp_path, days=2, per_hour=1):
    lines = ["timestamp,requests,input_tokens,output_tokens"]
    for d in range(days):
        for h in range(24):
            for k in range(per_hour):
                req = _diurnal(h) / per_hour
                ts = f"2026-11-{d + 1:02d}T{h:02d}:{60 * k // per_hour:02d}:00Z"
                lines.append(f"{ts},{req:g},{req * 1200:g},{req * 300:g}")
    p = tmp_path / "traffic.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_diurnal_day_gives_profile_and_peak_to_mean(tmp_path):
    fit = read_traffic_csv(_csv(tmp_path))
    expected = [_diurnal(h) / 100.0 for h in range(24)]
    assert fit.hourly_profile == pytest.approx(expected, rel=1e-5)
    assert fit.peak_to_mean == pytest.approx(1.8, rel=1e-6)
    assert (fit.input_tokens, fit.output_tokens) == (1200, 300)
    assert fit.requests_per_day == pytest.approx(2400.0)
    assert fit.days == pytest.approx(2.0)


def test_finer_rows_keep_the_hourly_shape(tmp_path):
    fit = read_traffic_csv(_csv(tmp_path, days=1, per_hour=4))
    assert fit.interval_s == 900
    assert fit.hourly_profile == pytest.approx([_diurnal(h) / 100.0 for h in range(24)], rel=1e-5)
    assert fit.peak_to_mean == pytest.approx(1.8, rel=1e-6)


def test_recommend_flag_sets_the_workload(tmp_path):
    import argparse

    from advisor.cli.recommend import add_arguments

    p = argparse.ArgumentParser()
    add_arguments(p)
    w = build_workload(p.parse_args(["--preset", "bursty-app", "--traffic", str(_csv(tmp_path)), "--output-tokens", "250"]))
    assert w.hourly_profile == pytest.approx([_diurnal(h) / 100.0 for h in range(24)], rel=1e-5)
    assert w.peak_to_mean == pytest.approx(1.8, rel=1e-4)
    assert (w.input_tokens, w.output_tokens, w.requests_per_day) == (1200, 250, pytest.approx(2400.0))
    day = day_profile(w)
    assert max(day.hourly) == pytest.approx(1.8, rel=1e-4) and day.within_hour_peak == pytest.approx(1.0, abs=1e-3)


def test_bad_files_name_the_problem(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("time,reqs\n2026-11-01T00:00:00,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="no requests column"):
        read_traffic_csv(p)
    p.write_text("timestamp,requests,input_tokens,output_tokens\nyesterday,1,1,1\ntoday,1,1,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="timestamp"):
        read_traffic_csv(p)
