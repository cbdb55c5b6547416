"""User trial 38 (a startup CTO: a bursty support copilot in European office hours, a nightly batch, a reseller's price
plugin): a serverless row's bill and its reason read as a contradiction; a time-of-day price line put the windowed
blend beside the list-price formula."""

from __future__ import annotations

import re

from advisor import api

COPILOT = dict(requests_per_day=15_000, input_tokens=3000, output_tokens=250, cached_input_fraction=0.6, traffic_shape="bursty",
               peak_to_mean=3.0, ttft_ms=2000, output_tokens_per_s_per_user=20, context_max_tokens=8192)


def test_a_serverless_row_says_what_its_bill_counts_and_what_workers_following_the_requests_would_bill():
    """Trial 38 read "fixed, serverless, 730 GPU-hours" beside "billed per second while it runs" as a contradiction; since
    then per-request workers are priced (``advisor.cost.per_request``): a row kept up by the hour names that plan's bill,
    or why there is none."""
    rec = api.recommend(api.workload(**COPILOT, self_hosting="required", pricing=["serverless"]))
    rows = [c for c in rec.candidates if c.pricing_kind == "serverless"]
    assert rows
    for c in rows[:5]:
        r = next(x for x in c.reasons if x.code == "serverless")
        if c.scaling == "per-request":
            assert "this bill counts the workers the requests keep up" in r.message, r.message
            continue
        held = "running all month" if c.scaling == "fixed" else "following each hour's load"
        assert f"this bill keeps workers {held}" in r.message, r.message
        assert re.search(r"workers that follow the requests (would bill \$[\d,.]+ \(an idle timeout of|cannot keep)", r.message), r.message


def test_a_time_of_day_price_line_gives_the_list_price_blend_its_formula_computes():
    w = api.workload(**{**COPILOT, "traffic_shape": "steady", "peak_to_mean": 1.0}, self_hosting="not-wanted",
                     hourly_profile=[0] * 7 + [1] * 10 + [0] * 7, models=["deepseek-v4-flash"])
    c = next(x for x in api.recommend(w).candidates if x.provider == "deepseek")
    line = next(r.message for r in c.reasons if r.code == "api-price")
    shown, listed = (float(x) for x in re.search(r"\$([\d.]+)/M blended .* = \$([\d.]+)/M at list prices, before the time-of-day", line).groups())
    terms = re.search(r"blend: \(([\d,]+) x (\d+)% x \$([\d.]+) \+ [\d,]+ x (\d+)% x \$([\d.]+) \+ ([\d,]+) x \$([\d.]+)\) / ([\d,]+) tokens", line)
    n_in, fresh, p_in, cached, p_cached, n_out, p_out, total = (float(x.replace(",", "")) for x in terms.groups())
    assert listed == round((n_in * fresh / 100 * p_in + n_in * cached / 100 * p_cached + n_out * p_out) / total, 3)
    assert shown > listed  # the windows' 2x on 30% of the tokens


def test_a_billing_line_multiplies_out_to_its_bill():
    from decimal import Decimal

    rec = api.recommend(api.workload(**COPILOT, self_hosting="required", hourly_profile=[0] * 7 + [1] * 10 + [0] * 7, min_replicas=0))
    seen = 0
    for c in rec.candidates[:40]:
        line = next(r.message for r in c.reasons if r.code == "billing")
        m = re.search(r": ([\d,.]+) GPU-hours/month x \$([\d.]+)/GPU-h = \$([\d,.]+)", line)
        hours, unit, bill = Decimal(m.group(1).replace(",", "")), Decimal(m.group(2)), Decimal(m.group(3).replace(",", ""))
        shown = 2 if hours < 100 else 1  # the places the hours are shown to
        assert abs(hours * unit - bill) <= unit * Decimal("0.5") / 10 ** shown + Decimal("0.01"), line
        seen += hours != hours.to_integral_value()
    assert seen  # some bills are fractional hours (autoscaled cold starts, per-minute billing)


def test_a_row_that_stops_in_idle_hours_does_not_say_it_runs_all_month_or_never_scales_to_zero():
    w = api.workload(**{**COPILOT, "traffic_shape": "steady", "peak_to_mean": 1.0}, self_hosting="required",
                     hourly_profile=[0] * 7 + [1] * 10 + [0] * 7, min_replicas=0, scaling=["autoscale"])
    c = api.recommend(w).candidates[0]
    assert c.scaling == "autoscale" and c.replicas_min == 0 and c.replicas_peak == 1
    one = next(r.message for r in c.reasons if r.code == "single-replica")
    cold = next(r.message for r in c.reasons if r.code == "cold-start")
    assert "one replica at most, and none in the hours without traffic" in one and "all month" not in one.split(":")[0]
    assert "Spare replicas 1 (--spare-replicas 1)" in one  # not Min replicas 2, which would run one through the idle hours
    assert "no scale-to-zero" not in cold and "it scales to zero only in the hours the day's profile gives no traffic" in cold


def test_the_breakdowns_billed_line_shows_the_hours_the_bill_multiplies():
    import pytest

    pytest.importorskip("textual")
    from decimal import Decimal

    from advisor.tui.screens.breakdown import cost_text

    rec = api.recommend(api.workload(**COPILOT, self_hosting="required", hourly_profile=[0] * 7 + [1] * 10 + [0] * 7, min_replicas=0))
    c = next(x for x in rec.candidates if x.billed_gpu_hours_per_month and not float(x.billed_gpu_hours_per_month).is_integer())
    hours = Decimal(re.search(r"billed: ([\d,.]+) GPU-h/month", cost_text(c).plain).group(1).replace(",", ""))
    assert abs(hours - Decimal(str(c.billed_gpu_hours_per_month))) < Decimal("0.051")
