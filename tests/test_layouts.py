"""Parallel layouts, engines and the single-stream floor, on small hand-checked cases."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.domain.precision import resolve_precision, scheme
from advisor.physics.engines import default_engine, deployments, engines_for
from advisor.physics.layouts import comm_bytes_per_gpu, make_layout, weights_per_gpu
from advisor.physics.performance import estimate_for
from advisor.physics.sizing import fit, kv_layout, weight_bytes


def test_dep_replicates_non_expert_weights_and_shards_experts(cat):
    m, g = cat.models["deepseek-v3"], cat.gpus["h200"]
    w = weight_bytes(m, "fp8")
    dep = make_layout(m, g, 8, "dep")
    tp_ep = make_layout(m, g, 8, "tp_ep")
    assert weights_per_gpu(w.non_expert, w.routed_experts, dep) == pytest.approx(w.non_expert + w.routed_experts / 8, abs=1)
    assert weights_per_gpu(w.non_expert, w.routed_experts, tp_ep) == pytest.approx(w.total / 8, abs=1)
    # 1000 bytes of non-expert weights and 8000 of experts on 8 GPUs: DEP holds 1000 + 1000, TP 1125.
    assert weights_per_gpu(1000, 8000, dep) == 2000
    assert weights_per_gpu(1000, 8000, tp_ep) == 1125


def test_mla_kv_is_stored_once_under_dep_and_replicated_under_tp(cat):
    m, g = cat.models["deepseek-v3"], cat.gpus["h200"]
    assert make_layout(m, g, 8, "dep").kv_replication == 1.0
    assert make_layout(m, g, 8, "tp_ep").kv_replication == 8.0
    per_seq = kv_layout(m, "bf16").bytes_for_context(1000)
    assert per_seq == 61 * 576 * 2 * 1000  # 70,272 B per token in BF16
    w = weight_bytes(m, "fp8")
    wd = weights_per_gpu(w.non_expert, w.routed_experts, make_layout(m, g, 8, "dep"))
    f = fit(m, g, 8, "fp8", 1000, "bf16", kv_replication=1.0, weights_per_gpu=wd)
    free = f.capacity_bytes_per_gpu - wd - f.reserve.total
    assert f.max_concurrency == (free * 8) // per_seq


def test_communication_bytes_per_step(cat):
    m, g = cat.models["qwen3-235b-a22b"], cat.gpus["h200"]
    h, k, L, Lm = m.hidden_size, m.num_experts_per_tok, m.num_hidden_layers, m.moe_layers
    b = 64
    # TP8: two all-reduces per layer of b x h bf16, 2(n-1)/n of it per GPU.
    tp_bytes, tp_coll = comm_bytes_per_gpu(m, make_layout(m, g, 8, "tp"), b)
    assert tp_bytes == pytest.approx(2 * L * 2 * 7 / 8 * b * h * 2)
    assert tp_coll == 2 * L
    # Attention TP + EP: the same all-reduces, no all-to-all of the whole batch.
    assert comm_bytes_per_gpu(m, make_layout(m, g, 8, "tp_ep"), b)[0] == pytest.approx(tp_bytes)
    # DEP: dispatch + combine of the rank's own b/8 tokens x top-k, (n-1)/n leaves the GPU, MoE layers only.
    dep_bytes, _ = comm_bytes_per_gpu(m, make_layout(m, g, 8, "dep"), b)
    assert dep_bytes == pytest.approx(2 * Lm * 7 / 8 * min(b / 8 * k * h * 2, b * h * 2))


def test_layout_search_and_pinning():
    e = api.estimate("deepseek-r1", "h200", 8, "fp8", 1024, 256)
    assert e.layout in ("tp", "tp_ep", "dep") and e.engine == "trtllm"
    assert {name for name, _ in e.layouts_tried} == {"tp", "tp_ep", "dep"}
    pinned = api.estimate("deepseek-r1", "h200", 8, "fp8", 1024, 256, layout="tp")
    assert pinned.layout == "tp" and pinned.output_tokens_per_s <= e.output_tokens_per_s
    dense = api.estimate("llama-3.3-70b", "h200", 2, "fp8")
    assert dense.layout == "tp"
    from advisor.errors import AdvisorError

    with pytest.raises(AdvisorError, match="layout"):
        api.estimate("llama-3.3-70b", "h200", 2, "fp8", layout="dep")


def test_engine_defaults_and_switch(cat):
    assert set(cat.engines) == {"trtllm", "vllm", "sglang"}
    trt, vllm, sgl = cat.engines["trtllm"], cat.engines["vllm"], cat.engines["sglang"]
    assert trt.memory.policy == "free_fraction" and trt.memory.kv_cache_fraction == 0.9
    assert vllm.memory.policy == "total_fraction" and vllm.memory.kv_cache_fraction == 0.9
    assert sgl.memory.policy == "total_fraction"
    assert vllm.efficiency.max_batch == 1024
    assert default_engine(cat, cat.gpus["h100-sxm"]).id == "trtllm"
    assert default_engine(cat, cat.gpus["mi300x"]).id == "vllm"
    assert [p.id for p in engines_for(cat, cat.gpus["mi300x"])] == ["vllm", "sglang"]
    assert [p.id for p in engines_for(cat, cat.gpus["h200"], allowed=("sglang",))] == ["sglang"]
    pairs = deployments(cat, cat.models["deepseek-r1"], cat.gpus["h200"], 8, "fp8")
    assert ("trtllm", "dep") in {(p.id, lay.layout) for p, lay in pairs}
    assert api.estimate("llama-3.3-70b", "mi300x", 1, "fp8").engine == "vllm"


def test_user_engine_switch(tmp_path):
    from advisor.catalog.load import load_catalog
    from advisor.common.paths import bundled_catalog_dir

    (tmp_path / "engine.toml").write_text('catalog = "engine"\nschema_version = 1\nengine = "vllm"\n')
    cat = load_catalog(bundled=bundled_catalog_dir(), user=tmp_path)
    assert cat.engine.id == "vllm" and not cat.problems


def test_ranking_call_with_the_default_profile_still_works(cat):
    e = estimate_for(cat.models["mixtral-8x7b"], cat.gpus["h100-sxm"], 2, "fp8", 1024, 256, "fp8", None, engine=cat.engine)
    assert e.fits and e.output_tokens_per_s > 0 and e.engine == "trtllm"


def test_fp4_is_nvfp4_on_nvidia_and_mxfp4_elsewhere():
    assert scheme("nvfp4").linear.bytes_per_param == 0.5625
    assert scheme("mxfp4").linear.bytes_per_param == 0.53125
    assert resolve_precision("fp4", "nvidia") == "nvfp4"
    assert resolve_precision("fp4", "amd") == "mxfp4"
    e = api.estimate("llama-3.3-70b", "b200", 1, "fp4")
    assert e.fit.weights_bytes_per_gpu == weight_bytes(api.catalog().model("llama-3.3-70b"), "nvfp4").total


def test_single_stream_floor_is_not_optimistic():
    # Published: DeepSeek-R1 on 8x H200 (vLLM, TP8) at 4 concurrent requests: 51.7 tok/s per user.
    one = api.estimate("deepseek-r1", "h200", 8, "fp8", 228, 213, kv_precision="bf16", engine="vllm", layout="tp", tpot_limit_ms=1e-3)
    assert 1000 / one.tpot_ms < 120
    # The per-MoE-layer floor makes a small MoE far slower per stream than its active bytes alone suggest.
    q = api.estimate("qwen3-30b-a3b", "h100-sxm", 1, "bf16", 1024, 256, tpot_limit_ms=1e-3)
    assert 1000 / q.tpot_ms < 300
    assert q.step.overhead_s > 0.3 * q.step.total_s
