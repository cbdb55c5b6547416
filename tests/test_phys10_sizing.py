"""Issue 10 physics: DeepSeek-V4's FP8 non-expert weights."""

from __future__ import annotations

import dataclasses

import pytest

from advisor.catalog.schema import build_entry
from advisor.errors import CatalogError
from advisor.physics.sizing import param_breakdown, weight_bytes

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
