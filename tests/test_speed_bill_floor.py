"""``billing.bills_at_least``: the search's test, before pricing a configuration's policies, that no plan of an offer goes
under the bill it already has. It must never say so of a plan ``billing.plans`` prices lower (else a cheaper
configuration is dropped), and it must say so often enough to be worth asking (the search's misses)."""

from __future__ import annotations

import dataclasses
import itertools
from decimal import Decimal

from advisor.cost import billing
from advisor.domain.prices import GpuPrice
from advisor.domain.traffic import day_profile
from advisor.domain.workload import PRESETS, Workload


def _rows() -> list[GpuPrice]:
    base = {"provider": "testcloud", "gpu": "h100-sxm", "source": "https://example.test/pricing", "as_of": "2026-12-01"}
    rows = []
    for usd, kind, inc, least, shapes, multi in itertools.product(
            ("0.79", "2.49", "11.30"), ("on-demand", "spot", "reserved-1y"), (1, 60, 3600), (0, 600),
            ((1,), (8,), (1, 2, 4, 8)), (False, True)):
        rows.append(GpuPrice(**base, usd_per_gpu_hour=Decimal(usd), pricing=kind, billing_increment_s=inc, minimum_billed_s=least,
                             gpus_per_instance=shapes[-1], instance_gpu_counts=shapes if len(shapes) > 1 else (), multi_node=multi))
    return rows


def _workloads() -> list[Workload]:
    out = []
    for name in ("bursty-app", "batch-pipeline", "heavy-fine-tuning", "long-context", "steady-latency"):
        w = PRESETS[name]
        out += [dataclasses.replace(w, requests_per_day=w.requests_per_day * f) for f in (0.003, 0.1, 1.0, 7.0)]
    out.append(Workload(traffic_shape="diurnal", peak_to_mean=3.0, requests_per_day=2_000_000, output_tokens=400, min_replicas=2))
    out.append(Workload(traffic_shape="diurnal", peak_to_mean=3.0, requests_per_day=2_000_000, output_tokens=400, spare_replicas=1))
    out.append(Workload(hourly_profile=(0.0,) * 8 + (1.0,) * 10 + (0.0,) * 6, requests_per_day=300_000, min_replicas=0,
                        spare_replicas=2))
    out.append(Workload(latency="batch", requests_per_day=3_000_000, output_tokens=500, deadline_hours=6.0, pricing=("spot",)))
    # weekdays only: the weekend runs Min replicas (0 or 1), or no job; a flat day that autoscales only over the week
    out.append(Workload(hourly_profile=(0.0,) * 8 + (1.0,) * 10 + (0.0,) * 6, requests_per_day=300_000, min_replicas=0,
                        days_per_week=5.0))
    out.append(Workload(traffic_shape="steady", peak_to_mean=1.5, requests_per_day=900_000, min_replicas=1, days_per_week=5.0))
    out.append(Workload(traffic_shape="steady", peak_to_mean=1.5, requests_per_day=900_000, min_replicas=0, days_per_week=2.5,
                        spare_replicas=1))
    out.append(Workload(latency="batch", requests_per_day=3_000_000, output_tokens=500, deadline_hours=6.0, days_per_week=5.0))
    return out


def test_a_plan_under_the_bill_is_never_ruled_out():
    """Over price rows (price kind, billing increment, minimum charge, shapes, cluster interconnect), workloads (the
    presets at four volumes, a diurnal day with two replicas at least or one spare, office hours with
    none at night and two spare, a spot job with a deadline), replica sizes and
    capacities: wherever the floor says every plan bills at least ``usd``, every plan does; asked at the cheapest
    plan's bill itself (a tie is not under it), just above it (never true) and below it."""
    said = unsure = 0
    for w in _workloads():
        day = day_profile(w)
        for row, gpus, capacity in itertools.product(_rows(), (1, 2, 4, 16), (40.0, 900.0, 25_000.0)):
            planned = capacity * 0.55
            plans = billing.plans(row, gpus, capacity, w, day, 140e9, planned)
            low = min((p.monthly_usd for p in plans), default=None)
            if low is None:
                assert billing.bills_at_least(row, gpus, capacity, w, day, 140e9, planned, Decimal("1"))  # no plan: none under
                continue
            assert not billing.bills_at_least(row, gpus, capacity, w, day, 140e9, planned, low * Decimal("1.000000001") + Decimal("1e-9"))
            for usd in (low, low * Decimal("0.999"), low * Decimal("0.9"), low / 2):
                if billing.bills_at_least(row, gpus, capacity, w, day, 140e9, planned, usd):
                    said += 1
                    assert low >= usd, (w, row, gpus, capacity, usd, low)
                else:
                    unsure += 1
    assert said > 3 * unsure  # it decides most cases: a floor that never said yes would pass the assertions above


def test_a_fixed_month_is_compared_exactly():
    """Only fixed plans (reserved capacity): a bill equal to the plan's is not under it, a cent less is."""
    w = PRESETS["bursty-app"]
    row = dataclasses.replace(_rows()[0], pricing="reserved-1y", gpus_per_instance=8, instance_gpu_counts=(1, 2, 4, 8))
    [fixed] = billing.plans(row, 2, 900.0, w, day_profile(w), 140e9, 500.0)
    assert billing.bills_at_least(row, 2, 900.0, w, day_profile(w), 140e9, 500.0, fixed.monthly_usd)
    assert not billing.bills_at_least(row, 2, 900.0, w, day_profile(w), 140e9, 500.0, fixed.monthly_usd + Decimal("0.01"))
