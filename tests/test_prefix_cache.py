"""Prefix caching: cached prompt tokens hold KV but are not prefilled, in the estimate and in the ranking."""

from __future__ import annotations

import dataclasses
import math

import pytest

from advisor import api
from advisor.errors import InputError
from advisor.physics.engines import engine_profile
from advisor.physics.layouts import make_layout
from advisor.physics.performance import _Model


def test_cached_tokens_are_not_prefilled_but_keep_their_kv():
    full = api.estimate("llama-3.3-70b", "h100-sxm", gpus=2, precision="fp8", input_tokens=60_000, output_tokens=800)
    hit = api.estimate("llama-3.3-70b", "h100-sxm", gpus=2, precision="fp8", input_tokens=60_000, output_tokens=800,
                       cached_input_tokens=48_000)
    assert hit.cached_input_tokens == 48_000 and full.cached_input_tokens == 0
    assert hit.kv_bytes_for_context == full.kv_bytes_for_context and hit.max_concurrency == full.max_concurrency
    assert hit.ttft_ms < full.ttft_ms / 3  # a fifth of the tokens, each attending over more context
    assert hit.output_tokens_per_s > full.output_tokens_per_s


def test_the_prefill_computes_only_the_new_tokens_attending_to_the_cached_ones():
    cat = api.catalog()
    m, g = cat.model("llama-3.1-8b"), cat.gpu("h100-sxm")
    lay = make_layout(m, g, 1, "tp")
    prof = engine_profile(cat, g, "trtllm")
    cold = _Model(m, g, "fp8", "fp8", prof, lay, 4000, 100)
    warm = _Model(m, g, "fp8", "fp8", prof, lay, 4000, 100, cached=3000)
    small = _Model(m, g, "fp8", "fp8", prof, lay, 1000, 100)
    assert warm.new == 1000 and cold.new == 4000
    # each new token attends to the 3,000 cached tokens and half of the 1,000 new ones: 3,500 of context
    assert warm.att_flops_pre == pytest.approx(_Model(m, g, "fp8", "fp8", prof, lay, 7000, 100).att_flops_pre)
    # so prefilling 1,000 new tokens after 3,000 cached costs more than a 1,000-token prompt, less than 4,000
    assert small.prefill_s(1) < warm.prefill_s(1) < cold.prefill_s(1)


def test_cached_tokens_must_leave_a_token_to_prefill():
    with pytest.raises(InputError, match="cached_input_tokens"):
        api.estimate("llama-3.1-8b", "h100-sxm", input_tokens=1000, output_tokens=10, cached_input_tokens=1000)


def test_the_ranking_prefills_only_the_uncached_share_and_says_so():
    w = api.workload(requests_per_day=20_000, input_tokens=30_000, output_tokens=500, ttft_ms=3000,
                     output_tokens_per_s_per_user=30, self_hosting="required", models=["llama-3.3-70b"],
                     gpu_types=["h100-sxm"], precisions=["fp8"])
    cached = api.recommend(dataclasses.replace(w, cached_input_fraction=0.8))
    plain = api.recommend(w)
    a, b = cached.candidates[0], plain.candidates[0]
    why = next(r for r in a.reasons if r.code == "prefix-cache")
    assert why.numbers["cached_input_tokens"] == 24_000 and "6,000" in why.message
    assert not any(r.code == "prefix-cache" for r in b.reasons)
    assert a.ttft_ms < b.ttft_ms and a.monthly_cost_usd <= b.monthly_cost_usd


def test_the_prefix_cache_reason_says_how_many_idle_prefixes_stay_resident():
    base = dict(requests_per_day=100_000, input_tokens=60_000, output_tokens=300, ttft_ms=3000, output_tokens_per_s_per_user=20,
                context_typical_tokens=60_300, context_max_tokens=65_536, self_hosting="required", models=["llama-3.3-70b"],
                precisions=["fp8"], cached_input_fraction=0.8)
    for gpus in (["h100-sxm"], ["b200"]):
        for c in api.recommend(api.workload(**base, gpu_types=gpus)).candidates[:5]:
            why = next(r for r in c.reasons if r.code == "prefix-cache")
            idle, flight = why.numbers["idle_prefixes_resident"], math.ceil(c.memory.concurrency)
            spare = c.memory.kv_capacity_bytes - c.memory.kv_cache_bytes
            assert idle == max(0, spare) // why.numbers["prefix_bytes"]
            assert (why.severity == "warning") == (idle < max(1, flight) or "miss_ttft_ms" in why.numbers)  # or a cache miss
            # would prefill past the TTFT target (trial 35)
            assert f"{idle:,} idle" in why.message
