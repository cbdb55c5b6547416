"""Issue 10 queueing: the decode and prefill shares of an engine's time add up; the p95 TTFT at the peak."""

from __future__ import annotations

import math
import random
import re

import pytest

from advisor import api
from advisor.cost import queueing
from advisor.domain.workload import Workload


def _simulated_wait_quantile(rate: float, service: float, q: float, n: int = 200_000, seed: int = 11) -> float:
    """The q-quantile of the wait in a FIFO queue with Poisson arrivals and a fixed service time (Lindley)."""
    rng = random.Random(seed)
    wait, waits = 0.0, []
    for _ in range(n):
        waits.append(wait)
        wait = max(0.0, wait + service - rng.expovariate(rate))
    waits.sort()
    return waits[int(q * n)]


def _interactive(**kw) -> Workload:
    base = {"requests_per_day": 20_000, "input_tokens": 30_000, "output_tokens": 1000, "traffic_shape": "steady",
            "ttft_ms": 20_000, "context_typical_tokens": 31_000, "context_max_tokens": 32_768}
    return api.workload(**{**base, **kw})


def test_decode_and_prefill_shares_add_up_to_the_busy_share():
    w = _interactive()
    # 100 output tokens/s of capacity, a 2 s prefill; the peak sends 0.02 requests/s to one engine.
    h = queueing.at_peak(100.0, 2000.0, 1, w, peak_to_mean=0.02 / w.mean_requests_per_s)
    u, rho = 0.02 * 1000 / 100.0, 0.02 * 2.0  # 20% of the capacity, 4% of the time prefilling
    assert h.planned_utilization == pytest.approx(u) and h.prefill_utilization == pytest.approx(rho)
    assert h.decode_utilization == pytest.approx(u - rho)
    assert h.busy_utilization == pytest.approx(u) and h.busy_utilization <= 1
    # Before, the line put "decode 20%" beside "prefill 4%" though the 20% already holds the prefills.


def test_a_prefill_alone_slower_than_its_share_of_the_cycle_leaves_decode_at_zero_not_negative():
    w = _interactive()
    h = queueing.at_peak(1000.0, 2000.0, 1, w, peak_to_mean=0.1 / w.mean_requests_per_s)
    assert h.planned_utilization == pytest.approx(0.1) and h.prefill_utilization == pytest.approx(0.2)
    assert h.decode_utilization == 0.0 and h.busy_utilization == pytest.approx(0.2)


def test_every_long_context_headroom_line_adds_up():
    """The preset that showed decode% + prefill% above 100%: each headroom line's shares now add to its busy share."""
    rec = api.recommend(api.preset("long-context"))
    checked = 0
    for c in rec.candidates:
        for r in c.reasons:
            if r.code != "headroom":
                continue
            n = r.numbers
            assert n["decode_utilization"] + n["prefill_utilization"] == pytest.approx(n["busy_utilization"])
            assert n["busy_utilization"] <= max(n["max_utilization"], n["max_prefill_utilization"]) + 1e-9
            busy, prefill, decode = (int(x) for x in re.search(
                r"busy (\d+)% of the time .*prefill (\d+)% .*decode (\d+)%", r.message).groups())
            assert busy <= 100 and abs(prefill + decode - busy) <= 1, r.message
            checked += 1
    assert checked >= 20


# --------------------------------------------------------------------------- the p95 TTFT

def test_the_wait_quantile_is_exact_for_exponential_prefills():
    # M/M/1: P(Wq > t) = ρ e^(−(μ − λ) t), so the p95 wait is ln(ρ / 0.05) / (μ − λ).
    rate, service = 0.3, 2.0
    rho, mu = rate * service, 1 / service
    assert queueing.prefill_wait_quantile_s(rate, service, 0.95, scv=1.0) == pytest.approx(
        math.log(rho / 0.05) / (mu - rate), rel=1e-6)


@pytest.mark.parametrize("rho", [0.1, 0.2, 0.25])
def test_a_light_fixed_prefill_queue_has_the_closed_form_p95(rho):
    # Within one prefill time Erlang's M/D/1 distribution is P(Wq <= t) = (1 - rho) e^(lambda t): while
    # (1 - rho) e^rho >= 0.95 the p95 wait is ln(0.95 / (1 - rho)) / lambda. (The exponential tail alone is off
    # there: 0.52 S against 0.54 S at rho 0.1, 0.81 against 0.86 at 0.2.)
    service = 2.0
    rate = rho / service
    assert (1 - rho) * math.exp(rho) >= 0.95
    assert queueing.prefill_wait_quantile_s(rate, service) == pytest.approx(math.log(0.95 / (1 - rho)) / rate, rel=1e-6)


@pytest.mark.parametrize("rho", [0.06, 0.3, 0.5, 0.8])
def test_the_fixed_prefill_p95_wait_matches_a_simulated_queue(rho):
    service = 1.5
    simulated = _simulated_wait_quantile(rho / service, service, 0.95)
    assert queueing.prefill_wait_quantile_s(rho / service, service) == pytest.approx(simulated, rel=0.04)


def test_the_wait_quantile_edges():
    assert queueing.prefill_wait_quantile_s(0.04, 1.0) == 0.0  # waits at all with probability ρ = 4% < 5%
    assert queueing.prefill_wait_quantile_s(1.0, 1.0) == math.inf
    assert queueing.prefill_wait_quantile_s(0.0, 1.0) == 0.0
    # more load, longer tail; the p95 is above the mean once a request waits more often than not
    waits = [queueing.prefill_wait_quantile_s(r, 1.0) for r in (0.2, 0.5, 0.8, 0.95)]
    assert waits == sorted(waits) and waits[0] > 0
    assert waits[2] > queueing.prefill_wait_s(0.8, 1.0)


def test_the_headroom_reports_the_p95_ttft_beside_the_mean():
    w = _interactive()
    h = queueing.at_peak(100.0, 2000.0, 1, w, peak_to_mean=0.3 / w.mean_requests_per_s)
    assert h.ttft_p95_ms == pytest.approx(2000.0 + 1000 * queueing.prefill_wait_quantile_s(0.3, 2.0))
    assert h.ttft_p95_ms > h.ttft_ms > h.unloaded_ttft_ms
    rec = api.recommend(api.preset("long-context"))
    c = next(c for c in rec.candidates if c.deployment == "self-hosted")
    [r] = [r for r in c.reasons if r.code == "headroom"]
    assert r.numbers["ttft_p95_at_peak_ms"] >= r.numbers["ttft_at_peak_ms"]
    assert f"p95 TTFT {r.numbers['ttft_p95_at_peak_ms']:,.0f} ms" in r.message
    assert f"mean TTFT {r.numbers['ttft_at_peak_ms']:,.0f} ms" in r.message
