"""An API whose time to first token nobody measured is not taken on trust under a tight TTFT target: the first
choice says so and names the best option whose TTFT is known (computed for self-hosting, measured for an API)."""

from __future__ import annotations

from advisor import api
from advisor.ranking.api_wait import TIGHT_TTFT_MS, latency_verified

VOICE = {"requests_per_day": 200_000, "input_tokens": 1500, "output_tokens": 120, "peak_to_mean": 2.5,
         "output_tokens_per_s_per_user": 40, "min_quality": 65, "context_max_tokens": 16_384}


def _rank_reason(c):
    return next(r for r in c.reasons if r.code == "rank")


def test_an_unmeasured_api_first_choice_points_to_the_first_known_ttft():
    rec = api.recommend(api.workload(ttft_ms=300, **VOICE))
    top = rec.candidates[0]
    assert top.deployment == "api" and not latency_verified(top)
    msg = _rank_reason(top).message
    known = next(c for c in rec.candidates if latency_verified(c))
    assert f"TTFT is #{known.rank}, {known.label}" in msg
    assert known.ttft_ms is not None and known.ttft_ms <= 300  # a computed TTFT inside the target
    assert all(not latency_verified(c) for c in rec.candidates[: known.rank - 1])


def test_no_note_when_the_target_is_loose_or_the_latency_known():
    loose = api.recommend(api.workload(ttft_ms=TIGHT_TTFT_MS * 1.5, **VOICE))  # 1,500-token prompts: a 1.5 s threshold
    assert "TTFT is not measured" not in _rank_reason(loose.candidates[0]).message
    hosted = api.recommend(api.workload(ttft_ms=300, self_hosting="required", **VOICE))
    assert "TTFT is not measured" not in _rank_reason(hosted.candidates[0]).message


def test_the_threshold_grows_with_the_uncached_prompt():
    """A 24k-token prompt under a 3 s target: an unmeasured shared API is not taken on trust either."""
    long = dict(VOICE, input_tokens=24_000, context_max_tokens=65_536)
    rec = api.recommend(api.workload(ttft_ms=3000, **long))
    top = rec.candidates[0]
    assert top.deployment == "api" and not latency_verified(top)
    assert "TTFT is not measured" in _rank_reason(top).message
    cached = api.recommend(api.workload(ttft_ms=3000, cached_input_fraction=0.95, **long))  # 1,200 new tokens
    assert "TTFT is not measured" not in _rank_reason(cached.candidates[0]).message
