"""What a re-rank now skips or works out once must give what the longer way gives: the search's skip of an engine
priced out at its smallest count, ``billing.best`` reading the whole key only on equal bills, ``billing.plans``'
figures kept per price row (never another row's), and a non-reasoning row's relabelling kept per run."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from advisor.common.serialize import dumps_json
from advisor.cost import billing
from advisor.domain.prices import GpuPrice
from advisor.domain.traffic import day_profile
from advisor.domain.workload import PRESETS, Workload
from advisor.prices.book import from_catalog
from advisor.ranking import bounds, modes
from advisor.ranking.context import clear_memos
from advisor.ranking.rank import recommend_with


def _price(**kw) -> GpuPrice:
    base = {"provider": "testcloud", "gpu": "h100-sxm", "usd_per_gpu_hour": Decimal("2.00"), "pricing": "on-demand",
            "source": "https://example.test/pricing", "as_of": "2026-12-01"}
    return GpuPrice(**{**base, **kw})


@pytest.mark.parametrize("preset", ["bursty-app", "long-context", "heavy-fine-tuning"])
def test_skipping_a_priced_out_engine_changes_nothing(cat, monkeypatch, preset):
    """The JSON (every row, every reason) with the skip and with every engine searched."""
    book = from_catalog(cat)
    w = dataclasses.replace(PRESETS[preset], requests_per_day=PRESETS[preset].requests_per_day * 1.3)
    clear_memos()
    skipping = dumps_json(recommend_with(w, cat, book))
    skipped: list[bool] = []  # what the skip would have said; every engine is searched
    monkeypatch.setattr(bounds, "engine_priced_out", lambda *a, real=bounds.engine_priced_out: skipped.append(real(*a)))
    clear_memos()
    assert dumps_json(recommend_with(w, cat, book)) == skipping
    assert any(skipped), "no engine was priced out: the test checks nothing"


def test_best_is_the_minimum_over_the_whole_key():
    """Equal bills are broken by price kind, then policy, then provider, and the first of equal keys wins."""
    w = Workload(traffic_shape="diurnal", peak_to_mean=2.5, requests_per_day=500_000, output_tokens=300)
    rows = [_price(provider=p, pricing=k, usd_per_gpu_hour=Decimal(u)) for p, k, u in (
        ("b", "spot", "2.00"), ("a", "spot", "2.00"), ("c", "on-demand", "2.00"), ("a", "on-demand", "1.50"),
        ("z", "reserved-1y", "1.50"), ("y", "on-demand", "1.50"))]
    plans = [p for r in rows for p in billing.plans(r, 1, 1_000.0, w, day_profile(w), 80e9)]
    def key(p):
        return p.monthly_usd, billing._KIND_ORDER.get(p.pricing_kind, 2), billing._POLICY_ORDER.get(p.policy, 3), p.price.provider

    for i in range(len(plans)):
        for j in range(i + 1, len(plans) + 1):
            some = plans[i:j] + plans[:i]
            assert billing.best(some) is min(some, key=key)
    assert billing.best([]) is None


def test_plans_never_read_another_rows_figures():
    """Kept per (row, count, checkpoint) under the row's id, with the row: an entry left at that id by another row
    (as after the other row was freed and its id re-used) is not read."""
    w = Workload(requests_per_day=500_000, output_tokens=300)
    day = day_profile(w)
    for i in range(20):
        row = _price(usd_per_gpu_hour=Decimal(f"{1 + i / 10:.2f}"), storage_gbps=1.0 + i)
        other = _price(usd_per_gpu_hour=Decimal("99.00"), storage_gbps=0.1)
        billing.plans(other, 1, 1_000.0, w, day, 80e9)
        billing._STATIC[(id(row), 1, 80e9)] = billing._STATIC[(id(other), 1, 80e9)]  # another row's figures at this id
        for _ in range(2):  # read afresh, then from what it kept
            [fixed] = billing.plans(row, 1, 1_000.0, w, day, 80e9)
            assert fixed.monthly_usd == row.usd_per_gpu_hour * Decimal(str(fixed.billed_gpu_hours_per_month))
            assert fixed.cold_start_s == billing.cold_start_s(80e9, row) != billing.cold_start_s(80e9, other)
            assert fixed.price is row


def test_a_non_reasoning_rows_relabelling_kept_per_run_is_the_one_worked_out(cat, monkeypatch):
    """Every row relabelled with an empty memo (nothing kept) reads as the ranking that keeps it."""
    book = from_catalog(cat)
    w = PRESETS["bursty-app"]
    clear_memos()
    kept = dumps_json(recommend_with(w, cat, book))
    real = modes.relabel_rows
    monkeypatch.setattr(modes, "relabel_rows", lambda rows, mq, w, scaled, catalog, memo, own=False: [  # each row from nothing kept
        real([c], mq, w, scaled, catalog, {}, own)[0] for c in rows])
    clear_memos()
    assert dumps_json(recommend_with(w, cat, book)) == kept
