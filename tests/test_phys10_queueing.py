"""Issue 10 queueing: the decode and prefill shares of an engine's time add up."""

from __future__ import annotations

import re

import pytest

from advisor import api
from advisor.cost import queueing
from advisor.domain.workload import Workload


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
