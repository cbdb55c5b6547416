"""Traffic on some days of the week only (``days_per_week``, trial 39: a law firm's office hours billed 30.4 traffic days a
month, about 40% more than its 21.7 weekdays): requests_per_day is a traffic day's, the other days carry none and run
only Min replicas (autoscale, per-request) or no job (scale-to-zero); fixed replicas bill all month."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.domain.workload import DAYS_PER_MONTH
from advisor.errors import InputError

OFFICE = [0] * 8 + [1] * 10 + [0] * 6
BASE = dict(requests_per_day=1500, input_tokens=20_000, output_tokens=800, ttft_ms=8000, ttft_percentile=95,
            self_hosting="required", hourly_profile=OFFICE, min_replicas=0, models=["llama-3.3-70b"])


def _same_row(rec, label):
    return next(c for c in rec.candidates if c.label == label)


def test_five_days_a_week_bill_five_sevenths_of_the_traffic_days_and_the_tokens():
    week = api.recommend(api.workload(**BASE))
    work = api.recommend(api.workload(**BASE, days_per_week=5))
    top = work.candidates[0]
    full = _same_row(week, top.label)
    assert top.scaling == full.scaling == "autoscale"
    assert float(top.billed_gpu_hours_per_month) == pytest.approx(float(full.billed_gpu_hours_per_month) * 5 / 7, rel=1e-3)
    assert float(top.monthly_cost_usd) == pytest.approx(float(full.monthly_cost_usd) * 5 / 7, rel=1e-3)
    assert float(top.usd_per_mtok) == pytest.approx(float(full.usd_per_mtok), rel=1e-3)  # the tokens fall alike
    line = next(r.message for r in top.reasons if r.code == "billing")
    assert f"{DAYS_PER_MONTH * 5 / 7:.1f} days a month carry traffic (5 a week): the others run 0 replica(s)" in line


def test_a_fixed_deployment_bills_all_month_whatever_the_days():
    kw = {**BASE, "scaling": ["fixed"], "min_replicas": 1}
    week, work = api.recommend(api.workload(**kw)), api.recommend(api.workload(**kw, days_per_week=5))
    top = work.candidates[0]
    assert top.monthly_cost_usd == _same_row(week, top.label).monthly_cost_usd
    assert float(top.usd_per_mtok) == pytest.approx(float(_same_row(week, top.label).usd_per_mtok) * 7 / 5, rel=1e-3)


def test_a_flat_day_on_weekdays_only_autoscales_over_the_week():
    """Steady traffic every hour of a weekday: no plan followed the hours before (the same replicas all day); now the
    weekend's hours run the floor."""
    kw = {**BASE, "hourly_profile": (), "traffic_shape": "steady", "peak_to_mean": 1.5}
    rows = api.recommend(api.workload(**kw, days_per_week=5)).candidates
    assert any(c.scaling == "autoscale" for c in rows)
    assert not any(c.scaling == "autoscale" for c in api.recommend(api.workload(**kw)).candidates)


def test_a_daily_batch_job_runs_on_the_traffic_days_only():
    kw = dict(latency="batch", requests_per_day=40_000, input_tokens=8000, output_tokens=600, deadline_hours=6,
              self_hosting="required", models=["llama-3.3-70b"])
    week, work = api.recommend(api.workload(**kw)), api.recommend(api.workload(**kw, days_per_week=5))
    top = work.candidates[0]
    assert top.scaling == "scale-to-zero"
    assert float(top.monthly_cost_usd) == pytest.approx(float(_same_row(week, top.label).monthly_cost_usd) * 5 / 7, rel=1e-3)


def test_an_api_bills_the_tokens_of_the_traffic_days():
    kw = {**BASE, "self_hosting": "not-wanted", "models": ["llama-3.3-70b"]}
    week, work = api.recommend(api.workload(**kw)), api.recommend(api.workload(**kw, days_per_week=5))
    c = work.candidates[0]
    assert float(c.monthly_cost_usd) == pytest.approx(float(_same_row(week, c.label).monthly_cost_usd) * 5 / 7, rel=1e-3)


@pytest.mark.parametrize("days", [0, 0.5, 8, float("nan")])
def test_days_a_week_outside_one_to_seven_are_refused(days):
    with pytest.raises(InputError, match="days_per_week"):
        api.workload(**BASE, days_per_week=days)


def test_the_tui_summary_line_reads_the_day_as_the_bill_does():
    """Trial 40: "steady 2.66667x peak" above a ranking billed on a file's hourly profile, 5 days a week, in UTC+1."""
    pytest.importorskip("textual")
    from advisor.tui.services import workload_summary

    text = workload_summary(api.workload(**BASE, days_per_week=5, utc_offset_hours=1))
    assert "hourly profile UTC+1 2.4x peak, 5 days a week" in text and "steady" not in text
