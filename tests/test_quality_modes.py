"""Reasoning modes (rows per mode, reasoning tokens costed) and quantization quality (measured deltas, native
precisions, the unmeasured 4-bit rule)."""

from __future__ import annotations

import dataclasses
import math
from decimal import Decimal

import pytest

from advisor.catalog.load import load_catalog
from advisor.catalog.quality import build_mode, build_quantization
from advisor.domain.recommendation import Candidate, Rejection
from advisor.domain.workload import Workload, preset
from advisor.errors import CatalogError
from advisor.ranking import modes
from advisor.ranking.rank import recommend_with


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(user=tmp_path_factory.mktemp("empty"))


def test_modes_and_quantization_load_with_sources(catalog):
    assert not [p for p in catalog.problems if "quality" in p.file or "quantization" in p.file]
    assert set(catalog.quality_modes["qwen3-235b-a22b"]) == {"reasoning", "non-reasoning"}
    for by_mode in catalog.quality_modes.values():
        for m in by_mode.values():
            assert m.source.startswith("https://")
            if m.mode == "reasoning" and m.output_multiplier is not None:
                assert m.output_multiplier > 1 and m.multiplier_source.startswith("https://")
    assert catalog.quantization and all(q.source.startswith("https://") and q.as_of for q in catalog.quantization)


def test_catalog_rejects_bad_entries():
    with pytest.raises(CatalogError, match="multiplier is 1"):
        build_mode("m", "non-reasoning", {"benchmark": "MMLU-Pro", "score": 70, "source": "https://x", "as_of": "2025-01-01",
                                          "output_multiplier": 3.0}, "t")
    with pytest.raises(CatalogError, match="needs its source"):
        build_mode("m", "reasoning", {"benchmark": "MMLU-Pro", "score": 70, "source": "https://x", "as_of": "2025-01-01",
                                      "output_multiplier": 3.0}, "t")
    with pytest.raises(CatalogError, match="baseline_score and quantized_score"):
        build_quantization("q", {"checkpoint": "c", "precision": "int4", "architecture": "moe", "benchmark": "MMLU",
                                 "source": "https://x", "as_of": "2025-01-01"}, "t")


def test_scaled_workload_multiplies_visible_output_and_context(catalog):
    w = preset("steady-latency")
    mq = catalog.quality_modes["deepseek-r1"]["reasoning"]
    s = modes.scaled_workload(w, mq)
    assert s.output_tokens == math.ceil(w.output_tokens * mq.output_multiplier)
    extra = s.output_tokens - w.output_tokens
    assert s.context_max_tokens == w.context_max_tokens + extra and s.input_tokens == w.input_tokens
    assert modes.scaled_workload(w, catalog.quality_modes["qwen3-235b-a22b"]["non-reasoning"]) is w


def _api_workload(**kw) -> Workload:
    base = dict(models=("qwen3-235b-a22b",), self_hosting="not-wanted", latency="batch", deadline_hours=48, min_quality=0)
    return dataclasses.replace(preset("bursty-app"), **{**base, **kw})


def test_each_mode_is_a_row_and_reasoning_pays_its_tokens_in_the_api(catalog):
    w = _api_workload()
    rec = recommend_with(w, catalog)
    rows = {(c.provider, c.mode): c for c in rec.candidates}
    pairs = [(p, rows[(p, "non-reasoning")], rows[(p, "reasoning")]) for p, m in rows if m == "reasoning" and (p, "non-reasoning") in rows]
    assert pairs, "an API serving both modes"
    mult = catalog.quality_modes["qwen3-235b-a22b"]["reasoning"].output_multiplier
    for provider, plain, think in pairs:
        price = think.api_input_usd_per_mtok, think.api_output_usd_per_mtok
        out = math.ceil(w.output_tokens * mult)
        per_request = lambda o: price[0] * w.input_tokens + price[1] * o  # noqa: E731 - same cache share both rows
        if not w.cached_input_fraction:
            expected = per_request(out) / per_request(w.output_tokens)
            assert float(think.monthly_cost_usd / plain.monthly_cost_usd) == pytest.approx(float(expected), rel=0.01)
        assert think.monthly_cost_usd > plain.monthly_cost_usd
        assert think.quality > plain.quality and think.output_multiplier == mult and plain.output_multiplier == 1.0
        assert "(thinking)" in think.label and "(no thinking)" in plain.label  # the table's words (MODE_NAMES)
        # $/M is per visible token of the workload, so the two rows compare per answer
        assert float(think.usd_per_mtok) == pytest.approx(float(think.monthly_cost_usd) / w.tokens_per_month * 1e6, rel=1e-3)


def test_reasoning_costs_gpu_time_self_hosted(catalog):
    w = dataclasses.replace(preset("batch-pipeline"), models=("qwen3-235b-a22b",), min_quality=0, requests_per_day=200_000,
                            gpu_types=("h200",), precisions=("fp8",))
    rec = recommend_with(w, catalog)
    best = {}
    for c in rec.candidates:
        if c.deployment == "self-hosted":
            best.setdefault(c.mode, c)
    assert best["reasoning"].billed_gpu_hours_per_month > best["non-reasoning"].billed_gpu_hours_per_month


def test_floor_is_checked_per_mode_and_unmeasured_reasoning_is_rejected(catalog):
    w = _api_workload(models=("qwen3-235b-a22b", "deepseek-v4-flash"), min_quality=80)
    rec = recommend_with(w, catalog)
    assert {c.mode for c in rec.candidates if c.model == "qwen3-235b-a22b"} == {"reasoning"}
    codes = {(r.model, r.reasons[0].code) for r in rec.rejected}
    assert ("qwen3-235b-a22b", "quality-floor") in codes
    assert ("deepseek-v4-flash", "reasoning-tokens-unmeasured") in codes


def _candidate(model: str, precision: str, quality: float, gpu: str = "b200") -> Candidate:
    return Candidate(model=model, model_name=model, architecture="moe", deployment="self-hosted", provider="p", gpu=gpu, gpus=8,
                     replicas=1, precision=precision, monthly_cost_usd=Decimal(1), usd_per_mtok=Decimal(1), utilization=0.5,
                     quality=quality, quality_benchmark="MMLU-Pro")


def test_measured_native_and_unmeasured_quantization(catalog):
    w = dataclasses.replace(preset("steady-latency"), min_quality=70)
    nv = next(q for q in catalog.quantization if q.id == "deepseek-r1-nvfp4")
    awq = next(q for q in catalog.quantization if q.id == "deepseek-r1-int4-awq")
    r = modes.with_quantization(_candidate("deepseek-r1", "fp4", 84.0), catalog, w)  # fp4 on NVIDIA = nvfp4
    assert r.quality_delta == pytest.approx(84.0 * (nv.ratio - 1), abs=0.01) and r.quality_delta_source == nv.source
    r = modes.with_quantization(_candidate("deepseek-r1", "int4", 84.0), catalog, w)  # worst of GPTQ and AWQ
    assert r.quality_delta == pytest.approx(84.0 * (awq.ratio - 1), abs=0.01) and r.quality == pytest.approx(84.0 + r.quality_delta)
    native = modes.with_quantization(_candidate("deepseek-r1", "fp8", 84.0), catalog, w)
    assert native.quality_delta == 0.0 and native.quality == 84.0
    # unmeasured 4-bit MoE: assumed to lose as much as the worst measured 4-bit MoE checkpoint
    assert modes.with_quantization(_candidate("llama-4-maverick", "int4", 80.5), catalog, w).quality_delta_source == "unmeasured"
    near = 70 / awq.ratio - 0.1  # passes the floor as published, fails it with the assumed loss
    rej = modes.with_quantization(_candidate("llama-4-maverick", "int4", near), catalog, w)
    assert isinstance(rej, Rejection) and rej.reasons[0].code == "quality-floor-quantized"
    # a measured delta that takes a candidate under the floor rejects it too
    assert isinstance(modes.with_quantization(_candidate("deepseek-r1", "int4", 72.0), catalog, w), Rejection)


def test_an_api_reasoning_row_says_how_long_it_thinks_before_the_visible_answer():
    """Interactive traffic: an API reasoning row with a measured speed is judged on TTFT plus its reasoning tokens at
    that speed (and ranks after the rows that answer in time when it is late); one without a measured speed says how
    many tokens it thinks first and that the wait is unknown."""
    from advisor import api

    w = api.workload(requests_per_day=50_000, input_tokens=2_000, output_tokens=300, latency="interactive", ttft_ms=1_000,
                     output_tokens_per_s_per_user=30, self_hosting="not-wanted", models=["gpt-oss-120b", "llama-3.3-70b"])
    rec = api.recommend(w)
    rows = [c for c in rec.candidates if c.deployment == "api" and c.mode == "reasoning" and c.model == "gpt-oss-120b"]
    assert rows
    thinking = math.ceil(w.output_tokens * rows[0].output_multiplier) - w.output_tokens
    measured = unmeasured = 0
    for c in rows:
        codes = {r.code: r for r in c.reasons}
        speed = codes["api-latency"].numbers.get("output_tokens_per_s")
        if speed:
            measured += 1
            wait = (codes["api-latency"].numbers.get("ttft_ms") or 0.0) + thinking * 1000.0 / speed
            assert wait > w.ttft_ms  # 852 tokens do not fit in 1 s at any measured speed here
            assert codes["reasoning-latency"].numbers["visible_wait_ms"] == pytest.approx(wait)
        else:
            unmeasured += 1
            if "reasoning-wait" in codes:  # it could fit at the optimistic speed for its kind of hardware: unknown
                assert codes["reasoning-wait"].numbers["reasoning_tokens"] == thinking
                assert "reasoning-latency" not in codes
            else:  # late even at that speed: a lower bound on the wait
                late = codes["reasoning-latency"].numbers
                assert late["lower_bound"] and late["visible_wait_ms"] == pytest.approx(
                    thinking * 1000.0 / late["assumed_output_tokens_per_s"]) and late["visible_wait_ms"] > w.ttft_ms
    assert measured and unmeasured
    late = [c.rank for c in rec.candidates if any(r.code == "reasoning-latency" for r in c.reasons)]
    on_time = [c.rank for c in rec.candidates if c.rank not in late]
    assert late and on_time and max(on_time) < min(late)


def test_an_endpoint_that_serves_one_mode_is_not_ranked_in_the_other(tmp_path, monkeypatch):
    """An endpoint that sells a hybrid model's non-thinking release only (a user's row selling Qwen3-235B-A22B as
    its Instruct-2507 refresh, the bundled Fireworks row until that refresh got its own catalog id) ranks as a
    non-reasoning row only, and its reasoning row is rejected saying why."""
    from advisor import api, runtime

    (tmp_path / "api_fireworks.toml").write_text(
        'catalog = "api_prices"\nschema_version = 1\nprovider = "fireworks"\n\n[[prices]]\nmodel = "qwen3-235b-a22b"\n'
        'provider_model = "accounts/fireworks/models/qwen3-235b-a22b-instruct-2507"\nmodes = ["non-reasoning"]\n'
        'input_usd_per_mtok = "0.22"\noutput_usd_per_mtok = "0.88"\ncontext_tokens = 262144\n'
        'source = "https://fireworks.ai/pricing"\nas_of = "2026-11-20"\nnotes = "test row"\n', encoding="utf-8")
    monkeypatch.setenv("MOE_ADVISOR_CATALOG_DIR", str(tmp_path))
    monkeypatch.setattr(runtime, "_cached", None)
    w = api.workload(requests_per_day=100_000, input_tokens=2_000, output_tokens=500, models=["qwen3-235b-a22b"],
                     self_hosting="not-wanted")
    rec = api.recommend(w)
    fireworks = {c.mode for c in rec.candidates if c.provider == "fireworks"}
    assert fireworks == {"non-reasoning"}
    assert {c.mode for c in rec.candidates if c.provider == "deepinfra"} == {"reasoning", "non-reasoning"}
    why = [r.reasons[0] for r in rec.rejected if r.provider == "fireworks" and r.reasons[0].code == "api-mode"]
    assert why and "answers only in no thinking mode" in why[0].message and why[0].message.startswith("[thinking]")


def test_a_price_row_names_only_known_modes():
    from advisor.catalog.schema import build_price

    row = {"model": "m", "input_usd_per_mtok": "1", "output_usd_per_mtok": "1", "source": "https://x", "as_of": "2026-12-01"}
    assert build_price("api", {**row, "modes": ["non-reasoning"]}, "f.toml", provider="p").modes == ("non-reasoning",)
    with pytest.raises(CatalogError, match="modes"):
        build_price("api", {**row, "modes": ["thinking"]}, "f.toml", provider="p")
