"""A long prompt's chunked prefill stalls the running streams for a chunk's time: the mean TPOT hides it, so a
candidate says so with the numbers, and only when the stall is large against the TPOT target."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from advisor import api
from advisor.cost import stall


def _estimate(prefill_ms: float, step_ms: float, input_tokens: int, tpot_ms: float = 33.0):
    return SimpleNamespace(ttft_ms=prefill_ms + step_ms, step=SimpleNamespace(total_s=step_ms / 1000), input_tokens=input_tokens,
                           cached_input_tokens=0, tpot_ms=tpot_ms)


def _rag(**kw):
    base = {"requests_per_day": 20_000, "input_tokens": 100_000, "output_tokens": 600, "traffic_shape": "diurnal",
            "ttft_ms": 8000, "output_tokens_per_s_per_user": 25, "context_typical_tokens": 100_600,
            "context_max_tokens": 131_072, "models": ["llama-4-scout", "llama-3.3-70b"], "precisions": ["bf16", "fp8"]}
    return api.workload(**{**base, **kw})


def test_a_chunk_step_is_its_share_of_the_prefill_plus_the_decode_step():
    w = _rag()
    e = _estimate(prefill_ms=4200.0, step_ms=20.0, input_tokens=100_000)
    s = stall.decode_stall(e, w, 8192, engines=2, peak_to_mean=2.0)
    assert s.chunks == 13  # ceil(100,000 / 8,192)
    assert s.stall_ms == pytest.approx(4200.0 * 8192 / 100_000 + 20.0)
    assert s.stalled_ms == pytest.approx(4200.0 + 13 * 20.0)
    stream_s = (4220.0 + 600 * 33.0) / 1000
    assert s.prefills_per_stream == pytest.approx(w.mean_requests_per_s * 2.0 / 2 * stream_s)
    # The suggestion: the largest power-of-two chunk whose step is within 2 TPOT targets (80 ms), at least 2,048.
    assert s.suggested_chunk_tokens == 2048 and s.suggested_stall_ms == pytest.approx(4200.0 * 2048 / 100_000 + 20.0)


def test_short_prompts_or_small_stalls_say_nothing():
    w = _rag(input_tokens=1500, context_typical_tokens=2000, context_max_tokens=8192)
    assert stall.decode_stall(_estimate(55.0, 20.0, 1500), w, 8192, 1, 2.0) is None  # one 75 ms step: under 2x the 40 ms target
    # 170 ms: over 2x the target but not a pause a reader notices (NOTICEABLE_PAUSE_MS)
    assert stall.decode_stall(_estimate(150.0, 20.0, 1500), w, 8192, 1, 2.0) is None
    s = stall.decode_stall(_estimate(300.0, 20.0, 1500), w, 8192, 1, 2.0)  # 320 ms: said, but no smaller chunk helps
    assert s.chunks == 1 and s.suggested_chunk_tokens == 8192 and s.suggested_stall_ms == s.stall_ms
    assert stall.decode_stall(_estimate(4200.0, 20.0, 100_000), _rag(latency="batch", deadline_hours=24), 8192, 1, 2.0) is None


def test_the_long_rag_workload_names_the_stall_its_frequency_and_the_chunk_flag():
    """The review's repro: #1 said 'TTFT 4,246 ms, TPOT 33.4 ms' at batch 3 and nothing about the ~340 ms chunks."""
    w = _rag()
    rec = api.recommend(w)
    top = next(c for c in rec.candidates if c.deployment == "self-hosted")
    [r] = [r for r in top.reasons if r.code == "inter-token-stall"]
    n = r.numbers
    assert n["stall_ms"] >= stall.STALL_FACTOR * w.tpot_limit_ms
    assert n["chunk_tokens"] == 8192 and n["chunks_per_prompt"] == math.ceil(100_000 / 8192)
    assert 0 < n["prefills_per_stream"]
    assert f"{n['stall_ms']:,.0f} ms" in r.message
    assert any(f"{flag} {n['suggested_chunk_tokens']}" in r.message for flag in stall.CHUNK_FLAGS.values())
    assert n["suggested_chunk_tokens"] < 8192 and n["suggested_stall_ms"] < n["stall_ms"]
