"""A TTFT target at a percentile (``Workload.ttft_percentile``): the waits' quantile bound, its inverse, the sizing
that meets it, and the workload, CLI and TUI that carry it."""

from __future__ import annotations

import dataclasses
import heapq
import json
import math
import random

import pytest

from advisor import api
from advisor.cli import main
from advisor.cost import queueing
from advisor.domain.workload import Workload, from_mapping
from advisor.errors import InputError


def _simulated_waits(rate: float, service: float, slots: int, hold: float, n: int, seed: int) -> list[float]:
    """Each request's wait for one of ``slots`` slots (held an exponential time of mean ``hold``: M/M/c) plus its wait
    in a single prefill queue of fixed service ``service`` (M/D/1), both driven by one Poisson stream."""
    rng = random.Random(seed)
    t, free_at, prefill_free, out = 0.0, [0.0] * slots, 0.0, []
    for _ in range(n):
        t += rng.expovariate(rate)
        start = max(t, free_at[0])  # the earliest slot to free up (first come, first served)
        heapq.heapreplace(free_at, start + rng.expovariate(1.0 / hold))
        x = start - t
        y = max(0.0, prefill_free - t)  # its prompt queues for the prefill on arrival, as the model's Y
        prefill_free = t + y + service
        out.append(x + y)
    return out


def _quantile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


@pytest.mark.parametrize("rate,service,slots,hold", [(0.8, 0.5, 6, 6.0), (1.5, 0.3, 12, 6.0), (0.5, 1.2, 40, 10.0),
                                                    (2.0, 0.35, 30, 10.0), (0.579, 0.4027, 14, 15.1), (3.0, 0.2, 40, 12.0)])
def test_wait_quantile_matches_a_simulated_tandem(rate, service, slots, hold):
    """Both waits' p95 within 8% of a simulated queue (4% seen), where adding the two p95s was off -6%..+23% (the 0.579
    case, a 4x RTX 4090 row of a heavy fine-tuning test: the sum said 1.47 s, the queue 1.19 s)."""
    q = 0.95
    got = queueing.wait_quantile_s(rate, service, q, 1, slots, hold)
    sim = _quantile(_simulated_waits(rate, service, slots, hold, 200_000, 11)[5_000:], q)
    assert got == pytest.approx(sim, rel=0.08)
    assert got >= max(queueing.prefill_wait_quantile_s(rate, service, q), queueing.slot_wait_quantile_s(rate, slots, hold, q)) * 0.98


def test_wait_quantile_is_the_prefill_quantile_without_slots():
    for rho in (0.03, 0.2, 0.6, 0.9):
        assert queueing.wait_quantile_s(rho / 0.4, 0.4, 0.95) == queueing.prefill_wait_quantile_s(rho / 0.4, 0.4, 0.95)
    assert queueing.wait_quantile_s(0.04, 1.0, 0.95) == 0.0  # 4% of requests wait at all: the p95 wait is 0
    assert queueing.wait_quantile_s(1.0, 1.0, 0.95) == math.inf  # the prefill queue grows without bound
    assert queueing.wait_quantile_s(5.0, 0.1, 0.95, 1, 8, 2.0) == math.inf  # 10 slots' worth of load on 8


@pytest.mark.parametrize("q", [0.5, 0.9, 0.95, 0.99, 0.999])
@pytest.mark.parametrize("ratio", [0.003, 0.2, 1.0, 3.5, 40.0])
def test_max_prefill_load_at_inverts_the_quantile(q, ratio):
    service = 0.25
    rho = queueing.max_prefill_load_at(service, ratio * service, q)
    wait = queueing.prefill_wait_quantile_s(rho / service, service, q)
    assert wait <= ratio * service * (1 + 1e-6) + 2.0 ** -22 * service
    more = min(rho * (1 + 1e-4), (1 + rho) / 2)  # a load a hair higher misses
    assert queueing.prefill_wait_quantile_s(more / service, service, q) > ratio * service
    assert queueing.max_prefill_load_at(service, ratio * service, q, cap=rho / 2) == rho / 2
    assert queueing.max_prefill_load_at(service, 0.0, q) == 0.0


def _interactive(**kw) -> Workload:
    base = dict(requests_per_day=2_000_000, input_tokens=2000, output_tokens=400, traffic_shape="bursty", peak_to_mean=4.0,
                ttft_ms=1500, output_tokens_per_s_per_user=20, models=("llama-3.3-70b", "qwen3-30b-a3b"), self_hosting="required",
                gpu_types=("h100-sxm",))
    base.update(kw)
    return Workload(**base)


@pytest.mark.parametrize("pct", [0.0, 90.0, 95.0, 99.0])
def test_planned_rate_meets_the_statistic_at_its_bound(pct):
    """At the planned rate the TTFT statistic is on target; 0.5% more traffic misses it where the TTFT sets the rate."""
    w = _interactive(ttft_percentile=pct, ttft_ms=700)
    for slots, hold in ((0.0, 0.0), (16, 9.0), (64, 9.0)):
        tokens_per_s, ttft, prefill = 3000.0, 300.0, 250.0
        rate = queueing.planned_output_rate(tokens_per_s, ttft, w, prefill, 1, slots, hold)
        assert 0 < rate <= tokens_per_s * w.max_utilization
        engines_at = w.mean_requests_per_s * w.peak_to_mean * w.output_tokens / rate  # engines that carry the peak at it
        h = queueing.at_peak(tokens_per_s, ttft, 1, dataclasses.replace(w, requests_per_day=w.requests_per_day / engines_at),
                             w.peak_to_mean, prefill, 1, slots, hold)
        assert h.ttft_checked_ms <= w.ttft_ms * (1 + 1e-6)
        if h.bound == "ttft":
            busier = dataclasses.replace(w, requests_per_day=w.requests_per_day / engines_at * 1.005)
            assert queueing.at_peak(tokens_per_s, ttft, 1, busier, w.peak_to_mean, prefill, 1, slots, hold).ttft_checked_ms > w.ttft_ms


def test_higher_percentiles_need_more_replicas_and_every_row_meets_its_own():
    got = {}
    for pct in (50.0, 95.0, 99.0):
        rec = api.recommend(_interactive(ttft_percentile=pct))
        rows = {(c.model, c.gpu, c.gpus, c.precision, c.engine, c.layout): c for c in rec.candidates}
        assert rows
        for c in rec.candidates:
            head = next(r for r in c.reasons if r.code == "headroom")
            assert head.numbers["ttft_percentile"] == pct
            assert head.numbers["ttft_at_percentile_ms"] <= 1500 * (1 + 1e-6)
            assert f"p{pct:g} TTFT" in head.message and "ttft-tail" not in {r.code for r in c.reasons}
        got[pct] = rows
    for key in got[99.0].keys() & got[95.0].keys() & got[50.0].keys():
        assert got[50.0][key].replicas <= got[95.0][key].replicas <= got[99.0][key].replicas
    assert any(got[99.0][k].replicas > got[50.0][k].replicas for k in got[99.0].keys() & got[50.0].keys())


def test_a_mean_target_says_how_to_ask_for_a_percentile():
    w = _interactive(ttft_ms=400, requests_per_day=300_000)
    tails = [r for c in api.recommend(w).candidates for r in c.reasons if r.code == "ttft-tail"]
    assert tails and all("--ttft-percentile 95" in r.message for r in tails)


def test_the_field_reads_as_slos_are_written_and_refuses_the_rest():
    assert from_mapping({"ttft_percentile": "p95"}).ttft_percentile == 95.0
    assert from_mapping({"ttft_percentile": "mean"}).ttft_percentile == 0.0
    assert from_mapping({"ttft_percentile": 99.9}).ttft_percentile == 99.9
    for bad in (100, 30, -1, "p100", math.nan):
        with pytest.raises(InputError, match="ttft_percentile"):
            from_mapping({"ttft_percentile": bad})
    with pytest.raises(InputError, match="ttft_percentile"):  # the old hint names the new field
        from_mapping({"ttft_p95_ms": 2000})


def test_cli_flag_and_batch_warning(capsys, tmp_path):
    args = ["recommend", "--requests-per-day", "500000", "--models", "qwen3-30b-a3b", "--gpu-types", "h100-sxm",
            "--self-hosting", "required", "--ttft-ms", "1200", "--format", "json"]
    assert main(args + ["--ttft-percentile", "p99"]) in (0, None)
    data = json.loads(capsys.readouterr().out)
    assert data["workload"]["ttft_percentile"] == 99.0
    assert main(args[:-2] + ["--ttft-percentile", "99"]) in (0, None)
    assert "p99 TTFT 1,200 ms" in capsys.readouterr().out
    f = tmp_path / "batch.toml"
    f.write_text('latency = "batch"\nrequests_per_day = 1000\nttft_percentile = 95\n')
    assert main(["recommend", str(f), "--top", "1", "--details", "0"]) in (0, None)
    assert "ttft_percentile" in capsys.readouterr().err


def test_the_targets_table_checks_the_percentile():
    from advisor.tui.services import target_checks, workload_summary

    rec = api.recommend(_interactive(ttft_percentile=95.0))
    c = next(c for c in rec.candidates if c.deployment == "self-hosted")
    checks = {t.metric: t for t in target_checks(c, rec.workload)}
    head = next(r for r in c.reasons if r.code == "headroom")
    assert checks["TTFT p95"].ok is True and f"{head.numbers['ttft_at_percentile_ms']:,.0f} ms" in checks["TTFT p95"].estimate
    assert "p95 TTFT ≤ 1,500 ms" in workload_summary(rec.workload)


async def test_the_form_asks_for_the_percentile():
    pytest.importorskip("textual")
    from advisor.tui.app import AdvisorApp
    from advisor.tui.widgets.choice import Choice
    from test_tui import settle

    app = AdvisorApp(cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        choice = app.screen.query_one("#ttft_percentile", Choice)
        assert choice.value == "mean"
        choice.focus()
        await pilot.press("right", "right")  # mean -> p90 -> p95
        await settle(pilot)
        assert app.recommendation.workload.ttft_percentile == 95.0
        assert "p95 TTFT" in str(app.screen.query_one("#workload-line").render())


def test_adding_a_wait_never_shortens_the_quantile():
    """Review 22: at a light prefill load and a p99.9, a rare slot wait gave 8.27 ms where the prefill wait alone is
    9.47 ms (the sum was built on the prefill's exponential tail, which runs low there)."""
    for rate, service, slots, hold, q in [(0.5059, 0.01142, 16, 9.774, 0.999), (3.55, 0.0105, 256, 52.0, 0.999),
                                          (3.72, 0.0105, 256, 52.0, 0.999), (0.8, 0.5, 6, 6.0, 0.95)]:
        got = queueing.wait_quantile_s(rate, service, q, 1, slots, hold)
        assert got >= queueing.prefill_wait_quantile_s(rate, service, q)
        assert got >= queueing.slot_wait_quantile_s(rate, slots, hold, q)
    # and it does not fall as the rate rises (it dropped 4.6% between these two)
    waits = [queueing.wait_quantile_s(r, 0.0105, 0.999, 8, 256, 52.0) for r in (3.3, 3.55, 3.72, 3.9)]
    assert waits == sorted(waits)


def test_the_slots_rate_is_found_far_below_the_rate_asked():
    """Review 22: a root under 1e-7 of the rate asked came back as 0 (an absolute tolerance)."""
    w = Workload(ttft_ms=20.001)
    rate = queueing._within_slots(30_000.0, 0.02, 0.01, w, 1, 100.0)
    assert rate > 0
