"""A request waits for one of the engine's batch slots before its prefill (user trial 21: 12 slots held 32 s each at
80% load were sized as if a slot were always free, a mean TTFT of 1,367 ms claimed where Erlang C gives ~6 s)."""

from __future__ import annotations

import heapq
import math
import random

import pytest

from advisor import api
from advisor.cost import queueing
from test_headroom import _check_headroom, _erlang_c_wait
from test_phys10_queueing import _interactive


def _simulated_mmc_wait(rate: float, c: int, hold: float, n: int = 200_000, seed: int = 11) -> float:
    """Mean wait for a free server: Poisson arrivals, ``c`` servers, exponential holding times, first come first served."""
    rng = random.Random(seed)
    free = [0.0] * c  # when each server is next free
    t = total = 0.0
    for _ in range(n):
        t += rng.expovariate(rate)
        start = max(t, heapq.heappop(free))
        total += start - t
        heapq.heappush(free, start + rng.expovariate(1 / hold))
    return total / n


@pytest.mark.parametrize("rate,c,hold", [(0.3, 12, 32.0), (0.02, 1, 25.0), (1.0, 20, 17.0), (0.05, 4, 30.0)])
def test_the_wait_for_a_slot_is_erlang_c(rate, c, hold):
    p, mean = queueing.slot_wait_s(rate, c, hold)
    assert mean == pytest.approx(_erlang_c_wait(rate, c, hold), rel=1e-9)
    assert mean == pytest.approx(_simulated_mmc_wait(rate, c, hold), rel=0.08)
    if c == 1:  # M/M/1: P(wait) = rho, W = rho / (mu - lambda)
        rho = rate * hold
        assert p == pytest.approx(rho) and mean == pytest.approx(rho / (1 / hold - rate))


def test_slots_that_cannot_carry_the_rate_wait_forever_and_plenty_never_wait():
    assert queueing.slot_wait_s(1.0, 10, 10.0) == (1.0, math.inf)
    assert queueing.slot_wait_s(1.0, 5000, 10.0) == (0.0, 0.0)
    assert queueing.slot_wait_s(0.0, 12, 10.0) == (0.0, 0.0)


def test_an_engine_of_few_slots_is_planned_below_its_load_cap_to_keep_the_mean_ttft():
    w = _interactive(ttft_ms=3000, output_tokens=800, input_tokens=32_000, context_typical_tokens=33_000,
                     context_max_tokens=65_536)
    tokens_per_s, ttft_ms, prefill_ms, hold = 400.0, 1100.0, 900.0, 32.0
    free = queueing.planned_output_rate(tokens_per_s, ttft_ms, w, prefill_ms)
    few = queueing.planned_output_rate(tokens_per_s, ttft_ms, w, prefill_ms, slots=12, hold=hold)
    many = queueing.planned_output_rate(tokens_per_s, ttft_ms, w, prefill_ms, slots=4000, hold=hold)
    assert few < free == many
    # At the rate planned, the mean TTFT (both waits counted) is the target, to the bisection's precision.
    lam = few / w.output_tokens
    mean = ttft_ms / 1000 + queueing.prefill_wait_s(lam, prefill_ms / 1000) + queueing.slot_wait_s(lam, 12, hold)[1]
    assert mean == pytest.approx(w.ttft_ms / 1000, rel=1e-6)
    h = queueing.at_peak(tokens_per_s, ttft_ms, 1, w, peak_to_mean=lam / w.mean_requests_per_s, prefill=prefill_ms,
                         slots=12, hold=hold)
    assert h.ttft_ms == pytest.approx(w.ttft_ms, rel=1e-6) and h.slot_wait_ms > 0 and h.bound == "ttft"
    assert h.ttft_p95_ms > h.ttft_ms


def test_the_trials_long_prompt_fleet_counts_the_slot_wait_in_its_ttft():
    w = api.workload(requests_per_day=3e6, input_tokens=32_000, output_tokens=800, ttft_ms=3000, output_tokens_per_s_per_user=25,
                     traffic_shape="steady", self_hosting="required", models=["deepseek-v3"], gpu_types=["b200"],
                     context_typical_tokens=32_800, context_max_tokens=65_536)
    rec = api.recommend(w)
    c = rec.candidates[0]
    [h] = [r for r in c.reasons if r.code == "headroom"]
    assert h.numbers["slot_wait_ms"] > 100 and h.numbers["batch_slots"] == c.batch
    assert "batch slots" in h.message and h.numbers["ttft_at_peak_ms"] <= w.ttft_ms
    assert _check_headroom(rec, w) == sum(x.deployment == "self-hosted" for x in rec.candidates)
