"""Issue 10: NVFP4 sized as NVIDIA's checkpoints store it (DeepSeek-V3/R1 keep attention in BF16), MXFP4 unchanged."""

from __future__ import annotations

import dataclasses
import math

import pytest

from advisor.catalog.schema import build_entry
from advisor.domain.precision import resolve_precision
from advisor.errors import CatalogError
from advisor.physics.sizing import attention_format, fit, param_breakdown, weight_bytes

NVFP4 = 0.5 + 1 / 16  # E2M1 + one FP8 scale per 16
MXFP4 = 0.5 + 1 / 32  # E2M1 + one E8M0 scale per 32

# DeepSeek-R1 by hand from config.json (hidden 7168, 61 layers of which 3 dense, 128 heads, vocab 129,280):
# MLA per layer q_a 7168*1536 + q_a_norm 1536 + q_b 1536*128*192 + kv_a 7168*576 + kv_a_norm 512
# + kv_b 512*128*(128+128) + o 128*128*7168 = 187,107,328; x 61 layers:
R1_ATTENTION = 61 * (7168 * 1536 + 1536 + 1536 * 128 * 192 + 7168 * 576 + 512 + 512 * 128 * 256 + 128 * 128 * 7168)
R1_DENSE_FFN = 3 * 3 * 7168 * 18432  # layers 0-2: gate, up, down
R1_SHARED = 58 * 3 * 7168 * 2048  # one shared expert per MoE layer
R1_ROUTED = 58 * 256 * 3 * 7168 * 2048
# Embedding + LM head, norms (2 per layer + final), routers (+ score-correction bias): bf16 in every scheme.
R1_BF16_REST = 2 * (2 * 129280 * 7168 + (61 * 2 * 7168 + 7168) + 58 * (7168 * 256 + 256))


def test_hand_counts_match_the_architecture(cat):
    p = param_breakdown(cat.model("deepseek-r1"))
    assert R1_ATTENTION == p.attention == 11_413_547_008
    assert (R1_DENSE_FFN, R1_SHARED, R1_ROUTED) == (p.dense_ffn, p.shared_experts, p.routed_experts)


@pytest.mark.parametrize("model_id", ["deepseek-r1", "deepseek-v3"])
def test_nvfp4_keeps_deepseek_attention_bf16_as_the_nvidia_checkpoint_does(cat, model_id):
    m = cat.model(model_id)
    w = weight_bytes(m, "nvfp4")
    # Attention 2 B/param (excluded from quantization, written as BF16); dense FFNs and shared experts NVFP4.
    hand = R1_BF16_REST + 2 * R1_ATTENTION + (R1_DENSE_FFN + R1_SHARED) * NVFP4
    assert hand == 28_854_135_808  # 28.9 GB outside the routed experts
    assert w.non_expert == pytest.approx(hand, abs=1)
    assert R1_ROUTED * NVFP4 == 367_823_683_584
    assert w.routed_experts == pytest.approx(R1_ROUTED * NVFP4, abs=1)
    # Sizing attention at NVFP4 understated the checkpoint by 11.41B x (2 - 0.5625) B = 16.4 GB.
    assert w.non_expert - (R1_BF16_REST + (R1_ATTENTION + R1_DENSE_FFN + R1_SHARED) * NVFP4) == pytest.approx(16_406_973_824, abs=2)


def test_fp4_on_an_nvidia_gpu_is_sized_as_the_nvfp4_checkpoint(cat):
    m, b200 = cat.model("deepseek-r1"), cat.gpu("b200")
    assert resolve_precision("fp4", b200.vendor) == "nvfp4"
    f = fit(m, b200, 8, "fp4", 8192, kv_precision="fp8")
    assert f.weights_bytes_per_gpu == math.ceil((28_854_135_808 + 367_823_683_584) / 8)


def test_mxfp4_is_unchanged(cat):
    m, mi355x = cat.model("deepseek-r1"), cat.gpu("mi355x")
    w = weight_bytes(m, "mxfp4")
    # Every projection MXFP4, attention included: no source says AMD's MXFP4 checkpoints keep it wider.
    assert w.non_expert == pytest.approx(R1_BF16_REST + (R1_ATTENTION + R1_DENSE_FFN + R1_SHARED) * MXFP4, abs=1)
    assert w.routed_experts == pytest.approx(R1_ROUTED * MXFP4, abs=1)
    assert attention_format(m, "mxfp4").name == "mxfp4"
    f = fit(m, mi355x, 8, "fp4", 8192, kv_precision="fp8")  # fp4 on AMD is MXFP4
    assert f.weights_bytes_per_gpu == math.ceil(w.total / 8)
    # mxfp4-experts keeps R1's non-expert weights bf16, as before; gpt-oss's likewise.
    assert weight_bytes(m, "mxfp4-experts").non_expert == weight_bytes(m, "bf16").non_expert
    oss = cat.model("gpt-oss-120b")
    assert weight_bytes(oss, "mxfp4-experts").non_expert == weight_bytes(oss, "bf16").non_expert


def test_a_model_without_the_field_quantizes_attention_under_nvfp4(cat):
    # nvidia/Qwen3-30B-A3B-NVFP4 excludes only the routers and lm_head: attention is NVFP4 like the experts.
    m = cat.model("qwen3-30b-a3b")
    assert m.nvfp4_attention_precision == "nvfp4"
    p = param_breakdown(m)
    bf16_rest = 2 * (p.embedding + p.lm_head + p.norms + p.router)
    assert weight_bytes(m, "nvfp4").non_expert == pytest.approx(bf16_rest + (p.attention + p.dense_ffn + p.shared_experts) * NVFP4, abs=1)


def test_catalog_rejects_an_unknown_nvfp4_attention_precision(cat):
    m = cat.model("deepseek-r1")
    raw = {f.name: getattr(m, f.name) for f in dataclasses.fields(m) if f.name != "id"}
    raw["nvfp4_attention_precision"] = "int4"
    with pytest.raises(CatalogError, match="nvfp4_attention_precision"):
        build_entry("models", "x", raw, "models.toml")


def test_nvfp4_checkpoints_bf16_attention_projections_compute_at_the_bf16_rate():
    """22.8 of DeepSeek-R1's ~34 GFLOP a token outside the routed experts are attention projections, BF16 in NVIDIA's
    NVFP4 checkpoint: they run at the BF16 tensor rate, the rest of the non-expert matmuls at FP4's."""
    from advisor import api
    from advisor.physics import performance

    cat = api.catalog()
    m, gpu = cat.models["deepseek-r1"], cat.gpus["b200"]
    quantized = dataclasses.replace(m, nvfp4_attention_precision="nvfp4")
    base = performance._base(m, gpu, "nvfp4", "fp8", cat.engine, 1024, 1024, 0)
    fp4 = performance._base(quantized, gpu, "nvfp4", "fp8", cat.engine, 1024, 1024, 0)
    p = param_breakdown(m)
    att, ne = 2.0 * p.attention, base["ne_flops"]
    bf16, fp4_rate = gpu.bf16_tflops * 1e12, gpu.fp4_tflops * 1e12
    blended = ne / (att / bf16 + (ne - att) / fp4_rate)
    assert base["lin_pre"] / fp4["lin_pre"] == pytest.approx(blended / fp4_rate)
    assert 0.3 < blended / fp4_rate < 0.6
    slow = api.estimate(m, "b200", gpus=8, precision="fp4", input_tokens=1024, output_tokens=1024, layout="dep", engine="trtllm")
    fast = api.estimate(quantized, "b200", gpus=8, precision="fp4", input_tokens=1024, output_tokens=1024, layout="dep",
                        engine="trtllm")
    assert slow.output_tokens_per_s < fast.output_tokens_per_s


def test_the_rankings_fit_messages_size_fp4_as_the_gpus_checkpoint():
    """fp4 on a B200 is NVIDIA's NVFP4 checkpoint (396.7 GB for DeepSeek-R1), not MXFP4 (359.4 GB), in every message."""
    from advisor import api
    from advisor.common import fmt

    w = api.workload(requests_per_day=200_000, input_tokens=24_000, output_tokens=2000, context_max_tokens=65_536,
                     models=["deepseek-r1"], gpu_types=["b200"], precisions=["fp4"], self_hosting="required")
    rec = api.recommend(w)
    nv = fmt.gb(weight_bytes(api.catalog().models["deepseek-r1"], "nvfp4").total)
    half = fmt.gb(weight_bytes(api.catalog().models["deepseek-r1"], "nvfp4").total / 2)
    two = [r for r in rec.rejected if r.reasons[0].code == "does-not-fit" and r.gpus == 2]
    assert two and all(f"weights {half}" in r.reasons[0].message for r in two)
    # 3 GPUs run as PP3 where the provider sells 3 (review 3, finding 9); where it does not, the rejection sizes
    # the weights as the GPU's checkpoint too
    from advisor.ranking.fitting import pipeline_sold

    m, g = api.catalog().models["deepseek-r1"], api.catalog().gpus["b200"]
    n, (tp3,) = pipeline_sold(m, g, "fp4", "self-hosted", "nowhere", [], ())
    assert n == 4 and tp3.reasons[0].code == "tensor-parallel" and f"the {nv} of weights" in tp3.reasons[0].message
