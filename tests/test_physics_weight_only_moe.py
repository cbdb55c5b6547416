"""Weight-only (W4A16 / W8A16) grouped GEMMs: bound by their weight reads at a few tokens per expert, by the BF16 rate
at many (advisor.physics.moe.weight_only_gemm_efficiency)."""

from __future__ import annotations

import pytest

from advisor.catalog.load import load_catalog
from advisor.domain.precision import scheme
from advisor.physics.moe import (
    EXPERT_N_HALF,
    WEIGHT_ONLY_TILE_TOKENS,
    expert_shape_efficiency,
    grouped_gemm_efficiency,
    weight_only,
    weight_only_gemm_efficiency,
)
from advisor.physics.performance import _rate, estimate_for, peak_flops


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def _is_weight_only(gpu, precision):
    return weight_only(scheme(precision).experts.bytes_per_param, peak_flops(gpu, precision, "experts"), _rate(gpu, "bf16"))


def test_which_experts_run_weight_only(cat):
    a100, h100, b200 = cat.gpus["a100-80gb"], cat.gpus["h100-sxm"], cat.gpus["b200"]
    assert _is_weight_only(a100, "int4") and _is_weight_only(h100, "int4")  # INT4 computes in BF16 everywhere
    assert _is_weight_only(a100, "mxfp4-experts") and _is_weight_only(a100, "fp8")  # no FP4/FP8 tensor cores
    assert not _is_weight_only(h100, "fp8") and not _is_weight_only(b200, "nvfp4")  # native formats
    assert not _is_weight_only(h100, "mxfp4-experts")  # FP4 on Hopper runs at the FP8 rate here
    assert not _is_weight_only(a100, "bf16")  # nothing to dequantize


def test_tile_padding_then_the_grouped_gemm_rate():
    s = expert_shape_efficiency(2048)
    # below the tile every expert costs the same tensor-core work: efficiency grows linearly with tokens
    e1, e8 = weight_only_gemm_efficiency(1, 0.85, s), weight_only_gemm_efficiency(8, 0.85, s)
    assert e8 / e1 == pytest.approx(8 * (WEIGHT_ONLY_TILE_TOKENS + 1 * EXPERT_N_HALF / 2048)
                                     / (WEIGHT_ONLY_TILE_TOKENS + 8 * EXPERT_N_HALF / 2048))
    # at many tokens: the grouped GEMM's eff_moe x shape, like any grouped GEMM at large t
    assert weight_only_gemm_efficiency(1e6, 0.85, s) == pytest.approx(0.85 * s, rel=1e-4)
    # and above the Hopper-fitted per-expert term at a few tokens (which made W4A16 compute-bound on A100)
    assert weight_only_gemm_efficiency(1.3, 0.85, s) > 1.9 * grouped_gemm_efficiency(1.3, 32.0, 0.85, s)
    assert grouped_gemm_efficiency(1.3, 32.0, 0.85, s, 1.0, True) == weight_only_gemm_efficiency(1.3, 0.85, s)


def test_kimi_k2_int4_on_a100_is_bound_by_weight_reads_at_few_tokens_per_expert(cat):
    m, gpu, trt = cat.models["kimi-k2"], cat.gpus["a100-80gb"], cat.engines["trtllm"]
    e = estimate_for(m, gpu, 8, "int4", 1000, 300, engine=trt, layout="tp", concurrency=26)
    # 26 sequences x top-8 over 384 experts: ~1.3 tokens per touched expert
    assert e.step.experts_touched < 26 * m.num_experts_per_tok
    assert e.step.bound == "memory bandwidth"
    assert e.step.compute_s < 0.1 * e.step.memory_s
    # effective compute rate of the step's FLOPs is far above the 4-9 TFLOP/s of the Hopper-fitted term
    assert e.step.flops_per_gpu / e.step.total_s > 5e12


def test_gpt_oss_on_a100_becomes_compute_bound_only_at_many_tokens_per_expert(cat):
    m, gpu, vllm = cat.models["gpt-oss-120b"], cat.gpus["a100-80gb"], cat.engines["vllm"]
    small = estimate_for(m, gpu, 1, "mxfp4-experts", 229, 217, engine=vllm, layout="tp", concurrency=4).step
    large = estimate_for(m, gpu, 1, "mxfp4-experts", 229, 217, engine=vllm, layout="tp", concurrency=1024).step
    assert small.bound == "memory bandwidth" and small.compute_s == 0.0
    assert large.compute_s > 0.0  # the KV cache admits ~500: ~16 tokens per expert, the tile, at the BF16 rate
