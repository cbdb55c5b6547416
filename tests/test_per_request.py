"""Serverless workers that follow the requests (``advisor.cost.per_request``): the seeds' "bursty, low-volume app ->
serverless" case, priced per second of the workers up instead of whole replicas for whole hours, with the cold starts
that scaling to zero costs in time kept within the TTFT target."""

from __future__ import annotations

import dataclasses
import re
import itertools
import math
from decimal import Decimal

import pytest

from advisor import api
from advisor.cost import billing, per_request
from advisor.cost.startup import IMAGE_PULL_S, INSTANCE_BOOT_S, cold_start, cold_start_s
from advisor.domain.prices import GpuPrice
from advisor.domain.traffic import day_profile
from advisor.domain.workload import PRESETS, Workload


def _flex(**kw) -> GpuPrice:
    base = dict(provider="flexco", gpu="rtx-4090", usd_per_gpu_hour=Decimal("1.116"), pricing="serverless",
                source="https://example.test/serverless", as_of="2026-12-01", billing_increment_s=1, gpus_per_instance=1)
    return GpuPrice(**{**base, **kw})


def _exact_mean_workers(held: float, slots: int) -> float:
    top = int(held + 15 * math.sqrt(held) + 50)
    return sum(math.exp(n * math.log(held) - held - math.lgamma(n + 1)) * math.ceil(n / slots) for n in range(1, top))


@pytest.mark.parametrize("held,slots", [(0.05, 1), (0.5, 4), (6.6, 16), (29.0, 8), (31.0, 8), (100.0, 16), (100.0, 5),
                                        (400.0, 64), (60.0, 50), (3.0, 1)])
def test_the_mean_workers_up_is_the_poisson_expectation_of_ceil_n_over_slots(held, slots):
    got, want = per_request.mean_workers(held, slots), _exact_mean_workers(held, slots)
    assert got == pytest.approx(want, rel=5e-3, abs=2e-3)
    assert got >= held / slots  # the floor the bill floors count


def test_the_idle_timeout_is_the_shortest_that_keeps_cold_starts_within_the_budget():
    rates, hold, cold = [0.002 * (1 + h % 5) for h in range(24)], 13.0, 120.0
    for budget in (0.2, 0.05, 0.01):
        t = per_request.idle_timeout(rates, hold, budget, cold)
        assert t is not None and t >= per_request.IDLE_TIMEOUT_S
        assert per_request._cold_share(rates, hold, t, cold) <= budget
        if t > per_request.IDLE_TIMEOUT_S:
            assert per_request._cold_share(rates, hold, t - 1.0, cold) > budget  # one second shorter misses it
    assert per_request.idle_timeout(rates, hold, 1e-9, cold) is None  # no timeout up to an hour makes them that rare


def test_a_cold_share_counts_the_requests_that_arrive_while_a_worker_starts():
    # One request a minute, a 2-minute start, nothing kept up between requests: each start is met by the request that
    # found none up and the 2 that arrive while it starts, and every request waits one.
    starts, share = per_request._cold(1 / 60, 0.0, 120.0)
    assert share == pytest.approx(1.0) and starts == pytest.approx(1 / 180)
    starts, share = per_request._cold(1 / 60, 1.0, 0.0)
    assert share == pytest.approx(math.exp(-1.0)) and starts == pytest.approx(math.exp(-1.0) / 60)


def test_a_serverless_worker_starts_without_a_boot_or_an_image_pull():
    flex, pod = _flex(), _flex(pricing="on-demand")
    assert cold_start_s(15e9, pod) - cold_start_s(15e9, flex) == pytest.approx(INSTANCE_BOOT_S + IMAGE_PULL_S)
    assert cold_start(15e9, flex).total_s == pytest.approx(cold_start_s(15e9, flex))
    assert "no boot or image pull" in cold_start(15e9, flex).text()


def _workloads() -> list[Workload]:
    office = (0.0,) * 8 + (1.0,) * 10 + (0.0,) * 6
    out = []
    for rpd, ttft, pct, floor, spare in itertools.product((30, 3_000, 300_000), (1_500, 60_000, 900_000), (0, 95), (0, 1), (0, 1)):
        out.append(Workload(requests_per_day=rpd, ttft_ms=ttft, ttft_percentile=pct, min_replicas=floor, spare_replicas=spare,
                            traffic_shape="bursty", peak_to_mean=6.0))
    out.append(Workload(requests_per_day=2_000, hourly_profile=office, min_replicas=0, ttft_ms=60_000))
    out.append(Workload(requests_per_day=2_000, traffic_shape="diurnal", peak_to_mean=3.0, min_replicas=0, ttft_ms=30_000))
    out.append(Workload(requests_per_day=2_000, hourly_profile=office, min_replicas=0, ttft_ms=60_000, days_per_week=5.0))
    out.append(Workload(requests_per_day=20_000, min_replicas=1, ttft_ms=900_000, days_per_week=3.0))
    return out


def test_a_per_request_plan_under_the_bill_is_never_ruled_out():
    """``billing.bills_at_least`` with serverless rows: wherever it says every plan bills at least ``usd``, every plan
    (the per-request one too) does."""
    said = unsure = priced = 0
    rows = [_flex(), _flex(billing_increment_s=60, minimum_billed_s=60), _flex(usd_per_gpu_hour=Decimal("0.30"))]
    for w in _workloads():
        day = day_profile(w)
        for row, capacity, hold in itertools.product(rows, (40.0, 900.0, 25_000.0), (0.0, 3.0, 60.0)):
            planned = capacity * 0.55
            plans = billing.plans(row, 1, capacity, w, day, 15e9, planned, hold)
            alone = billing.per_request_plan(row, 1, w, day, 15e9, planned, hold)
            priced += alone is not None
            made = [p for p in plans if p.policy == "per-request"]
            # ``plans`` makes it wherever it may go under the row's other plans, and then as ``per_request_plan`` does
            assert made == ([alone] if made else []) and (made or alone is None or
                                                          alone.monthly_usd >= min(p.monthly_usd for p in plans))
            low = min((p.monthly_usd for p in plans), default=None)
            if low is None:
                continue
            for usd in (low, low * Decimal("0.999"), low * Decimal("0.9"), low / 2):
                if billing.bills_at_least(row, 1, capacity, w, day, 15e9, planned, usd):
                    said += 1
                    assert low >= usd, (w, row, capacity, hold, usd, low)
                else:
                    unsure += 1
    assert priced > 100 and 3 * said > unsure  # (idle tails and cold starts are above the floor: fewer decided than elsewhere)


def test_a_day_bills_at_least_its_floor_and_at_least_min_replicas():
    for w in _workloads():
        day = day_profile(w)
        for planned, hold in itertools.product((20.0, 500.0, 14_000.0), (2.0, 40.0)):
            d = per_request.day_of(w, day, planned, 120.0, hold)
            if d is None:
                continue
            assert d.worker_hours >= per_request.floor_hours(w, day, planned)
            assert d.worker_hours >= 24 * w.min_replicas
            assert d.cold_share <= d.budget or d.budget >= 1.0
            if w.min_replicas:
                assert d.cold_share == 0.0 and d.idle_timeout_s == per_request.IDLE_TIMEOUT_S


LOW = dict(preset="bursty-app", self_hosting="required", min_replicas=0, requests_per_day=100, ttft_ms=900_000)
"""An internal tool: 100 requests a day, an answer wanted within 15 minutes."""


def test_a_low_volume_tool_that_tolerates_cold_starts_runs_per_request_for_less_than_a_pod_all_month():
    rec = api.recommend(api.workload(**LOW, pricing=["serverless", "on-demand"]))
    top = rec.candidates[0]
    assert (top.scaling, top.pricing_kind) == ("per-request", "serverless")
    pods = [c for c in rec.candidates if c.pricing_kind == "on-demand"]
    assert pods and top.monthly_cost_usd < min(c.monthly_cost_usd for c in pods)
    line = next(r.message for r in top.reasons if r.code == "billing")
    assert "workers follow the requests" in line and "idle timeout of 5 s" in line and "starts a day" in line
    # the billing line multiplies out
    hours, price, bill = (float(x.replace(",", "")) for x in
                          __import__("re").search(r": ([\d,.]+) GPU-hours/month x \$([\d.]+)/GPU-h = \$([\d,.]+)", line).groups())
    assert hours * price == pytest.approx(bill, abs=0.01)


def test_a_tight_ttft_target_keeps_workers_up_longer_than_the_default_timeout():
    """The bursty app (1.5 s mean TTFT): a cold start would break the target, so the idle timeout is lengthened until the
    requests that wait one are rare enough, and the reason says what the default would have left."""
    w = api.workload(preset="bursty-app", self_hosting="required", pricing=["serverless"], scaling=["per-request"],
                     min_replicas=0, models=["phi-4"])
    c = next(x for x in api.recommend(w).candidates if x.scaling == "per-request")
    line = next(r.message for r in c.reasons if r.code == "billing")
    timeout = next(r.numbers["idle_timeout_s"] for r in c.reasons if r.code == "serverless")
    assert timeout > per_request.IDLE_TIMEOUT_S
    assert "the default 5 s would leave" in line and "within the mean TTFT target's room" in line


def test_a_serverless_row_kept_up_by_the_hour_says_what_per_request_workers_would_bill():
    w = api.workload(**{**LOW, "requests_per_day": 3_000, "ttft_ms": 1_500}, pricing=["serverless"])
    rows = [c for c in api.recommend(w).candidates if c.pricing_kind == "serverless" and c.scaling != "per-request"]
    for c in rows[:3]:
        text = next(r.message for r in c.reasons if r.code == "serverless")
        assert "workers that follow the requests would bill $" in text or "workers that follow the requests cannot keep" in text


def test_the_deploy_output_names_the_endpoint_settings_the_bill_assumes():
    from advisor.deploy.skypilot import launch_warnings

    w = api.workload(**LOW, pricing=["serverless"])
    c = api.recommend(w).candidates[0]
    for target in ("vllm", "skypilot"):
        lines = [x for x in launch_warnings(c, w, api.catalog(), target) if "Serverless workers" in x]
        assert len(lines) == 1 and "0 active worker(s)" in lines[0] and "idle timeout 5 s" in lines[0], lines


def test_settled_searches_are_not_kept_where_a_per_request_plan_may_appear_with_the_volume():
    from advisor.ranking.settled import monotone

    w = PRESETS["bursty-app"]
    assert monotone(w)
    assert not monotone(dataclasses.replace(w, min_replicas=0))
    assert monotone(dataclasses.replace(w, min_replicas=0, pricing=("on-demand",)))
    assert monotone(dataclasses.replace(w, min_replicas=0, scaling=("fixed", "autoscale")))


def test_bursts_separated_by_lulls_longer_than_the_idle_timeout_each_start_cold():
    """Trial 40: 8,000 requests a day in bursts (6x) with a 2 s p95 TTFT: one burst an hour, its lull 50 minutes, starts
    cold unless a worker outlasts the lull; the first request and those arriving in the 108 s start wait (about 18%)."""
    r, cold = 8000 / 86400, 108.0
    assert per_request._burst_share(r, 54.0, cold, 6.0) == pytest.approx((1 + r * 6 * cold) / (r * 3600))
    assert per_request._burst_share(r, 3000.0, cold, 6.0) == 0.0  # longer than the 50 min lull: a worker stays up
    assert per_request._burst_share(r, 54.0, cold, 1.0) == 0.0  # no bursts modelled
    w = Workload(requests_per_day=8000, input_tokens=2000, output_tokens=250, traffic_shape="bursty", peak_to_mean=6.0,
                 ttft_ms=2000, ttft_percentile=95, min_replicas=0)
    d = per_request.day_of(w, day_profile(w), 600.0, cold, 10.0)
    assert d is None or d.idle_timeout_s >= 3000.0  # only a timeout past the lull keeps the bursts within 2.5%
    steady = dataclasses.replace(w, traffic_shape="steady", peak_to_mean=1.0)
    d = per_request.day_of(steady, day_profile(steady), 600.0, cold, 10.0)
    assert d is not None and d.idle_timeout_s < 3000.0


def test_a_burst_needing_more_than_one_worker_keeps_the_workers_it_needs_up_all_hour():
    """Trial 40: a burst's load of 1.06 workers was billed as 1.06 workers up while the TTFT needed 2 in every burst."""
    w = Workload(requests_per_day=8000, input_tokens=2000, output_tokens=250, traffic_shape="bursty", peak_to_mean=6.0,
                 ttft_ms=2000, ttft_percentile=95, min_replicas=1)
    day = day_profile(w)
    need = w.mean_output_tokens_per_s * day.within_hour_peak
    d = per_request.day_of(w, day, need / 1.06, 108.0, 10.0)
    assert d.worker_hours >= 24 * 2 and d.peak == 2
    d = per_request.day_of(w, day, need / 0.5, 108.0, 10.0)  # half a worker's load at the burst: no rounding up
    assert d.worker_hours < 24 * 2



HANDBOOK = dict(requests_per_day=200, input_tokens=3000, output_tokens=300, ttft_ms=30_000, ttft_percentile=90,
                self_hosting="required", min_replicas=0, days_per_week=5, utc_offset_hours=1, pricing=["serverless"],
                hourly_profile=[0] * 9 + [1] * 9 + [0] * 6, models=["llama-3.1-8b"])
"""Trial 40's internal handbook bot: 200 questions a weekday, 09:00-18:00 Berlin time, 30 s p90 TTFT, rented GPUs only."""


def test_trial_40s_serverless_texts_say_what_a_reader_needs():
    rec = api.recommend(api.workload(**HANDBOOK))
    texts = [r.message for c in rec.candidates[:6] for r in c.reasons if r.code in ("billing", "serverless")]
    joined = " ".join(texts)
    # the average over the hours with traffic, not a day's (0.36 read as office hours mostly down)
    assert re.search(r"up on average in the 9 hours with traffic", joined)
    # a start within the TTFT target (FlashBoot) would let the default timeout do: its bill
    assert re.search(r"a worker that starts within the TTFT target .* would bill about \$[\d,.]+ at the 5 s default timeout", joined)
    # an FP8 row on the tier that pools Ampere cards: pin the GPU type
    fp8 = [c for c in rec.candidates if "fp8" in c.precision and c.pricing_kind == "serverless" and c.gpu == "l4"]
    assert fp8 and all(any("the tier also pools A5000, 3090, with no FP8 tensor cores" in r.message for r in c.reasons)
                       for c in fp8[:3])


def test_a_per_request_rows_cold_start_line_does_not_say_there_is_no_scale_to_zero():
    rec = api.recommend(api.workload(**{**HANDBOOK, "scaling": ["per-request"]}))
    c = rec.candidates[0]
    line = next(r.message for r in c.reasons if r.code == "cold-start")
    assert "no scale-to-zero" not in line and "a request that finds no worker up waits it" in line


def test_deploy_asks_for_no_always_on_worker_where_the_bill_has_none():
    """Trial 40: an autoscaled serverless row billed 0-1 workers was told to run 1 active worker (730 h a month), and the
    SkyPilot file of an autoscaled pod row that scales to zero kept one replica up."""
    from advisor.deploy.skypilot import launch_warnings, render

    w = api.workload(**HANDBOOK)
    rows = [c for c in api.recommend(w).candidates if c.pricing_kind == "serverless" and c.scaling == "autoscale"]
    assert rows and rows[0].replicas_min == 0
    note = next(x for x in launch_warnings(rows[0], w, api.catalog(), "vllm") if "Serverless workers" in x)
    assert "0 active worker(s)" in note
    pod = api.workload(**{**HANDBOOK, "pricing": ["on-demand"]})
    c = next(x for x in api.recommend(pod).candidates if x.scaling == "autoscale" and x.replicas_min == 0)
    y = render(c, pod, api.catalog(), "skypilot")["service.yaml"]
    assert "    min_replicas: 0" in y.splitlines() and "skypilot-org/skypilot/pull/2938" in y


def test_a_serverless_row_gets_the_vllm_workers_environment_beside_its_serve_script():
    """Trial 40: RunPod's vLLM worker takes vLLM's flags as environment variables, not a `vllm serve` line."""
    from advisor.deploy.skypilot import RUNPOD_ENV, render

    w = api.workload(**HANDBOOK)
    c = next(x for x in api.recommend(w).candidates if x.pricing_kind == "serverless")
    files = render(c, w, api.catalog(), "vllm")
    env = dict(ln.split("=", 1) for ln in files[RUNPOD_ENV].splitlines() if ln and not ln.startswith("#"))
    serve = files["serve.sh"]
    assert f"vllm serve {env['MODEL_NAME']} " in serve
    for key in ("MAX_MODEL_LEN", "MAX_NUM_SEQS", "GPU_MEMORY_UTILIZATION", "TENSOR_PARALLEL_SIZE"):
        assert f"--{key.lower().replace('_', '-')} {env[key]}" in serve
    assert "HOST" not in env and "PORT" not in env
    pod = api.workload(**{**HANDBOOK, "pricing": ["on-demand"]})
    assert RUNPOD_ENV not in render(api.recommend(pod).candidates[0], pod, api.catalog(), "vllm")


def test_the_cli_table_tells_a_serverless_row_from_a_pod():
    from advisor.cli.render import config_text

    rec = api.recommend(api.workload(**HANDBOOK))
    flex = next(c for c in rec.candidates if c.pricing_kind == "serverless")
    assert config_text(flex).endswith("(runpod serverless)")
    pod = api.recommend(api.workload(**{**HANDBOOK, "pricing": ["on-demand"]})).candidates[0]
    assert config_text(pod).endswith(f"({pod.provider})")


def test_a_pod_row_names_what_serverless_workers_of_its_gpu_would_bill():
    """Trial 40: with the default price kinds, serverless lost to a pod on every row and was never named."""
    w = api.workload(**{**HANDBOOK, "pricing": []})
    top = api.recommend(w).candidates[0]
    assert top.pricing_kind != "serverless"
    alt = next(r for r in top.reasons if r.code == "serverless-alternative")
    assert "serverless workers of this GPU that follow the requests (runpod" in alt.message
    assert float(alt.numbers["serverless_monthly_usd"]) > 0
    gone = api.recommend(api.workload(**{**HANDBOOK, "pricing": [], "scaling": ["fixed", "autoscale"]})).candidates[0]
    assert not any(r.code == "serverless-alternative" for r in gone.reasons)


def test_the_quick_floor_is_never_above_the_day_it_stands_for():
    for w in _workloads():
        day = day_profile(w)
        for planned, hold, cold in itertools.product((20.0, 500.0, 14_000.0), (0.0, 2.0, 40.0), (30.0, 120.0)):
            d = per_request.day_of(w, day, planned, cold, hold)
            if d is not None:
                assert per_request.quick_floor(w, day, planned, hold) <= d.worker_hours * (1 + 1e-12)
