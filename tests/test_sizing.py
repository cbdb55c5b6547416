"""Architecture-exact sizing: published counts, exact KV figures, precision bytes, fit."""

from __future__ import annotations

import pytest

from advisor import api
from advisor.physics.sizing import fit, kv_layout, param_breakdown, weight_bytes

# Publishers that round to one significant figure: compare at that precision instead of 2%.
ROUNDED_TOTALS = {"kimi-k2": 0.05, "phi-4": 0.05}  # published as "1T" / "14B"; the configs give 1.026T / 14.66B
ROUNDED_ACTIVES = {"phi-4": 0.05, "qwen3.5-397b-a17b": 0.03}  # "14B"; "17B" is the name's two-figure rounding of 17.35B


def test_llama_3_3_70b_kv_is_327680_bytes_per_token_in_bf16():
    s = api.size("llama-3.3-70b", "bf16", context_tokens=1, kv_precision="bf16")
    assert s.kv_bytes_per_token == 327_680  # 80 layers x 2 x 8 kv heads x 128 x 2 B
    assert s.kv_bytes(1000) == 327_680_000


def test_deepseek_v3_mla_kv_is_70272_bytes_per_token():
    s = api.size("deepseek-v3", "fp8", context_tokens=4096)
    assert s.kv_bytes_per_token == 70_272  # 61 layers x (512 + 64) x 2 B
    assert s.kv_bytes_for_context == 70_272 * 4096
    assert api.size("deepseek-v3", kv_precision="fp8").kv_bytes_per_token == 35_136


def test_mixtral_8x22b_bf16_checkpoint_bytes():
    s = api.size("mixtral-8x22b", "bf16")
    assert s.weights_bytes == pytest.approx(281_241_268_224, rel=0.005)


@pytest.mark.parametrize("model_id", [
    "mixtral-8x7b", "mixtral-8x22b", "deepseek-v3", "deepseek-r1", "kimi-k2", "llama-4-scout", "llama-4-maverick",
    "qwen3-30b-a3b", "qwen3-235b-a22b", "gpt-oss-20b", "gpt-oss-120b", "dbrx", "llama-3.1-8b", "llama-3.3-70b",
    "llama-3.1-405b", "qwen2.5-72b", "gemma-3-27b", "mistral-large-2",
    "qwen3.5-397b-a17b", "qwen3.6-35b-a3b", "gemma-4-26b-a4b", "phi-4",
])
def test_required_models_match_published_counts(cat, model_id):
    m = cat.model(model_id)
    s = api.size(model_id)
    assert m.published_total_params > 0, "every required model has a published total"
    assert s.total_params == pytest.approx(m.published_total_params, rel=ROUNDED_TOTALS.get(model_id, 0.02))
    if m.published_active_params:
        assert s.active_params == pytest.approx(m.published_active_params, rel=ROUNDED_ACTIVES.get(model_id, 0.02))
    assert s.architecture == ("moe" if m.n_routed_experts else "dense")


def test_every_catalog_model_has_a_source_and_date(cat):
    for m in cat.models.values():
        assert m.source.strip() and m.as_of.strip(), m.id


def test_gpt_oss_active_counts_exclude_the_embedding_like_openai():
    # OpenAI: 116.83B total, 5.13B active (embedding lookup not counted; unembedding is).
    s = api.size("gpt-oss-120b")
    assert s.active_params == pytest.approx(5.13e9, rel=0.01)
    assert s.params.active_with_embedding - s.active_params == s.params.embedding


def test_sliding_window_layers_cap_the_kv_cache(cat):
    m = cat.model("gpt-oss-120b")  # 18 full layers + 18 sliding (window 128)
    layout = kv_layout(m, "bf16")
    per_layer = 2 * 8 * 64 * 2
    assert layout.bytes_per_token_full == 18 * per_layer
    assert layout.bytes_for_context(100_000) == 18 * per_layer * 100_000 + 18 * per_layer * 128
    # Below the window every layer grows.
    assert layout.bytes_for_context(100) == 36 * per_layer * 100


def test_gemma3_sliding_window_and_llama4_chunked_attention(cat):
    g = kv_layout(cat.model("gemma-3-27b"), "bf16")
    per = 2 * 16 * 128 * 2
    assert g.bytes_for_context(131_072) == 10 * per * 131_072 + 52 * per * 1024
    l4 = kv_layout(cat.model("llama-4-maverick"), "bf16")
    per = 2 * 8 * 128 * 2
    assert l4.bytes_for_context(1_000_000) == 12 * per * 1_000_000 + 36 * per * 8192


def test_kv_cache_ignoring_windows_would_overestimate(cat):
    m = cat.model("gemma-3-27b")
    naive = 2 * 16 * 128 * 2 * m.num_hidden_layers * 131_072
    real = kv_layout(m, "bf16").bytes_for_context(131_072)
    assert real < 0.2 * naive


def test_precision_bytes_per_component(cat):
    m = cat.model("gpt-oss-120b")
    p = param_breakdown(m)
    w = weight_bytes(m, "mxfp4-experts")
    assert w.routed_experts == round(p.routed_experts * (0.5 + 1 / 32))  # MXFP4: 4-bit + E8M0 scale per 32
    assert w.non_expert == round(p.non_expert * 2)
    # Native gpt-oss-120b checkpoint is about 61 GiB; bf16 would be about four times the experts.
    assert 60e9 < w.total < 70e9
    bf16 = weight_bytes(m, "bf16").total
    fp8 = weight_bytes(m, "fp8").total
    int4 = weight_bytes(m, "int4").total
    assert bf16 > fp8 > int4
    # Embeddings and head stay bf16 in quantised schemes.
    assert weight_bytes(m, "int4").embedding_and_head == (p.embedding + p.lm_head) * 2


def test_fit_reports_shortfall_and_capacity(cat):
    m = cat.model("llama-4-maverick")
    f = fit(m, cat.gpu("h100-sxm"), 4, "fp8", 8192, "fp8")
    assert not f.fits
    weights = weight_bytes(m, "fp8").total
    assert f.shortfall_bytes >= weights / 4 - cat.gpu("h100-sxm").memory_bytes
    ok = fit(m, cat.gpu("h100-sxm"), 8, "fp8", 8192, "fp8")
    assert ok.fits and ok.max_concurrency > 50
    assert ok.kv_capacity_bytes == pytest.approx(
        8 * (ok.capacity_bytes_per_gpu - ok.weights_bytes_per_gpu - ok.reserve.total), rel=1e-6)


def test_mla_latent_is_replicated_across_tensor_parallel_ranks(cat):
    m = cat.model("deepseek-v3")
    g = cat.gpu("h200")
    one_copy = fit(m, g, 8, "fp8", 8192, "bf16", kv_replication=1.0)
    replicated = fit(m, g, 8, "fp8", 8192, "bf16", kv_replication=8.0)
    assert replicated.max_concurrency == pytest.approx(one_copy.max_concurrency / 8, abs=1)


def test_longer_context_never_needs_less_kv(cat):
    for m in cat.models.values():
        layout = kv_layout(m, "bf16")
        sizes = [layout.bytes_for_context(n) for n in (0, 1, 128, 1024, 8192, 65_536, 1_000_000)]
        assert sizes == sorted(sizes), m.id


def test_linear_attention_layers_cache_no_kv_and_keep_a_constant_state(cat):
    m = cat.model("qwen3.5-397b-a17b")  # 45 Gated DeltaNet + 15 full-attention layers
    assert m.full_attention_layers == 15
    layout = kv_layout(m, "bf16")
    per_layer = 2 * 2 * 256 * 2  # K,V x 2 kv heads x head_dim 256 x 2 B
    assert layout.bytes_per_token_full == 15 * per_layer
    state = 64 * 128 * 128 * 4 + 3 * (2 * 16 * 128 + 64 * 128) * 2  # fp32 recurrent state + bf16 conv window
    assert m.linear_state_bytes_per_layer == state
    assert layout.bytes_for_context(1) == 15 * per_layer + 45 * state
    # The state does not grow with the context: only the 15 full layers do.
    assert layout.bytes_for_context(200_001) - layout.bytes_for_context(100_001) == 15 * per_layer * 100_000
