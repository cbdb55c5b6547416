"""``spare_replicas``: N+1 redundancy billed as replicas beyond each hour's need, and the warning where ``min_replicas``
reads as redundancy but one replica lost at the peak overloads the rest (trial 36)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from advisor import api
from advisor.cost import billing
from advisor.domain.prices import GpuPrice
from advisor.domain.traffic import day_profile
from advisor.domain.workload import HOURS_PER_MONTH, Workload
from advisor.errors import InputError

ROW = GpuPrice(provider="testcloud", gpu="h100-sxm", usd_per_gpu_hour=Decimal("2.00"), pricing="on-demand",
               source="https://example.test/pricing", as_of="2026-12-01")


def _plan(w: Workload, policy: str, capacity: float = 1000.0) -> billing.Plan:
    """The plan of ``policy`` for 1-GPU replicas carrying ``capacity`` output tokens/s, planned at all of it."""
    return next(p for p in billing.plans(ROW, 1, capacity, w, day_profile(w), 10e9, capacity) if p.policy == policy)


def test_a_fixed_month_runs_the_spare_beyond_the_peaks_need():
    # 2,500 output tokens/s at the peak (steady 1.5x of 1,666.7): ceil(2.5) = 3 replicas of 1,000; N+1 = 4.
    w = Workload(requests_per_day=1000 / 1.5 * 86_400 / 300 * 2.5, output_tokens=300, peak_to_mean=1.5, scaling=("fixed",))
    assert w.mean_output_tokens_per_s * 1.5 == pytest.approx(2500)
    assert _plan(w, "fixed").replicas_peak == 3
    spared = _plan(Workload(**{**w.__dict__, "spare_replicas": 1}), "fixed")
    assert spared.replicas_peak == 4 and spared.monthly_usd == Decimal("2.00") * Decimal(str(4 * HOURS_PER_MONTH))
    # the floor takes over where it is higher: min 5 with one spare is 5, not 6
    assert _plan(Workload(**{**w.__dict__, "spare_replicas": 1, "min_replicas": 5}), "fixed").replicas_peak == 5


def test_autoscaling_adds_the_spare_only_in_hours_with_traffic():
    # office hours: no traffic 0-8 and 18-24; 10 hours at 2.4x the mean each
    hours = (0.0,) * 8 + (1.0,) * 10 + (0.0,) * 6
    w = Workload(hourly_profile=hours, requests_per_day=86_400 * 1000 / 300, output_tokens=300, min_replicas=0,
                 scaling=("autoscale",), peak_to_mean=2.4)
    load = w.mean_output_tokens_per_s * 2.4  # each busy hour's output tokens/s
    assert load == pytest.approx(2400)
    base, spared = _plan(w, "autoscale"), _plan(Workload(**{**w.__dict__, "spare_replicas": 1}), "autoscale")
    assert (base.replicas_min, base.replicas_peak) == (0, 3) and (spared.replicas_min, spared.replicas_peak) == (0, 4)
    # 10 hours a day of one more replica (the same starts and stops: one cold start more each morning, billed to the hour)
    assert spared.replica_hours_per_month - base.replica_hours_per_month == pytest.approx(10 * 365 / 12)
    assert spared.billed_gpu_hours_per_month > base.billed_gpu_hours_per_month + 10 * 365 / 12


def _rows(w: Workload):
    return [c for c in api.recommend(w).candidates if c.deployment == "self-hosted"]


def _reason(c, code):
    return next((r for r in c.reasons if r.code == code), None)


@pytest.fixture(scope="module")
def busy_pair():
    """A chatbot whose peak needs more than one replica's planned load, with Min replicas 2 (trial 36's question)."""
    w = api.workload(preset="steady-latency", requests_per_day=900_000, min_replicas=2, models=["phi-4"],
                     gpu_types=["h100-sxm"], providers=["runpod"], precisions=["fp8"])
    return w, _rows(w)[0]


def test_min_replicas_2_that_is_not_redundant_at_the_peak_says_so(busy_pair):
    w, c = busy_pair
    assert c.replicas == 2
    h, n1 = _reason(c, "headroom").numbers, _reason(c, "not-n-plus-one")
    assert n1 is not None and n1.severity == "warning", [r.code for r in c.reasons]
    # one lost: the survivor carries both replicas' load
    assert n1.numbers["survivor_utilization"] == pytest.approx(2 * h["planned_utilization"], rel=1e-9)
    assert n1.numbers["survivor_utilization"] > h["max_utilization"]
    assert "Min replicas 2 (--min-replicas 2) is not redundancy at the peak" in n1.message
    assert "Spare replicas 1 (--spare-replicas 1)" in n1.message
    assert f"{n1.numbers['survivor_utilization']:.0%} of its capacity" in n1.message or "TTFT" in n1.message
    # one more 1-GPU replica all month: half of the two replicas' fixed month (at most: autoscaling bills less)
    assert c.scaling == "fixed" and Decimal(n1.numbers["extra_replica_monthly_usd"]) == pytest.approx(c.monthly_cost_usd / 2)


def test_a_spare_replica_is_billed_and_explained_and_ends_the_warning(busy_pair):
    w, c = busy_pair
    spared = _rows(api.workload(**{**w.__dict__, "spare_replicas": 1}))
    same = next(s for s in spared if (s.model, s.gpu, s.gpus, s.precision, s.provider, s.engine) ==
                (c.model, c.gpu, c.gpus, c.precision, c.provider, c.engine))
    assert same.replicas == c.replicas + 1 and same.monthly_total_usd > c.monthly_total_usd
    assert _reason(same, "not-n-plus-one") is None
    head = _reason(same, "headroom").message
    assert "Spare replicas 1 (--spare-replicas 1) runs one more: with one lost at the peak the rest stay within it" in head


def test_min_replicas_that_leaves_room_at_the_peak_gets_no_warning():
    w = api.workload(preset="steady-latency", requests_per_day=100_000, min_replicas=2, models=["phi-4"],
                     gpu_types=["h100-sxm"], providers=["runpod"], precisions=["fp8"])
    c = _rows(w)[0]
    assert c.replicas == 2 and 2 * _reason(c, "headroom").numbers["planned_utilization"] <= 0.8
    assert _reason(c, "not-n-plus-one") is None


@pytest.mark.parametrize("bad", [-1, 101, 1.5])
def test_spare_replicas_out_of_range_names_the_field(bad):
    with pytest.raises(InputError) as e:
        api.workload(spare_replicas=bad)
    assert "spare_replicas" in str(e.value)


def test_the_cli_flag_reaches_the_workload(capsys):
    from advisor.cli import main

    assert main(["recommend", "--preset", "steady-latency", "--spare-replicas", "1", "--self-hosting", "required",
                 "--top", "1", "--format", "json"]) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["workload"]["spare_replicas"] == 1
    top = out["candidates"][0]
    assert top["deployment"] == "self-hosted" and top["replicas"] >= 2 and math.isfinite(float(top["total_monthly_usd"]))


def test_a_skypilot_service_of_an_autoscaled_plan_with_a_spare_says_what_skyserve_cannot_keep():
    from advisor.deploy.skypilot import replica_policy

    w = api.workload(preset="bursty-app", traffic_shape="diurnal", peak_to_mean=3.0, requests_per_day=400_000, spare_replicas=1,
                     self_hosting="required", scaling=["autoscale"], models=["phi-4"], gpu_types=["h100-sxm"])
    c = _rows(w)[0]
    assert c.scaling == "autoscale"
    lines = replica_policy(c, w)
    assert any("spare_replicas 1" in ln for ln in lines) and f"    max_replicas: {c.replicas_peak}" in lines
    assert not any("spare_replicas" in ln for ln in replica_policy(c, api.workload(**{**w.__dict__, "spare_replicas": 0})))


async def test_the_forms_spare_replicas_reaches_the_ranking():
    pytest.importorskip("textual")
    from test_tui import make_app, paste_into, settle, until

    from advisor.domain.workload import PRESETS

    app = make_app(workload=PRESETS["steady-latency"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = {(c.model, c.gpu, c.gpus, c.precision, c.provider): c.replicas for c in app.recommendation.candidates
                  if c.deployment == "self-hosted"}
        await paste_into(pilot, "spare_replicas", "1")
        await until(pilot, lambda: app.recommendation.workload.spare_replicas == 1 and not app.pending)
        await settle(pilot)
        after = [c for c in app.recommendation.candidates if c.deployment == "self-hosted"]
        assert after and all(c.replicas >= before.get((c.model, c.gpu, c.gpus, c.precision, c.provider), 0) for c in after)
        assert any(c.replicas == before[k] + 1 for c in after if (k := (c.model, c.gpu, c.gpus, c.precision, c.provider)) in before)
