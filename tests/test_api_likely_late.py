"""An API reasoning row whose provider's speed is not measured, whose thinking fits under the TTFT target only near the
fastest speed any provider of the model is measured at, likely answers late and ranks with the late rows (trial 36:
gpt-oss-120b via deepinfra needing 473 tokens/s, 90% of the fastest measured, ranked #1 under a 1.5 s target)."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.ranking.api_wait import UNMEASURED_SPEED_SHARE
from advisor.ranking.modes import answers_late


def _workload(ttft_ms: float):
    return api.workload(requests_per_day=300_000, input_tokens=1500, output_tokens=250, ttft_ms=ttft_ms, ttft_percentile=95,
                        traffic_shape="diurnal", min_quality=78, self_hosting="not-wanted")


def _row(rec, provider="deepinfra", model="gpt-oss-120b"):
    return next(c for c in rec.candidates if c.model == model and c.provider == provider and c.mode == "reasoning")


def _reason(c, code):
    return next((r for r in c.reasons if r.code == code), None)


@pytest.fixture(scope="module")
def tight():
    w = _workload(1500)
    return w, api.recommend(w)


def test_a_row_needing_most_of_the_fastest_measured_speed_likely_answers_late(tight):
    w, rec = tight
    c = _row(rec)
    late = _reason(c, "reasoning-latency")
    assert late is not None and late.numbers.get("likely") and _reason(c, "reasoning-wait") is None
    fastest = _reason(_row(rec, "fireworks"), "api-latency").numbers["output_tokens_per_s"]  # the measured one: 525
    thinking = round(late.numbers["needed_tokens_per_s"] * w.ttft_ms / 1000)
    assert late.numbers["needed_tokens_per_s"] / fastest > UNMEASURED_SPEED_SHARE
    assert late.numbers["assumed_output_tokens_per_s"] == pytest.approx(fastest * UNMEASURED_SPEED_SHARE)
    assert late.numbers["visible_wait_ms"] == pytest.approx(thinking * 1000 / (fastest * UNMEASURED_SPEED_SHARE), rel=1e-3)
    assert "likely starts after the 1,500 ms" in late.message and "deepinfra's own speed is not measured" in late.message


def test_it_ranks_after_every_row_that_meets_the_target(tight):
    w, rec = tight
    i = rec.candidates.index(_row(rec))
    assert answers_late(rec.candidates[i], w)
    assert all(answers_late(x, w) for x in rec.candidates[i:])
    assert not answers_late(rec.candidates[0], w)


def test_a_looser_target_leaves_the_wait_unknown_not_late():
    rec = api.recommend(_workload(4000))  # 710 tokens at half of 525 tokens/s: 2.7 s, inside 4 s
    c = _row(rec)
    assert _reason(c, "reasoning-latency") is None and _reason(c, "reasoning-wait") is not None
