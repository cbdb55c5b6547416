"""Ordering rules before cost (an engine not known to run the model goes after), the error a near tie is judged
with (larger at a few concurrent requests), and a better-scoring option within that error named on #1."""

from __future__ import annotations

from decimal import Decimal

import pytest

from advisor import api
from advisor.physics import calibration
from advisor.ranking.ties import engine_unverified, estimate_error, launch_unsure, total

AGENTIC = {"requests_per_day": 200_000, "input_tokens": 40_000, "output_tokens": 800, "cached_input_fraction": 0.85,
           "traffic_shape": "diurnal", "ttft_ms": 3000, "output_tokens_per_s_per_user": 50,
           "context_typical_tokens": 60_000, "context_max_tokens": 131_072,
           "models": ["kimi-k2", "deepseek-v3", "deepseek-v4-pro", "deepseek-v4-flash"], "precisions": ["fp8", "fp4", "int4"]}


@pytest.fixture(scope="module")
def agentic():
    return api.recommend(api.workload(**AGENTIC))


def test_rows_on_an_unverified_engine_rank_after_the_verified_ones(agentic):
    flags = [launch_unsure(c) for c in agentic.candidates]
    assert any(engine_unverified(c) for c in agentic.candidates) and not flags[0]
    first_unsure = flags.index(True)
    assert all(flags[first_unsure:])  # none known to launch after the first that is not
    top = agentic.candidates[0]
    cheaper = [c for c in agentic.candidates if launch_unsure(c) and total(c) < total(top)]
    rank = next(r for r in top.reasons if r.code == "rank").message
    if cheaper:
        assert rank.startswith("first choice") and "engine-support or checkpoint warning" in rank
    assert not any(c.pareto for c in agentic.candidates if launch_unsure(c))
    demoted = agentic.candidates[first_unsure]
    assert "ranked after every option known to launch as costed" in next(r for r in demoted.reasons if r.code == "rank").message


def test_weights_no_one_publishes_rank_after_the_published_ones():
    """DeepSeek-V3 in fp4: no NVFP4 checkpoint of it is recorded (NVIDIA's is of V3-0324, another release), and no
    engine quantizes to fp4 at load time. (Kimi K2 has one: nvidia/Kimi-K2-Instruct-FP4.)"""
    w = api.workload(requests_per_day=200_000, input_tokens=24_000, output_tokens=2000, traffic_shape="diurnal",
                     ttft_ms=3000, output_tokens_per_s_per_user=30, context_typical_tokens=26_000,
                     context_max_tokens=65_536, models=["deepseek-v3"], gpu_types=["h200", "b200"],
                     precisions=["bf16", "fp8", "fp4"], self_hosting="required")
    rec = api.recommend(w)
    fp4 = [c for c in rec.candidates if c.precision == "fp4"]
    assert fp4 and all(launch_unsure(c) and not engine_unverified(c) for c in fp4)
    assert rec.candidates[0].precision != "fp4" and total(fp4[0]) < total(rec.candidates[0])  # cheaper, ranked after
    [warning] = [r for r in fp4[0].reasons if r.code == "checkpoint"]
    assert warning.numbers["quantize_first"] and "no published fp4 checkpoint of deepseek-ai/DeepSeek-V3" in warning.message


def test_the_low_concurrency_error_is_what_the_calibration_rows_say():
    s = calibration.validate(api.catalog())
    low = s.subset(ids={r.row.id for r in s.results if calibration.low_concurrency(r.row)})
    assert len(low.results) >= 5
    assert calibration.LOW_CONCURRENCY_P90_ERROR == pytest.approx(low.p90_abs_error, abs=0.01)
    assert calibration.LOW_CONCURRENCY_P90_ERROR > s.p90_abs_error


def test_a_row_at_a_small_batch_is_judged_with_the_low_concurrency_error(agentic):
    profile = api.catalog().engine
    hosted = [c for c in agentic.candidates if c.deployment == "self-hosted" and c.batch]
    small = [c for c in hosted if c.batch <= calibration.LOW_CONCURRENCY]
    big = [c for c in hosted if c.batch > calibration.LOW_CONCURRENCY]
    assert big and estimate_error(big[0], profile) == profile.fit.p90_abs_error
    for c in small:
        assert estimate_error(c, profile) == calibration.LOW_CONCURRENCY_P90_ERROR


def test_a_better_model_within_the_error_is_named_on_the_first():
    # a team LoRA-tuning a small model: an 8B (48.3 MMLU-Pro) and a 14B (70.4) on the same card, a few dollars apart
    w = api.workload(requests_per_day=3000, input_tokens=1200, output_tokens=350, traffic_shape="diurnal", ttft_ms=1500,
                     output_tokens_per_s_per_user=30, fine_tuning="light", fine_tuning_method="lora", fine_tune_tokens=20e6,
                     fine_tunes_per_month=4, lora_adapters=10, lora_rank=16, context_max_tokens=16_384,
                     models=["qwen3-30b-a3b", "llama-3.1-8b", "qwen3.6-35b-a3b", "gemma-3-27b", "phi-4"])
    rec = api.recommend(w)
    top = rec.candidates[0]
    rank = next(r for r in top.reasons if r.code == "rank").message
    err = estimate_error(top, api.catalog().engine)
    better = [c for c in rec.candidates[1:] if c.deployment == "self-hosted" and total(c) <= total(top) * (1 + Decimal(str(err)))
              and c.model != top.model and (c.quality or 0) > (top.quality or 0) + 1]
    assert top.model == "llama-3.1-8b" and better  # an 8B at 48.3 MMLU-Pro, a 14B at 70.4 on the same GPU
    best = max(better, key=lambda c: c.quality)
    assert f"#{best.rank} {best.label} scores {best.quality:.1f} against {top.quality:.1f}" in rank
