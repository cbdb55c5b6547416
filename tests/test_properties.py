"""Properties that must hold for any valid workload (hypothesis)."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor import api
from advisor.domain.workload import from_mapping

MODELS = ["llama-3.1-8b", "llama-3.3-70b", "mixtral-8x7b", "qwen3-30b-a3b", "gpt-oss-120b", "deepseek-v3"]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def workloads(draw):
    inp = draw(st.integers(1, 20_000))
    out = draw(st.integers(1, 4_000))
    ctx_max = draw(st.sampled_from([8_192, 32_768, 131_072]))
    if inp + out > ctx_max:
        ctx_max = 131_072
        inp, out = min(inp, 100_000), min(out, 4_000)
    typical = draw(st.integers(min(inp + out, ctx_max), ctx_max))
    data = {
        "requests_per_day": draw(st.floats(1, 5e6)),
        "input_tokens": inp, "output_tokens": out,
        "traffic_shape": draw(st.sampled_from(["steady", "diurnal", "bursty"])),
        "latency": draw(st.sampled_from(["interactive", "batch"])),
        "output_tokens_per_s_per_user": draw(st.floats(1, 100)),
        "ttft_ms": draw(st.floats(200, 60_000)),
        "deadline_hours": draw(st.floats(1, 24)),
        "fine_tuning": draw(st.sampled_from(["none", "light", "heavy"])),
        "context_typical_tokens": typical, "context_max_tokens": ctx_max,
        "self_hosting": draw(st.sampled_from(["required", "allowed", "not-wanted"])),
        "precisions": draw(st.sampled_from([["bf16"], ["fp8"], ["bf16", "fp8"], ["fp8", "int4"]])),
        "models": draw(st.lists(st.sampled_from(MODELS), min_size=1, max_size=3, unique=True)),
        "max_gpus": draw(st.sampled_from([1, 2, 4, 8])),
        "cached_input_fraction": draw(st.floats(0, 1)),
    }
    return from_mapping(data)


def _finite_nonneg(value) -> bool:
    if value is None:
        return True
    if isinstance(value, Decimal):
        return value.is_finite() and value >= 0
    return math.isfinite(value) and value >= 0


@SETTINGS
@given(workloads())
def test_no_nan_negative_or_infinite_figure(w):
    rec = api.recommend(w)
    for c in rec.candidates:
        for name in ("monthly_cost_usd", "usd_per_mtok", "utilization", "hourly_usd", "output_tokens_per_s_per_replica",
                     "ttft_ms", "tpot_ms", "single_stream_usd_per_mtok", "break_even_tokens_per_day"):
            assert _finite_nonneg(getattr(c, name)), (name, c.label, getattr(c, name))
        if c.memory:
            m = c.memory
            for v in (m.capacity_bytes, m.weights_bytes, m.kv_cache_bytes, m.reserve_bytes, m.kv_capacity_bytes, m.concurrency):
                assert _finite_nonneg(v), c.label
        for p in c.utilization_table:
            assert _finite_nonneg(p.usd_per_mtok)
        assert c.reasons
    for r in rec.rejected:
        assert r.reasons and r.shortfall_bytes >= 0


@SETTINGS
@given(workloads(), st.floats(1.01, 50))
def test_more_traffic_never_lowers_the_cost_of_a_configuration(w, factor):
    import dataclasses

    rec = api.recommend(w)
    chosen = [c for c in rec.candidates if c.deployment == "self-hosted"][:5]
    if not chosen:
        return
    more = api.recommend(dataclasses.replace(w, requests_per_day=min(w.requests_per_day * factor, 1e9)))
    by_key = {(c.model, c.gpu, c.gpus, c.precision, c.provider): c for c in more.candidates}
    for c in chosen:
        again = by_key.get((c.model, c.gpu, c.gpus, c.precision, c.provider))
        if again is not None:
            assert again.monthly_cost_usd >= c.monthly_cost_usd
    best_before = min(c.monthly_cost_usd for c in rec.candidates if c.deployment == "self-hosted")
    after = [c.monthly_cost_usd for c in more.candidates if c.deployment == "self-hosted"]
    if after:
        assert min(after) >= best_before


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(m.id for m in api.models() if not m.api_only)), st.integers(0, 2_000_000), st.integers(0, 2_000_000),
       st.sampled_from(["bf16", "fp8"]))
def test_longer_context_never_lowers_memory(model, a, b, kv):
    lo, hi = sorted((a, b))
    s = api.size(model, "fp8", kv_precision=kv)
    assert s.kv_bytes(lo) <= s.kv_bytes(hi)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(MODELS), st.sampled_from(["h100-sxm", "h200", "mi300x", "l40s"]),
       st.integers(1_000, 65_536), st.integers(1_000, 65_536))
def test_longer_context_never_needs_fewer_gpus(model, gpu, a, b):
    from advisor.physics.sizing import fit

    cat = api.catalog()
    lo, hi = sorted((a, b))

    def min_gpus(ctx):
        for n in (1, 2, 4, 8, 16):
            if fit(cat.model(model), cat.gpu(gpu), n, "fp8", ctx, "fp8").fits:
                return n
        return 99

    assert min_gpus(lo) <= min_gpus(hi)
