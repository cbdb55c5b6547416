"""User trial 37 (a head of ML infrastructure sizing an agentic coding assistant: 48k-token prompts, 70% cached, p95 TTFT
3 s): launch files that would not serve the row they came from (a SkyPilot target that settles one replica short of a
TTFT-bound peak; an SGLang cap doubled or rounded down by the engine)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from advisor import api
from advisor.deploy.engines import sglang_argv, sglang_running_cap
from advisor.deploy.plan import plan_for
from advisor.deploy.skypilot import render
from advisor.domain.traffic import day_profile

AGENT = dict(requests_per_day=400_000, input_tokens=48_000, output_tokens=1200, traffic_shape="diurnal", cached_input_fraction=0.7,
             ttft_ms=3000, ttft_percentile=95, output_tokens_per_s_per_user=25, context_max_tokens=131_072,
             models=["qwen3-235b-a22b-instruct-2507"], self_hosting="required", min_replicas=2, gpu_types=["b200"],
             engines=["vllm"], precisions=["fp8"])


def _flag(text: str, flag: str) -> int:
    return int(re.search(rf"{flag} (\d+)", text).group(1))


@pytest.fixture(scope="module")
def ttft_bound():
    w = api.workload(**AGENT)
    rec = api.recommend(w)
    c = next(x for x in rec.candidates if x.scaling == "autoscale"
             and "the TTFT target, not the load, sets the replica count" in next(r.message for r in x.reasons if r.code == "headroom"))
    return rec.workload, c


def test_an_autoscaled_service_reaches_the_replicas_the_ttft_target_needs(ttft_bound):
    w, c = ttft_bound
    y = render(c, w, api.catalog(), "skypilot")["service.yaml"]
    target = float(re.search(r"target_qps_per_replica: ([\d.]+)", y).group(1))
    peak_rps = w.mean_requests_per_s * day_profile(w).peak_to_mean
    # SkyServe runs ceil(requests/s / target): at the peak the count the row costs, not one short of it
    assert -(-peak_rps // target) >= c.replicas_peak
    assert target == pytest.approx(peak_rps / c.replicas_peak, abs=1e-3)


def test_sglang_caps_each_copy_without_dp_attention_and_each_rank_with_it(ttft_bound):
    w, c = ttft_bound
    p = plan_for(c, w, api.catalog())
    two = dataclasses.replace(p, data_parallel=1, batch=21)
    text = " ".join(sglang_argv(two, engines=2))  # two copies behind one SGLang front end: --dp-size 2, no DP attention
    assert "--dp-size 2" in text and "--enable-dp-attention" not in text
    assert _flag(text, "--max-running-requests") == 21  # each copy takes the whole value as its own cap
    dep = dataclasses.replace(p, data_parallel=8, batch=62)
    text = " ".join(sglang_argv(dep))
    assert "--enable-dp-attention" in text and _flag(text, "--max-running-requests") == 64  # 64 // 8 = 8 a rank, as stated
    assert sglang_running_cap(dep) // 8 == dep.per_rank_batch == 8


def test_self_hosted_rows_behind_an_api_first_are_still_called_near_ties():
    w = api.workload(**{**AGENT, "models": ["qwen3-235b-a22b-instruct-2507", "llama-3.3-70b"], "min_quality": 68,
                        "self_hosting": "allowed", "gpu_types": [], "engines": [], "min_replicas": 1})
    rec = api.recommend(w)
    assert rec.candidates[0].deployment == "api"
    hosted = [c for c in rec.candidates if c.deployment == "self-hosted"]
    a, b = hosted[0], hosted[1]
    gap = abs(a.monthly_total_usd - b.monthly_total_usd) / max(a.monthly_total_usd, b.monthly_total_usd)
    for x, y in ((a, b), (b, a)):
        tie = next((r for r in x.reasons if r.code == "near-tie"), None)
        assert tie is not None and y.label in tie.message, x.label
        assert gap < tie.numbers["estimate_error"]  # closer than the estimate's p90 error


def test_a_model_too_short_for_the_context_says_which_max_context_admits_it():
    w = api.workload(**{**AGENT, "models": ["gpt-oss-120b"], "self_hosting": "allowed", "gpu_types": [], "engines": [],
                        "precisions": ["bf16", "fp8"]})
    rec = api.recommend(w)
    r = next(x.reasons[0] for x in rec.rejected if x.model == "gpt-oss-120b" and x.reasons[0].code == "context-too-long")
    thinking = int(re.search(r"with ([\d,]+) reasoning tokens", r.message).group(1).replace(",", ""))
    room = 131_072 - thinking
    assert f"a max context of {room:,} or less admits it" in r.message
    admitted = api.recommend(api.workload(**{**w.__dict__, "context_max_tokens": room}))
    assert any(c.model == "gpt-oss-120b" for c in admitted.candidates)
    assert not any(x.model == "gpt-oss-120b" and x.reasons[0].code == "context-too-long" for x in admitted.rejected)
    w2 = api.workload(**{**w.__dict__, "input_tokens": 128_000, "context_max_tokens": 131_072, "context_typical_tokens": 129_200})
    r2 = next(x.reasons[0] for x in api.recommend(w2).rejected if x.model == "gpt-oss-120b" and x.reasons[0].code == "context-too-long")
    assert "no max context admits it: one request with its reasoning is" in r2.message


def test_estimate_takes_the_cached_share_recommend_costs(capsys):
    import json

    from advisor.cli import main

    args = ["estimate", "llama-3.3-70b", "mi300x", "--gpus", "4", "--precision", "fp8", "--input-tokens", "48000",
            "--output-tokens", "1200", "--tpot-limit-ms", "40", "--format", "json"]
    assert main(args + ["--cached-input-fraction", "0.7"]) == 0
    cached = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    cold = json.loads(capsys.readouterr().out)
    e = api.estimate("llama-3.3-70b", "mi300x", gpus=4, precision="fp8", input_tokens=48_000, output_tokens=1200,
                     tpot_limit_ms=40, cached_input_tokens=33_600)
    assert cached["batch"] == e.batch and cached["ttft_ms"] == pytest.approx(e.ttft_ms)
    assert cached["ttft_ms"] < cold["ttft_ms"] / 2
    assert main(args + ["--cached-input-fraction", "1.5"]) == 2
    assert "--cached-input-fraction" in capsys.readouterr().err


def test_a_cached_share_over_several_replicas_asks_for_a_cache_aware_router():
    from advisor.deploy.skypilot import launch_warnings

    w = api.workload(**{**AGENT, "models": ["llama-3.3-70b"], "gpu_types": [], "engines": []})
    rec = api.recommend(w)
    c = next(x for x in rec.candidates if (x.replicas_peak or x.replicas) > 1)
    y = render(c, rec.workload, api.catalog(), "skypilot")["service.yaml"]
    assert "# WARNING: the bill prices 70% of each prompt as a prefix-cache hit" in y and "cache_aware" in y
    assert any("cache-aware router" in x for x in launch_warnings(c, rec.workload, api.catalog(), "vllm"))
    cold = api.recommend(api.workload(**{**w.__dict__, "cached_input_fraction": 0.0}))
    c0 = next(x for x in cold.candidates if (x.replicas_peak or x.replicas) > 1)
    assert "cache-aware" not in render(c0, cold.workload, api.catalog(), "skypilot")["service.yaml"]
