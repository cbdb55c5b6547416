"""Time-of-day API prices (DeepSeek's V4 peak hours): the genai-prices plugin keeps the windows on the row, a TOML
row can carry them, and the bill weights each hour's price by the workload's traffic in that hour (hours read as
UTC). Expected figures are computed here by hand, hour by hour, with exact fractions."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from advisor import api, cost
from advisor.catalog.load import read_price_file
from advisor.cost.money import time_of_day_price, window_shares
from advisor.domain.prices import ApiPrice, TimeWindow
from advisor.domain.traffic import day_profile
from advisor.domain.workload import Workload
from advisor.plugins import genai_prices as gp

DAY = datetime.date(2026, 12, 3)
PEAK_HOURS = (1, 2, 3, 6, 7, 8, 9)
"""DeepSeek's V4 peak, 09:00-12:00 and 14:00-18:00 Beijing time, as UTC hours."""


def v4_pro_entries():
    """deepseek-v4-pro's entries as the bundled genai-prices 0.2.3 data has them (USD per million tokens)."""
    return [
        {"prices": {"input_mtok": 0.435, "cache_read_mtok": 0.003625, "output_mtok": 0.87}},
        {"constraint": {"start_date": "2026-08-17"}, "prices": {"input_mtok": 0.66, "cache_read_mtok": 0.022, "output_mtok": 1.98}},
        {"constraint": {"start_time": "01:00:00Z", "end_time": "04:00:00Z"},
         "prices": {"input_mtok": 1.32, "cache_read_mtok": 0.044, "output_mtok": 3.96}},
        {"constraint": {"start_time": "06:00:00Z", "end_time": "10:00:00Z"},
         "prices": {"input_mtok": 1.32, "cache_read_mtok": 0.044, "output_mtok": 3.96}},
    ]


PEAK = (TimeWindow(60, 240, 2.0, 2.0, 2.0), TimeWindow(360, 600, 2.0, 2.0, 2.0))


def row(windows=PEAK, cached="0.022") -> ApiPrice:
    return ApiPrice(provider="deepseek", model="deepseek-v4-pro", input_usd_per_mtok=Decimal("0.66"),
                    output_usd_per_mtok=Decimal("1.98"), cached_input_usd_per_mtok=Decimal(cached) if cached else None,
                    source="https://api-docs.deepseek.com/quick_start/pricing", as_of="2026-11-10", time_windows=windows)


def by_hand(weights, peak_hours=PEAK_HOURS, inp=1000, out=300, cached_fraction=Fraction(0), factor=2) -> Fraction:
    """$/M tokens: each hour's request shape at that hour's price, weighted by the hour's traffic."""
    total = Fraction(0)
    for h, wt in enumerate(weights):
        m = factor if h in peak_hours else 1
        hour = (inp * (1 - cached_fraction) * Fraction("0.66") * m + inp * cached_fraction * Fraction("0.022") * m
                + out * Fraction("1.98") * m) / (inp + out)
        total += Fraction(wt) * hour
    return total / sum(Fraction(x) for x in weights)


def close(got: Decimal, want: Fraction) -> bool:
    return abs(Fraction(got) - want) < Fraction(1, 10**12)


# --------------------------------------------------------------------------- the plugin keeps the windows


def test_the_library_windows_become_multipliers_of_the_off_peak_row():
    base, started, windows = gp.prices_by_time(v4_pro_entries(), DAY)
    assert base["output_mtok"] == 1.98 and started == "2026-08-17"
    assert [(a, b) for a, b, _ in windows] == [(60, 240), (360, 600)]
    data = [{"id": "deepseek", "pricing_urls": ["https://api-docs.deepseek.com/quick_start/pricing"],
             "models": [{"id": "deepseek-v4-pro", "context_window": 1000000, "prices": v4_pro_entries()}]}]
    [got] = gp.map_providers(data, day=DAY, as_of="2026-12-01", source="test").rows
    assert (got.input_usd_per_mtok, got.output_usd_per_mtok, got.cached_input_usd_per_mtok) == \
        (Decimal("0.66"), Decimal("1.98"), Decimal("0.022"))
    assert got.time_windows == PEAK
    assert "this price outside 2x from 01:00 to 04:00 UTC, 2x from 06:00 to 10:00 UTC" in got.notes
    # before the dated change the windows still double the earlier price: 0.87 -> 1.74 is not 2x, so the
    # multiplier is the library's own ratio
    early = gp.map_providers(data, day=datetime.date(2026, 8, 1), as_of="2026-12-01", source="test").rows[0]
    assert early.output_usd_per_mtok == Decimal("0.87") and early.time_windows[0].output_multiplier == pytest.approx(3.96 / 0.87)


def test_the_bundled_snapshot_carries_deepseeks_peak_windows():
    rows = {(p.provider, p.model): p for p in gp.GenaiPricesSource(today=DAY).snapshot()}
    for model in ("deepseek-v4-pro", "deepseek-v4-flash"):
        assert rows[("deepseek", model)].time_windows == PEAK
    assert all(not p.time_windows for (provider, _), p in rows.items() if provider != "deepseek")


def test_a_window_across_midnight_is_one_window_and_a_window_lacking_a_cached_price_uses_the_input_multiplier():
    entries = [{"prices": {"input_mtok": 1, "cache_read_mtok": 0.1, "output_mtok": 4}},
               {"constraint": {"start_time": "22:00:00Z", "end_time": "02:30:00Z"}, "prices": {"input_mtok": 0.5, "output_mtok": 1}}]
    base, _, windows = gp.prices_by_time(entries, DAY)
    assert base["input_mtok"] == 1 and [(a, b) for a, b, _ in windows] == [(1320, 150)]
    [win] = gp.time_windows(windows, Decimal(1), Decimal(4), Decimal("0.1"))
    assert (win.input_multiplier, win.output_multiplier, win.cached_input_multiplier) == (0.5, 0.25, 0.5)
    assert win.label == "0.5x/0.25x in/out from 22:00 to 02:30 UTC"
    assert win.holds(23 * 60) and win.holds(0) and win.holds(149) and not win.holds(150) and not win.holds(1319)


def test_a_window_that_charges_where_the_rest_of_the_day_is_free_is_refused():
    data = [{"id": "deepseek", "pricing_urls": [], "models": [{"id": "deepseek-v4-pro", "prices": [
        {"prices": {"input_mtok": 0, "output_mtok": 1}},
        {"constraint": {"start_time": "01:00:00Z", "end_time": "02:00:00Z"}, "prices": {"input_mtok": 1, "output_mtok": 2}}]}]}]
    got = gp.map_providers(data, day=DAY, as_of="2026-12-01", source="test")
    assert got.rows == [] and len(got.refused) == 1 and "input_mtok" in got.refused[0]


# --------------------------------------------------------------------------- the bill by the workload's hours


def test_a_flat_day_pays_the_peak_for_seven_hours_of_twenty_four():
    w = Workload(traffic_shape="steady")
    got = cost.workload_usd_per_mtok(row(), w)
    assert close(got, by_hand([1] * 24))
    assert close(got, Fraction(1000 * Fraction("0.66") + 300 * Fraction("1.98"), 1300) * Fraction(31, 24))  # 1.29x
    shares = {win.label: share for win, share in window_shares(row(), day_profile(w).hourly)}
    assert shares == pytest.approx({"2x from 01:00 to 04:00 UTC": 3 / 24, "2x from 06:00 to 10:00 UTC": 4 / 24})


def test_a_diurnal_day_weights_the_peak_hours_by_its_own_traffic():
    w = Workload(traffic_shape="diurnal", peak_to_mean=2.5)
    weights = day_profile(w).hourly
    assert weights.index(max(weights)) == 14  # the diurnal day peaks at 14:00, read as UTC
    got = cost.workload_usd_per_mtok(row(), w)
    assert close(got, by_hand([Fraction(x) for x in weights]))
    flat = cost.workload_usd_per_mtok(replace(row(), time_windows=()), w)
    assert Decimal("1.05") < got / flat < Decimal(31) / 24  # the peak hours are quiet ones for a day busiest at 14:00


def test_a_custom_hourly_profile_with_cached_input():
    weights = [3] * 12 + [1] * 12  # busy 00:00-12:00 UTC (08:00-20:00 in Beijing)
    w = Workload(hourly_profile=tuple(float(x) for x in weights), cached_input_fraction=0.5)
    got = cost.workload_usd_per_mtok(row(), w)
    assert close(got, by_hand(weights, cached_fraction=Fraction(1, 2)))
    # 21 of the day's 48 weight units fall in the peak: 1 + 21/48 times the flat price
    flat = by_hand([1] * 24, peak_hours=(), cached_fraction=Fraction(1, 2))
    assert close(got, flat * Fraction(69, 48))
    # an explicit profile wins over the workload's
    assert close(cost.workload_usd_per_mtok(row(), w, [1.0] * 24), by_hand([1] * 24, cached_fraction=Fraction(1, 2)))


def test_half_hour_windows_and_overlaps_count_by_the_minute():
    # DeepSeek's 2025 rule: standard price 00:30-16:30 UTC, half price the rest; a later window over part of it wins
    windows = (TimeWindow(30, 990, 2.0, 2.0, 2.0), TimeWindow(600, 660, 3.0, 3.0, 3.0))
    weights = [1.0] * 24
    weights[0] = 5.0
    shares = [s for _, s in window_shares(row(windows), weights)]
    total = Fraction(28)
    want_first = (Fraction(5, 2) + Fraction(15) + Fraction(1, 2) - 1) / total  # 00:30-01:00 of hour 0, hours 1-15, 16:00-16:30; less 10:00-11:00
    assert shares == pytest.approx([float(want_first), float(Fraction(1) / total)])
    p = time_of_day_price(row(windows), weights)
    m = 1 + want_first + 2 * Fraction(1) / total
    assert close(p.input_usd_per_mtok, Fraction("0.66") * m) and close(p.cached_input_usd_per_mtok, Fraction("0.022") * m)
    assert p.time_windows == ()


def test_a_row_without_windows_is_unchanged_and_a_row_without_a_cached_price_scales_its_input_price():
    plain = replace(row(), time_windows=())
    w = Workload(hourly_profile=tuple(float(h) for h in range(1, 25)), cached_input_fraction=0.3)
    assert time_of_day_price(plain, [1.0] * 24) is plain
    assert cost.workload_usd_per_mtok(plain, w) == cost.blended_usd_per_mtok(plain, 1000, 300, 0.3)
    no_cache = time_of_day_price(row(cached=None), [1.0] * 24)
    assert close(no_cache.cached_input_usd_per_mtok, Fraction("0.66") * Fraction(31, 24))


# --------------------------------------------------------------------------- a TOML row, the ranking, the prices list


def test_a_toml_row_carries_windows_and_a_bad_one_is_one_line(tmp_path):
    head = ('schema_version = 1\ncatalog = "api_prices"\nprovider = "deepseek"\n[[prices]]\nmodel = "deepseek-v4-pro"\ninput_usd_per_mtok = "0.66"\n'
            'output_usd_per_mtok = "1.98"\nsource = "https://api-docs.deepseek.com/quick_start/pricing"\nas_of = "2026-11-10"\n')
    good = tmp_path / "api_deepseek.toml"
    good.write_text(head + "time_windows = [{ start_minute_utc = 60, end_minute_utc = 240, input_multiplier = 2, "
                    "output_multiplier = 2, cached_input_multiplier = 2 }]\n")
    rows, problems = read_price_file(good)
    assert problems == [] and rows[0].time_windows == (TimeWindow(60, 240, 2.0, 2.0, 2.0),)
    bad = tmp_path / "api_bad.toml"
    bad.write_text(head + "time_windows = [{ start_minute_utc = 1440, end_minute_utc = 240, input_multiplier = 2, "
                   "output_multiplier = 2, cached_input_multiplier = 2 }]\n")
    rows, problems = read_price_file(bad)
    assert rows == [] and len(problems) == 1
    text = str(problems[0])
    assert "start_minute_utc" in text and "1439" in text and "\n" not in text


def test_the_api_candidate_says_the_blend_and_the_windows():
    w = api.workload(models=["deepseek-v4-pro"], providers=["deepseek"], self_hosting="not-wanted", traffic_shape="steady")
    rec = api.recommend(w)
    [c] = [c for c in rec.candidates if c.deployment == "api" and c.provider == "deepseek"]
    [reason] = [r for r in c.reasons if r.code == "api-price"]
    assert "2x from 01:00 to 04:00 UTC: 12% of your tokens" in reason.message
    assert "2x from 06:00 to 10:00 UTC: 17% of your tokens" in reason.message
    p = next(p for p in api_offers("deepseek-v4-pro") if p.provider == "deepseek")
    want = by_hand([1] * 24) if (p.input_usd_per_mtok, p.output_usd_per_mtok) == (Decimal("0.66"), Decimal("1.98")) else None
    assert want is not None and close(Decimal(reason.numbers["usd_per_mtok"]), want)
    assert f"${float(want):.3f}/M blended" in reason.message
    assert c.monthly_cost_usd == cost.money(Decimal(reason.numbers["usd_per_mtok"]) * Decimal(str(w.tokens_per_month)) / cost.MILLION)


def api_offers(model):
    from advisor.prices import resolve

    return resolve.price_book(api.catalog()).api_offers(model, ())


def test_moe_advisor_prices_marks_the_row_time_of_day(capsys):
    from advisor.cli import main

    assert main(["prices", "--source", "deepseek"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if " deepseek-v4-pro " in x)
    assert "time-of-day" in line
    assert "deepseek deepseek-v4-pro: 2x from 01:00 to 04:00 UTC, 2x from 06:00 to 10:00 UTC" in out


def test_a_live_refresh_cache_keeps_the_windows():
    from advisor.prices import cache

    rows = gp.GenaiPricesSource(today=DAY).snapshot()
    cache.write_cache("genai-prices", "api", rows, "2026-12-03T00:00:00Z", "https://example.com/data.json")
    got, why = cache.read_cache("genai-prices", "api")
    assert why == "" and got is not None
    back = {(p.provider, p.model): p for p in got.prices}
    assert back[("deepseek", "deepseek-v4-flash")].time_windows == PEAK
