"""TensorRT-LLM's batch cap as trtllm-bench computes it (advisor.physics.engine_caps), per rank under attention DP,
checked against hand-worked cases of the heuristic (tensorrt_llm/bench/build/tuning.py)."""

from __future__ import annotations

import dataclasses

import pytest

from advisor.physics import engine_caps as ec
from advisor.physics.performance import estimate_for
from advisor.physics.sizing import kv_layout, param_breakdown
from advisor.runtime import default_catalog


@pytest.fixture(scope="module")
def cat():
    return default_catalog()


def test_rounding_rules():
    assert ec._round_batch(50) == 64  # floor of 64
    assert ec._round_batch(100) == 128  # 32 x ceil(100 / 32)
    assert ec._round_batch(257.06) == 384  # 128 x ceil(257.06 / 128)
    assert ec._round_batch(1100) == 1280  # 256 x ceil(1100 / 256)
    assert ec._round_tokens(308) == 2048
    assert ec._round_tokens(3000) == 3072
    assert ec._round_tokens(5000) == 5120
    assert ec._round_tokens(9000) == 9216


def test_kv_formula_is_gqa_for_every_model(cat):
    llama, ds = cat.models["llama-3.3-70b"], cat.models["deepseek-r1"]
    # GQA: 2 x 80 layers x 8 KV heads x 128 x 1 byte (FP8) = 163,840, what the cache really holds
    assert ec.bench_kv_bytes_per_token(llama, 1, "fp8") == 163_840 == kv_layout(llama, "fp8").bytes_per_token_full
    # at TP16 each GPU keeps at least one KV head: 16 heads counted
    assert ec.bench_kv_bytes_per_token(llama, 16, "fp8") == 2 * 80 * 16 * 128
    # MLA: 2 x 61 x 128 "heads" x (7168 / 128 = 56) x 1 = 874,496 against a 61 x 576 = 35,136-byte latent: ~25x
    assert ec.bench_kv_bytes_per_token(ds, 8, "fp8") == 874_496
    assert kv_layout(ds, "fp8").bytes_per_token_full == 35_136
    assert ec.bench_kv_bytes_per_token(ds, 8, "bf16") == 2 * 874_496


def test_deepseek_r1_b200_mlperf_shape_by_hand(cat):
    m, g = cat.models["deepseek-r1"], cat.gpus["b200"]
    gib = 2**30
    engine = param_breakdown(m).total * 0.5 / gib  # NVFP4: 0.5 byte per parameter, ~312 GiB
    requests = (8 * g.memory_gib - engine) * 0.90 / (874_496 / gib * (804 + 4043))
    assert 250 < requests < 260  # 257 with the catalog's 180 GiB B200
    assert ec.trtllm_bench_settings(m, g, 8, 1, "nvfp4", "fp8", 804, 4043) == (384, 2048)
    # max_num_tokens 2048 >= 384 decode tokens: the per-rank cap under attention DP is the batch size
    assert ec.attention_dp_rank_cap(384, 2048) == 384


def test_untuned_quantization_gets_the_build_defaults(cat):
    m, g = cat.models["deepseek-r1"], cat.gpus["h200"]
    assert ec.trtllm_bench_settings(m, g, 8, 1, "int4", "fp8", 1000, 1000) == ec.BUILD_DEFAULTS


def test_attention_dp_rank_cap():
    assert ec.attention_dp_rank_cap(512, 4608) == 512  # MLPerf v5.1 B200 DeepSeek-R1 settings
    assert ec.attention_dp_rank_cap(1024, 800) == 800  # max_num_tokens binds
    assert ec.attention_dp_rank_cap(512, 800, draft_tokens=1) == 400  # MTP: two tokens per request per step


def test_estimate_uses_the_cap_per_rank_for_trtllm_only(cat):
    m, g = cat.models["deepseek-r1"], cat.gpus["b200"]
    trt = cat.engines["trtllm"]
    e = estimate_for(m, g, 8, "nvfp4", 804, 4043, kv_precision="fp8", engine=trt, layout="dep")
    assert e.batch == 8 * 384 < e.max_concurrency  # the heuristic binds below the KV capacity
    # under TP the same cap holds for the one scheduler
    t = estimate_for(m, g, 8, "nvfp4", 804, 4043, kv_precision="fp8", engine=trt, layout="tp")
    assert t.batch <= 384
    # vLLM keeps its documented max_num_seqs (1024) per rank; it admits by the mean context, so the KV holds more
    # (at 2,048 output tokens: at 4,043 the NVFP4 checkpoint's BF16 attention, replicated per rank, leaves KV for ~957)
    vllm = cat.engines["vllm"]
    v = estimate_for(m, g, 8, "nvfp4", 804, 2048, kv_precision="fp8", engine=vllm, layout="dep")
    assert vllm.efficiency.max_batch == 1024 and v.batch == 8 * 1024
    # a fitted max_batch on the trtllm profile no longer moves its cap
    other = dataclasses.replace(trt, efficiency=dataclasses.replace(trt.efficiency, max_batch=64))
    assert estimate_for(m, g, 8, "nvfp4", 804, 4043, kv_precision="fp8", engine=other, layout="dep").batch == e.batch
