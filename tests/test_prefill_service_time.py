"""The prefill queue's service time is the prompt's prefill work, not the unloaded TTFT (which ends with a decode
step at the operating batch), and no plan puts an engine above ``max_utilization``, prefills included."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.cost import queueing
from test_phys10_queueing import _interactive


@pytest.mark.parametrize("tokens_per_s,ttft_ms,prefill_ms", [
    (2000.0, 900.0, 40.0),     # a big batch: the TTFT is mostly the running streams' decode step
    (50.0, 300.0, 280.0),      # decode-light: the prefills alone would fill the engine past the cap
    (400.0, 2000.0, 1500.0),   # a long prompt: the TTFT target binds
])
def test_an_engine_planned_at_the_most_it_may_carry_stays_within_the_cap_and_the_target(tokens_per_s, ttft_ms, prefill_ms):
    w = _interactive(ttft_ms=2500, output_tokens=400)
    planned = queueing.planned_output_rate(tokens_per_s, ttft_ms, w, prefill_ms)
    assert planned > 0
    # One engine carrying exactly the planned rate at the peak.
    h = queueing.at_peak(tokens_per_s, ttft_ms, 1, w, peak_to_mean=planned / w.output_tokens / w.mean_requests_per_s,
                         prefill=prefill_ms)
    assert h.busy_utilization <= w.max_utilization + 1e-9
    assert h.ttft_ms <= w.ttft_ms * (1 + 1e-9)


def test_the_prefill_share_counts_the_prefill_alone_and_decode_takes_the_rest():
    w = _interactive()
    rate = 10.0  # requests/s at the peak on one engine
    h = queueing.at_peak(5000.0, 50.0, 1, w, peak_to_mean=rate / w.mean_requests_per_s, prefill=27.0)
    u = rate * w.output_tokens / 5000.0
    assert h.prefill_utilization == pytest.approx(rate * 0.027)  # not rate x 0.050: the decode step is decode's
    assert h.decode_utilization == pytest.approx(u - rate * 0.027)
    assert h.ttft_ms == pytest.approx(50.0 + h.wait_ms)  # the TTFT a request sees still holds the step
    assert h.wait_ms == pytest.approx(queueing.prefill_wait_s(rate, 0.027) * 1000)


def test_prefill_ms_is_the_ttft_less_its_decode_step():
    class Step:
        total_s = 0.0232

    class E:
        ttft_ms, step = 50.3, Step()

    assert queueing.prefill_ms(E()) == pytest.approx(27.1)
    E.step = None
    assert queueing.prefill_ms(E()) == 50.3


def test_a_high_volume_chat_is_never_planned_above_its_load_cap():
    """The review's repro: 3M chats a day showed 'busy 95% (load planned at most 80%): prefill 95%, decode 0%' on an
    engine decoding 395 sequences."""
    w = api.workload(requests_per_day=3e6, input_tokens=1500, output_tokens=400, cached_input_fraction=0.3,
                     traffic_shape="diurnal", ttft_ms=1000, output_tokens_per_s_per_user=30, context_typical_tokens=4000,
                     context_max_tokens=32768, min_quality=75)
    seen = 0
    for c in api.recommend(w).candidates[:5]:
        for r in c.reasons:
            if r.code == "headroom":
                n = r.numbers
                assert n["busy_utilization"] <= n["max_utilization"] + 1e-9, r.message
                seen += 1
    assert seen
