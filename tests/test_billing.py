"""Billing what providers sell and what the workload uses: instance shapes, scaling policies over the day,
price kinds, one admission rule for memory, and APIs with their limits."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from advisor import api
from advisor.cost import billing
from advisor.domain.prices import ApiPrice, GpuPrice, RateLimit
from advisor.domain.traffic import day_profile
from advisor.domain.workload import DAYS_PER_MONTH, HOURS_PER_MONTH, Workload
from advisor.prices.book import PriceBook
from advisor.ranking.rank import recommend_with

PRESETS = ("bursty-app", "steady-latency", "batch-pipeline", "heavy-fine-tuning", "long-context")


def _gpu_price(**kw) -> GpuPrice:
    base = dict(provider="testcloud", gpu="h100-sxm", usd_per_gpu_hour=Decimal("2.00"), pricing="on-demand",
                source="https://example.test/pricing", as_of="2026-12-01")
    return GpuPrice(**{**base, **kw})


def _book(*rows: GpuPrice, api_rows: tuple[ApiPrice, ...] = ()) -> PriceBook:
    return PriceBook(gpu_prices=tuple(rows), api_prices=api_rows)


@pytest.fixture(scope="module")
def preset_recs():
    return {p: api.recommend(api.preset(p)) for p in PRESETS}


# --------------------------------------------------------------------------- the day's traffic

def test_a_diurnal_day_peaks_at_its_peak_to_mean_with_mean_one():
    d = day_profile(Workload(traffic_shape="diurnal", peak_to_mean=2.5))
    assert len(d.hourly) == 24 and sum(d.hourly) / 24 == pytest.approx(1.0)
    assert max(d.hourly) == pytest.approx(2.5, rel=1e-3) and d.within_hour_peak == pytest.approx(1.0, rel=1e-3)
    assert d.hourly.index(max(d.hourly)) == 14 and min(d.hourly) > 0


def test_steady_and_bursty_days_are_flat_with_the_peak_inside_the_hour():
    for shape, p2m in (("steady", 1.5), ("bursty", 8.0)):
        d = day_profile(Workload(traffic_shape=shape, peak_to_mean=p2m))
        assert set(d.hourly) == {1.0} and d.within_hour_peak == p2m and d.peak_to_mean == p2m


def test_a_given_hourly_profile_is_normalized():
    prof = tuple([1.0] * 8 + [4.0] * 8 + [1.0] * 8)
    d = day_profile(api.workload(hourly_profile=prof, peak_to_mean=3.0))
    assert sum(d.hourly) / 24 == pytest.approx(1.0) and max(d.hourly) == pytest.approx(2.0)
    assert d.within_hour_peak == pytest.approx(1.5)


# --------------------------------------------------------------------------- shapes

def test_a_replica_uses_a_sold_shape_and_packs_engines_into_it():
    one = _gpu_price(gpus_per_instance=1, usd_per_gpu_hour=Decimal("3.39"))
    eight = _gpu_price(gpus_per_instance=8, usd_per_gpu_hour=Decimal("2.99"), multi_node=True)
    assert one.shape_for(1) == (1, 1) and one.shape_for(2) is None  # no TP across separate 1-GPU machines
    assert eight.shape_for(2) == (8, 1) and eight.shape_for(16) == (8, 2)
    w = api.workload(models=["llama-3.3-70b"], gpu_types=["h100-sxm"], precisions=["bf16"], self_hosting="required",
                     requests_per_day=50_000)
    rec = recommend_with(w, api.catalog(), prices=_book(one, eight))
    assert rec.candidates
    for c in rec.candidates:
        assert c.gpus in (1, 8) and c.instance_gpus in (1, 8), c.label


def test_no_digitalocean_candidate_uses_2_or_4_gpus(preset_recs):
    extra = api.recommend(api.workload(providers=["digitalocean"], requests_per_day=200_000, latency="batch",
                                       self_hosting="required", min_quality=70))
    for rec in list(preset_recs.values()) + [extra]:
        for c in rec.candidates:
            if c.deployment == "self-hosted" and c.provider == "digitalocean":
                assert c.gpus in (1, 8), c.label


def test_an_instance_bigger_than_the_replica_is_paid_whole_and_said_so():
    eight = _gpu_price(gpus_per_instance=8)
    w = api.workload(models=["llama-3.1-8b"], gpu_types=["h100-sxm"], precisions=["bf16"], self_hosting="required",
                     requests_per_day=2_000, scaling=["fixed"])
    rec = recommend_with(w, api.catalog(), prices=_book(eight))
    c = rec.candidates[0]
    assert c.gpus == 8 and c.billed_gpu_hours_per_month == pytest.approx(8 * HOURS_PER_MONTH)
    assert "engines" in c.parallelism or any(r.code == "instance-size" for r in c.reasons)


# --------------------------------------------------------------------------- what is billed

def test_monthly_cost_is_billed_gpu_hours_times_the_unit_price(preset_recs):
    for rec in preset_recs.values():
        for c in rec.candidates:
            if c.deployment != "self-hosted":
                continue
            billed = Decimal(str(c.billed_gpu_hours_per_month)) * c.usd_per_gpu_hour
            assert float(c.monthly_cost_usd) == pytest.approx(float(billed), rel=0.01), c.label
            assert c.scaling in ("fixed", "autoscale", "scale-to-zero", "per-request") and c.pricing_kind


def test_every_ranked_candidate_has_free_memory(preset_recs):
    custom = api.recommend(api.workload(latency="batch", requests_per_day=300_000, input_tokens=4000, output_tokens=800,
                                        context_typical_tokens=6000, context_max_tokens=16_384, models=["gpt-oss-120b"],
                                        gpu_types=["a100-80gb"], self_hosting="required", precisions=["bf16", "fp8", "mxfp4-experts"]))
    for rec in list(preset_recs.values()) + [custom]:
        for c in rec.candidates:
            if c.memory is not None:
                assert c.memory.free_bytes >= 0, (rec.workload.name, c.label, c.memory)
                assert c.memory.kv_cache_bytes <= c.memory.kv_capacity_bytes


def test_a_batch_job_with_a_6_hour_window_is_billed_for_its_run_not_the_day():
    w = api.workload(latency="batch", deadline_hours=6, requests_per_day=200_000, models=["llama-3.3-70b"],
                     gpu_types=["h100-sxm"], precisions=["fp8"], self_hosting="required", pricing=["on-demand"])
    price = _gpu_price(gpus_per_instance=8, billing_increment_s=1, minimum_billed_s=60)
    rec = recommend_with(w, api.catalog(), prices=_book(price))
    c = rec.candidates[0]
    assert c.scaling == "scale-to-zero"
    hours_per_day = c.billed_gpu_hours_per_month / DAYS_PER_MONTH / (c.gpus * c.replicas_peak)
    cold_h = billing.cold_start_s(c.memory.weights_bytes, price) / 3600
    assert hours_per_day <= 6 + cold_h + 1e-6
    fixed = next(r for r in c.reasons if r.code == "scaling")
    assert "less than the same replicas fixed" in fixed.message


def test_hourly_billing_rounds_a_batch_run_up_to_whole_hours():
    w = Workload(latency="batch", requests_per_day=10_000, output_tokens=300)
    price = _gpu_price(billing_increment_s=3600)
    [fixed, s2z] = billing.plans(price, 1, 5_000.0, w, day_profile(w), 0.0)
    assert s2z.policy == "scale-to-zero"
    per_day = s2z.billed_gpu_hours_per_month / DAYS_PER_MONTH
    assert per_day == pytest.approx(round(per_day)) and per_day >= 1


def test_autoscale_follows_a_diurnal_day_and_costs_less_than_fixed():
    w = Workload(traffic_shape="diurnal", peak_to_mean=2.5, requests_per_day=500_000, output_tokens=300)
    price = _gpu_price(billing_increment_s=1)
    plans = {p.policy: p for p in billing.plans(price, 1, 1_000.0, w, day_profile(w), 80e9)}
    assert plans["autoscale"].monthly_usd < plans["fixed"].monthly_usd
    assert plans["autoscale"].replicas_min < plans["autoscale"].replicas_peak == plans["fixed"].replicas_peak


def test_bursts_inside_the_hour_cannot_be_autoscaled():
    w = Workload(traffic_shape="bursty", peak_to_mean=8.0, requests_per_day=500_000, output_tokens=300)
    policies = {p.policy for p in billing.plans(_gpu_price(), 1, 1_000.0, w, day_profile(w), 80e9)}
    assert policies == {"fixed"}


def test_reserved_prices_are_fixed_capacity_and_spot_is_for_batch_by_default():
    reserved = _gpu_price(pricing="reserved-1y", usd_per_gpu_hour=Decimal("1.20"))
    spot = _gpu_price(pricing="spot", usd_per_gpu_hour=Decimal("0.90"))
    w = Workload(traffic_shape="diurnal", peak_to_mean=2.5, requests_per_day=500_000)
    assert {p.policy for p in billing.plans(reserved, 1, 1_000.0, w, day_profile(w), 80e9)} == {"fixed"}
    assert Workload().pricing_kinds == ("on-demand", "serverless")
    assert "spot" in Workload(latency="batch").pricing_kinds
    assert set(Workload(pricing=("reserved",)).pricing_kinds) == {"reserved-1y", "reserved-3y", "committed"}
    base = dict(models=["llama-3.3-70b"], gpu_types=["h100-sxm"], precisions=["fp8"], self_hosting="required")
    inter = recommend_with(api.workload(**base), api.catalog(), prices=_book(_gpu_price(), spot))
    assert all(c.pricing_kind == "on-demand" for c in inter.candidates)
    batch = recommend_with(api.workload(latency="batch", **base), api.catalog(), prices=_book(_gpu_price(), spot))
    assert batch.candidates[0].pricing_kind == "spot"
    assert any(r.code == "spot" for r in batch.candidates[0].reasons)
    committed = recommend_with(api.workload(pricing=["reserved"], **base), api.catalog(), prices=_book(reserved))
    assert committed.candidates[0].pricing_kind == "reserved-1y"
    assert any(r.code == "commitment" and "1 year" in r.message for r in committed.candidates[0].reasons)


def test_a_serverless_worker_is_pay_as_you_go_and_says_what_it_is():
    """RunPod's Serverless flex rates were booked as on-demand Pods for want of a kind: a serverless row is its own
    kind, costed by default like on-demand (no commitment, never reclaimed), scaled hour by hour, and explained."""
    flex = _gpu_price(provider="flexco", gpu="l4", pricing="serverless", usd_per_gpu_hour=Decimal("0.684"),
                      billing_increment_s=1, sku="flex worker, 24 GB tier (L4 / A5000 / 3090)")
    base = dict(models=["llama-3.1-8b"], gpu_types=["l4"], precisions=["fp8"], self_hosting="required",
                traffic_shape="diurnal", peak_to_mean=2.5, requests_per_day=200_000)
    rec = recommend_with(api.workload(**base), api.catalog(), prices=_book(flex))
    top = rec.candidates[0]
    assert top.pricing_kind == "serverless" and top.provider == "flexco"
    assert top.scaling == "autoscale" and top.replicas_min < top.replicas_peak
    [why] = [r for r in top.reasons if r.code == "serverless"]
    assert "per second" in why.message and "L4 / A5000 / 3090" in why.message and why.severity == "warning"
    only_pods = recommend_with(api.workload(pricing=["on-demand"], **base), api.catalog(), prices=_book(flex))
    assert not only_pods.candidates
    assert "serverless" in Workload(latency="batch").pricing_kinds


# --------------------------------------------------------------------------- APIs as they are

def _api_price(**kw) -> ApiPrice:
    base = dict(provider="tokenco", model="llama-3.3-70b", input_usd_per_mtok=Decimal("0.50"),
                output_usd_per_mtok=Decimal("1.00"), source="https://example.test/api", as_of="2026-12-01")
    return ApiPrice(**{**base, **kw})


def _api_rec(price: ApiPrice, **w):
    work = api.workload(models=["llama-3.3-70b"], self_hosting="allowed", gpu_types=["h100-sxm"], **w)
    return recommend_with(work, api.catalog(), prices=_book(api_rows=(price,)))


def test_an_unknown_api_context_limit_is_the_typical_128k_not_unlimited():
    rec = _api_rec(_api_price(), context_max_tokens=131_072, context_typical_tokens=8000)
    assert any(c.provider == "tokenco" for c in rec.candidates)
    cat = dataclasses.replace(api.catalog())
    m = cat.models["llama-3.3-70b"]
    long_model = dataclasses.replace(m, max_position_embeddings=1_048_576)
    cat = dataclasses.replace(cat, models={**cat.models, "llama-3.3-70b": long_model})
    w = api.workload(models=["llama-3.3-70b"], context_max_tokens=1_000_000, context_typical_tokens=8000)
    rec = recommend_with(w, cat, prices=_book(api_rows=(_api_price(),)))
    assert not [c for c in rec.candidates if c.provider == "tokenco"]
    [r] = [r for r in rec.rejected if r.provider == "tokenco"]
    assert r.reasons[0].code == "api-context" and "131,072" in r.reasons[0].message


def test_a_peak_over_the_highest_rate_limit_tier_is_rejected_and_a_lower_one_named():
    tiers = (RateLimit("tier 1", requests_per_min=60, tokens_per_min=100_000), RateLimit("tier 5", requests_per_min=6000,
                                                                                       tokens_per_min=20_000_000))
    low = _api_rec(_api_price(rate_limits=tiers), requests_per_day=100_000)
    c = next(c for c in low.candidates if c.provider == "tokenco")
    assert any(r.code == "api-rate-limits" and "tier 5" in r.message for r in c.reasons)
    high = _api_rec(_api_price(rate_limits=tiers), requests_per_day=80_000_000, latency="batch")
    assert not [c for c in high.candidates if c.provider == "tokenco"]
    assert any(r.reasons[0].code == "api-rate-limits" for r in high.rejected if r.provider == "tokenco")


def test_a_measured_ttft_over_the_target_rejects_the_api():
    rec = _api_rec(_api_price(ttft_ms=1000, output_tokens_per_s=80, speed_source="measured 2026-11 (example)"), ttft_ms=300)
    assert not [c for c in rec.candidates if c.provider == "tokenco"]
    assert any(r.reasons[0].code == "api-ttft" for r in rec.rejected if r.provider == "tokenco")


def test_the_batch_api_discount_applies_to_work_that_can_wait_a_day():
    price = _api_price(batch_discount=0.5, batch_source="https://example.test/batch")
    day = _api_rec(price, latency="batch", deadline_hours=24)
    c = next(c for c in day.candidates if c.provider == "tokenco")
    assert c.pricing_kind == "batch-api"
    rush = _api_rec(price, latency="batch", deadline_hours=6)
    r = next(c for c in rush.candidates if c.provider == "tokenco")
    assert r.pricing_kind == "per-token" and c.monthly_cost_usd == (r.monthly_cost_usd / 2).quantize(Decimal("0.01")) or \
        abs(c.monthly_cost_usd * 2 - r.monthly_cost_usd) <= Decimal("0.02")


def test_a_retired_model_is_never_ranked():
    rec = _api_rec(_api_price(retired_on="2026-10-01"))
    assert not [c for c in rec.candidates if c.provider == "tokenco"]


@pytest.mark.parametrize("increment_s,minimum_s", [(1, 0), (60, 0), (3600, 0), (60, 3600), (900, 0)])
def test_a_scale_to_zero_job_takes_the_cheapest_replica_count(increment_s, minimum_s):
    """Over every replica count at or above the deadline's, the job's GPU-seconds are the least (brute force
    over the first 600 counts), and more work never makes it cheaper."""
    import random

    from advisor.cost.billing import billed_seconds, cheapest_job

    rng = random.Random(increment_s * 7 + minimum_s)
    price = _gpu_price(billing_increment_s=increment_s, minimum_billed_s=minimum_s)
    for _ in range(40):
        work, cold, least = rng.uniform(1e3, 5e6), rng.uniform(30, 1500), rng.randint(1, 60)
        per_instance = rng.choice([1, 2, 8])

        def gpus(n: int) -> int:
            return -(-n // per_instance) * 8 if per_instance > 1 else n

        share = 8 / per_instance if per_instance > 1 else 1
        n, billed = cheapest_job(work, cold, least, price, gpus, share)
        brute = min(gpus(m) * billed_seconds(work / m + cold, price) for m in range(least, least + 600))
        assert n >= least and gpus(n) * billed <= brute + 1e-6
        more, more_billed = cheapest_job(work * 1.013, cold, least, price, gpus, share)
        assert gpus(more) * more_billed >= gpus(n) * billed - 1e-6


def test_the_billing_reason_names_the_offer_billed(preset_recs):
    """Community and Secure Cloud rows of one GPU differ in price and in what they promise: say which one is billed."""
    c = next(c for c in preset_recs["heavy-fine-tuning"].candidates if c.deployment == "self-hosted")
    from advisor.prices.resolve import price_book

    book = price_book()
    sku = next(p.sku for p in book.gpu_prices if p.provider == c.provider and p.gpu == c.gpu
               and p.usd_per_gpu_hour == c.usd_per_gpu_hour and p.pricing == c.pricing_kind)
    billing_reason = next(r for r in c.reasons if r.code == "billing")
    assert sku and f"at {c.provider} ({sku.split(' (')[0][:70]})" in billing_reason.message


def test_a_row_priced_from_an_old_snapshot_says_so():
    base = {"models": ["llama-3.3-70b"], "gpu_types": ["h100-sxm"], "precisions": ["fp8"], "self_hosting": "required"}
    import datetime

    day = datetime.date.today()
    long_ago, lately = (day - datetime.timedelta(days=365)).isoformat(), (day - datetime.timedelta(days=10)).isoformat()
    old = recommend_with(api.workload(**base), api.catalog(), prices=_book(_gpu_price(as_of=long_ago)))
    fresh = recommend_with(api.workload(**base), api.catalog(), prices=_book(_gpu_price(as_of=lately)))
    stale = [r for r in old.candidates[0].reasons if r.code == "stale-price"]
    assert stale and stale[0].severity == "warning" and long_ago in stale[0].message
    from advisor.prices.book import STALE_AFTER_DAYS

    assert stale[0].numbers["age_days"] > STALE_AFTER_DAYS
    assert not [r for r in fresh.candidates[0].reasons if r.code == "stale-price"]
