"""Issue 10 physics: DeepSeek-V4's FP8 non-expert weights, the MoE dispatch workspace in the fit's reserve."""

from __future__ import annotations

import dataclasses

import pytest

from advisor.catalog.schema import build_entry
from advisor.errors import CatalogError
from advisor.physics.sizing import (
    MIN_KV_SEQUENCES,
    fit,
    moe_dispatch_bytes,
    param_breakdown,
    weight_bytes,
)

FP8_BYTES = 1.0 + 4 / (128 * 128)  # FP8 e4m3 + one fp32 scale per 128x128 block
MXFP4_BYTES = 0.5 + 1 / 32


def test_v4_flash_non_expert_projections_are_sized_fp8_as_the_checkpoint_stores_them(cat):
    m = cat.model("deepseek-v4-flash")
    # By hand from config.json (h 4096, 64 heads of 512, q_lora 1024, o_lora 1024 in 8 groups, indexer 64 x 128):
    # per layer q 4096*1024 + 1024 + 1024*64*512 = 37,749,760; kv 4096*512 = 2,097,152;
    # o 64*512*1024 + 8*1024*4096 = 67,108,864; indexer 1024*64*128 + 4096*128 + 4096*64 = 9,175,040
    # -> 116,130,816 x 43 layers = 4,993,625,088; one shared expert 3*4096*2048 x 43 = 1,082,130,432.
    linear_params = 4_993_625_088 + 1_082_130_432
    p = param_breakdown(m)
    assert p.attention + p.dense_ffn + p.shared_experts == linear_params
    bf16_rest = 2 * (p.embedding + p.lm_head + p.norms + p.router)  # embeddings, head, norms, router stay bf16
    w = weight_bytes(m, "mxfp4-experts")
    assert w.non_expert == pytest.approx(bf16_rest + linear_params * FP8_BYTES, abs=1)
    assert w.routed_experts == pytest.approx(p.routed_experts * MXFP4_BYTES, abs=1)
    # The bf16 accounting it replaces was ~6.07 GB heavier: 6,075,755,520 params x (2 - 1.000244) B.
    assert linear_params * 2 - (w.non_expert - bf16_rest) == pytest.approx(6.074e9, rel=1e-3)
    # Same non-expert bytes as the all-FP8 scheme, same expert bytes as all-MXFP4.
    assert w.non_expert == weight_bytes(m, "fp8").non_expert
    assert w.routed_experts == weight_bytes(m, "mxfp4").routed_experts


def test_v4_pro_is_fp8_outside_experts_and_gpt_oss_stays_bf16(cat):
    pro = cat.model("deepseek-v4-pro")
    assert pro.non_expert_precision == "fp8"
    assert weight_bytes(pro, "mxfp4-experts").non_expert == weight_bytes(pro, "fp8").non_expert
    oss = cat.model("gpt-oss-120b")  # gpt-oss ships attention in bf16
    assert oss.non_expert_precision == "bf16"
    assert weight_bytes(oss, "mxfp4-experts").non_expert == weight_bytes(oss, "bf16").non_expert
    # Only the mxfp4-experts scheme reads the field: a V4 model served in bf16 is bf16 throughout.
    v4 = cat.model("deepseek-v4-flash")
    assert weight_bytes(v4, "bf16").non_expert == 2 * param_breakdown(v4).non_expert


def test_catalog_rejects_an_unknown_non_expert_precision(cat):
    raw = {f.name: getattr(cat.model("gpt-oss-120b"), f.name) for f in dataclasses.fields(cat.model("gpt-oss-120b"))
           if f.name != "id"}
    raw["non_expert_precision"] = "int4"
    with pytest.raises(CatalogError, match="non_expert_precision"):
        build_entry("models", "x", raw, "models.toml")


def test_moe_dispatch_buffers_by_hand(cat):
    # 2 buffers (permuted input, second GEMM's output) x 8192 tokens x top-8 x hidden 7168 x 2 B.
    assert moe_dispatch_bytes(cat.model("deepseek-r1"), 8192) == 2 * 8192 * 8 * 7168 * 2 == 1_879_048_192
    assert moe_dispatch_bytes(cat.model("mixtral-8x7b"), 8192) == 2 * 8192 * 2 * 4096 * 2
    assert moe_dispatch_bytes(cat.model("llama-3.3-70b"), 8192) == 0


def test_deepseek_r1_fp4_does_not_fit_two_b200_once_the_moe_workspace_is_reserved(cat):
    m, gpu = cat.model("deepseek-r1"), cat.gpu("b200")
    two = fit(m, gpu, 2, "fp4", 8192, kv_precision="fp8", kv_replication=2.0)
    # ~177 GiB of weights per GPU leave ~3 GiB: less than the reserve (activation workspace with the MoE
    # dispatch buffers + CUDA context/graphs) plus one 8k-token sequence of KV.
    assert two.weights_bytes_per_gpu > 176 * 2**30
    assert two.reserve.activation_bytes > moe_dispatch_bytes(m, 8192)
    assert not two.fits and two.shortfall_bytes > 0 and two.max_concurrency == 0
    four = fit(m, gpu, 4, "fp4", 8192, kv_precision="fp8", kv_replication=4.0)
    assert four.fits and four.max_concurrency >= 100


@pytest.mark.parametrize("model_id,gpu_id,gpus,precision", [
    ("deepseek-r1", "h200", 8, "fp8"), ("mixtral-8x7b", "h100-sxm", 1, "fp8"), ("gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts"),
    ("llama-3.3-70b", "h100-sxm", 2, "fp8"), ("qwen3-235b-a22b", "h200", 2, "fp8"),
])
def test_a_fit_leaves_kv_room_for_the_minimum_sequences_after_the_whole_reserve(cat, model_id, gpu_id, gpus, precision):
    m, gpu = cat.model(model_id), cat.gpu(gpu_id)
    f = fit(m, gpu, gpus, precision, 8192, kv_precision="fp8")
    assert f.fits, "the common deployments keep fitting"
    used = f.weights_bytes_per_gpu + f.reserve.total + f.kv_bytes_per_gpu
    assert used <= f.capacity_bytes_per_gpu
    assert f.kv_capacity_bytes >= MIN_KV_SEQUENCES * f.kv_bytes_per_sequence
    assert f.reserve.activation_bytes >= moe_dispatch_bytes(m, 8192)
