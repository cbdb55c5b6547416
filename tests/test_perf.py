"""The roofline estimate: its shape (what bounds a step), expert reads, TPOT search, infeasibility."""

from __future__ import annotations

import math

import pytest

from advisor import api
from advisor.physics.performance import experts_touched


def test_expected_distinct_experts_grow_with_batch_and_saturate():
    e, k = 128, 1
    assert experts_touched(e, k, 1) == pytest.approx(1.0)
    values = [experts_touched(e, k, b) for b in (1, 2, 8, 64, 512, 4096)]
    assert values == sorted(values)
    assert values[-1] == pytest.approx(128, rel=1e-3)
    # 8 of 256 (DeepSeek V3) at batch 1 reads exactly top-k experts.
    assert experts_touched(256, 8, 1) == pytest.approx(8.0)
    # Skewed routing concentrates on fewer experts.
    assert experts_touched(128, 1, 64, skew=2.0) < experts_touched(128, 1, 64)


def test_small_batch_decode_is_memory_bound_and_reads_few_experts():
    e = api.estimate("mixtral-8x7b", "h100-sxm", 1, "fp8", 1024, 256, tpot_limit_ms=12)
    assert e.fits and e.batch >= 1
    one = api.estimate("mixtral-8x7b", "h100-sxm", 1, "fp8", 128, 128, tpot_limit_ms=1e-3)
    assert one.batch == 1 and one.bound == "memory bandwidth"
    assert one.step.experts_touched == pytest.approx(2.0)  # top-2 of 8 at one token


def test_moe_decode_step_at_batch_one_reads_far_less_than_all_weights():
    e = api.estimate("deepseek-v3", "h200", 8, "fp8", 1024, 256, tpot_limit_ms=1e-3)
    total_per_gpu = e.weights_bytes / 8
    assert e.step.bytes_per_gpu < 0.1 * total_per_gpu


def test_dense_large_batch_becomes_compute_bound_at_short_context():
    e = api.estimate("llama-3.1-8b", "h100-sxm", 1, "fp8", 128, 128)
    assert e.batch > 100
    assert e.bound == "compute"


def test_long_context_decode_is_bound_by_kv_reads():
    e = api.estimate("llama-3.1-8b", "h100-sxm", 1, "fp8", 8192, 512)
    assert e.bound == "memory bandwidth"
    kv_read = e.batch * e.kv_bytes(8192 + 256)
    assert kv_read > e.weights_bytes


def test_tpot_limit_is_respected_and_trades_throughput():
    free = api.estimate("llama-3.3-70b", "h200", 2, "fp8", 1024, 256)
    limited = api.estimate("llama-3.3-70b", "h200", 2, "fp8", 1024, 256, tpot_limit_ms=25)
    assert limited.tpot_ms <= 25 and limited.meets_tpot_limit
    assert limited.batch < free.batch
    assert limited.output_tokens_per_s < free.output_tokens_per_s
    assert free.tpot_ms > 25


def test_impossible_tpot_limit_is_reported_not_hidden():
    e = api.estimate("llama-3.1-405b", "h100-sxm", 8, "fp8", 1024, 256, tpot_limit_ms=1.0)
    assert not e.meets_tpot_limit and e.batch == 1
    assert any("over the 1 ms limit" in w for w in e.warnings)


def test_does_not_fit_gives_shortfall_and_no_throughput():
    e = api.estimate("llama-4-maverick", "h100-sxm", 4, "fp8", 1024, 256)
    assert not e.fits and e.shortfall_bytes > 10e9
    assert e.output_tokens_per_s == 0 and math.isinf(e.tpot_ms)


def test_more_gpus_more_throughput_and_tensor_parallel_traffic():
    one = api.estimate("llama-3.3-70b", "h100-sxm", 2, "fp8", 1024, 256)
    more = api.estimate("llama-3.3-70b", "h100-sxm", 8, "fp8", 1024, 256)
    assert more.output_tokens_per_s > one.output_tokens_per_s
    assert more.step.comm_s > 0


def test_three_way_tensor_parallel_is_refused_and_pipeline_is_searched():
    e = api.estimate("llama-4-maverick", "h200", 3, "fp8", 1024, 256)
    assert e.layout == "pp" and e.parallelism.pipeline_parallel == 3
    tp = api.estimate("llama-4-maverick", "h200", 3, "fp8", 1024, 256, layout="tp")
    assert not tp.parallelism.tp_divides_heads
    assert any("pipeline parallelism" in w for w in tp.warnings)


def test_estimate_fields_are_finite_for_every_fitting_catalog_config(cat):
    for m in cat.models.values():
        if m.api_only:  # no published architecture to estimate (tests/test_api_only_models.py)
            continue
        for gpus in (1, 8):
            e = api.estimate(m.id, "h200", gpus, "fp8", 2048, 512)
            if not e.fits:
                continue
            for value in (e.output_tokens_per_s, e.ttft_ms, e.tpot_ms):
                assert math.isfinite(value) and value > 0, (m.id, gpus)


def test_bad_inputs_are_clear_errors():
    from advisor.errors import AdvisorError

    with pytest.raises(AdvisorError, match="gpus"):
        api.estimate("llama-3.1-8b", "h100-sxm", 0)
    with pytest.raises(AdvisorError, match="precision"):
        api.estimate("llama-3.1-8b", "h100-sxm", 1, precision="fp3")
    with pytest.raises(AdvisorError, match="tpot_limit_ms"):
        api.estimate("llama-3.1-8b", "h100-sxm", 1, tpot_limit_ms=-5)


def test_kernel_count_per_decode_step_from_the_architecture(cat):
    from advisor.physics.performance import kernels_per_step

    # DeepSeek-R1: 61 MLA attention blocks x 9, 3 dense FFNs x 4, 58 MoE layers x (8 + 3 for the shared expert).
    assert kernels_per_step(cat.models["deepseek-r1"]) == 61 * 9 + 3 * 4 + 58 * 11 == 1199
    # Llama 4 Maverick: 48 GQA blocks x 5, 24 dense FFNs x 4, 24 MoE layers with a shared expert x 11.
    assert kernels_per_step(cat.models["llama-4-maverick"]) == 48 * 5 + 24 * 4 + 24 * 11 == 600
    # Mixtral 8x7B: 32 GQA blocks, 32 MoE layers without a shared expert; Llama 3.1 8B: 32 x (5 + 4).
    assert kernels_per_step(cat.models["mixtral-8x7b"]) == 32 * 5 + 32 * 8
    assert kernels_per_step(cat.models["llama-3.1-8b"]) == 32 * 9


def test_single_stream_overhead_is_the_kernel_floor_times_the_kernels():
    from advisor.physics.calibration import KERNEL_FLOOR_US

    one = api.estimate("deepseek-r1", "h200", 8, "fp8", 228, 213, kv_precision="bf16", engine="vllm", layout="tp", tpot_limit_ms=1e-3)
    f = one.factors
    assert f["kernel_floor_us"] == KERNEL_FLOOR_US == 5.0
    want = (f["layer_overhead_us"] * 61 + f["moe_layer_overhead_us"] * 58 + 5.0 * 1199 + f["step_overhead_us"]) * 1e-6
    assert one.step.overhead_s == pytest.approx(want / f["engine_speed"], rel=1e-6)
    # 1199 kernels x 5 us = 6.0 ms of the step: batch-1 decode can no longer beat ~110 tok/s per user (published
    # vLLM TP8 at 4 concurrent: 51.7 tok/s per user, so the estimate is still optimistic, by ~2x instead of ~5x).
    assert 80 < 1000 / one.tpot_ms < 120  # 86 with vLLM's 50 us per MoE layer (advisor.physics.floor)


def test_one_stream_alone_decodes_at_the_step_time_its_prefill_is_in_the_ttft():
    # 120,000-token prompt, 800 output tokens, one stream: its own prefill (seconds) happens before its first token.
    e = api.estimate("llama-3.3-70b", "h100-sxm", 2, "fp8", 120_000, 800, concurrency=1)
    assert e.batch == 1
    assert e.tpot_ms == pytest.approx(e.step.total_s * 1e3, rel=1e-9)
    assert e.ttft_ms > 20 * e.tpot_ms  # the prefill of 120k tokens dominates the first token, not every token
    # Throughput still pays for the prefill: one request per (prefill + 800 steps).
    assert e.output_tokens_per_s < 1e3 / e.tpot_ms


def test_at_a_batch_the_other_streams_prefills_stretch_each_streams_tpot():
    e1 = api.estimate("llama-3.3-70b", "h100-sxm", 2, "fp8", 8_000, 200, concurrency=1)
    e8 = api.estimate("llama-3.3-70b", "h100-sxm", 2, "fp8", 8_000, 200, concurrency=8)
    assert e8.batch == 8
    # 7 other prompts of 8,000 tokens land while a stream writes its 200 tokens: TPOT well above the bare step.
    assert e8.tpot_ms > 1.5 * e8.step.total_s * 1e3
    # Little's law on the cycle: 8 streams, each output token every TPOT, bounded by the throughput.
    assert 8 * 1e3 / e8.tpot_ms >= e8.output_tokens_per_s
    assert e8.tpot_ms > e1.tpot_ms


def test_callers_spellings_of_precision_and_layout_are_the_catalog_ids():
    want = api.estimate("deepseek-r1", "b200", 8, "fp4", 1000, 1000, engine="trtllm", layout="dep")
    got = api.estimate("deepseek-r1", "b200", 8, " FP4", 1000, 1000, engine="TensorRT-LLM", layout="DEP")
    assert (got.layout, got.output_tokens_per_s) == (want.layout, want.output_tokens_per_s)
    ep = api.estimate("deepseek-r1", "b200", 8, "fp8", 1000, 1000, layout="EP")  # expert parallel, attention TP
    assert ep.layout == "tp_ep"
    from advisor.errors import InputError

    with pytest.raises(InputError, match="layout"):
        api.estimate("deepseek-r1", "b200", 8, "fp8", 1000, 1000, layout="zz")
