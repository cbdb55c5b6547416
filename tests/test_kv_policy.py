"""What an engine allocates for windowed layers' KV (advisor.physics.kv_policy), beside the architecture-exact
sizing: hand-checked bytes for Llama 4 Maverick's chunked layers and gpt-oss's sliding layers under each policy, the
engines' recorded defaults, and the estimate admitting sequences at what the engine allocates (not what it reads)."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest

from advisor import api
from advisor.catalog.schema import build_engine_profiles
from advisor.errors import CatalogError, InputError
from advisor.physics.kv_policy import resolve
from advisor.physics.performance import estimate_for
from advisor.physics.sizing import kv_layout

ENGINE_TOML = Path(__file__).resolve().parent.parent / "catalogs" / "engine.toml"
CTX = 22_000


@pytest.fixture(scope="module")
def cat():
    return api.catalog()


def _bytes(cat, model, engine, **kw):
    m, alloc = resolve(cat.models[model], cat.engines[engine], **kw)
    return alloc.layout(m, "bf16").bytes_for_context(CTX)


def test_maverick_at_22000_tokens_full_versus_chunked(cat):
    # BF16 KV: 2 (K, V) x 8 KV heads x head_dim 128 x 2 B = 4,096 B per layer per token; 48 layers, 36 chunked (8,192).
    per = 2 * 8 * 128 * 2
    chunked = 12 * per * CTX + 36 * per * 8192
    full = 48 * per * CTX
    assert (chunked, full) == (2_289_303_552, 4_325_376_000)  # 2.29 GB vs 4.33 GB a sequence: 1.89x
    assert _bytes(cat, "llama-4-maverick", "vllm") == chunked  # vLLM >= 0.14: one chunk
    assert _bytes(cat, "llama-4-maverick", "trtllm") == full  # context-only chunked attention
    assert _bytes(cat, "llama-4-maverick", "sglang") == full  # hybrid_kvcache_ratio None by default
    assert _bytes(cat, "llama-4-maverick", "vllm", chunked_kv="full") == full  # vLLM 0.10.1-0.13.0
    # `moe-advisor size` stays architectural
    assert kv_layout(cat.models["llama-4-maverick"], "bf16").bytes_for_context(CTX) == chunked


def test_gpt_oss_at_22000_tokens_window_pool_and_full(cat):
    # 2 x 8 KV heads x head_dim 64 x 2 B = 2,048 B per layer per token; 18 full layers, 18 with a 128-token window.
    per = 2 * 8 * 64 * 2
    full_layers = 18 * per * CTX
    window = full_layers + 18 * per * 128
    pool = full_layers + 18 * per * 17_600  # SGLang: 0.8 pool tokens per full-layer token
    full = 36 * per * CTX
    assert _bytes(cat, "gpt-oss-120b", "vllm") == window
    assert _bytes(cat, "gpt-oss-120b", "sglang") == pool
    assert _bytes(cat, "gpt-oss-120b", "trtllm") == full
    assert _bytes(cat, "gpt-oss-120b", "vllm", sliding_kv="full") == full
    # below the window every policy holds the same
    m, alloc = resolve(cat.models["gpt-oss-120b"], cat.engines["trtllm"])
    assert alloc.layout(m, "bf16").bytes_for_context(100) == kv_layout(m, "bf16").bytes_for_context(100) == 36 * per * 100


def test_engine_defaults_and_their_sources(cat):
    got = {e: (p.sliding_window_kv("gpt-oss-120b"), p.sliding_window_kv("gemma-3-27b")) for e, p in cat.engines.items()}
    assert got == {"trtllm": ("full", "full"), "vllm": ("window", "window"), "sglang": ("pool", "full")}
    for p in cat.engines.values():
        assert p.sliding_window.source.startswith("https://github.com/")
    assert cat.engines["sglang"].sliding_window.pool_ratio == 0.8


def test_estimate_admits_at_what_the_engine_allocates_and_reads_the_window(cat):
    m, g, trt = cat.models["gpt-oss-120b"], cat.gpus["h100-sxm"], cat.engines["trtllm"]

    def run(sliding, **kw):
        return estimate_for(m, g, 1, "mxfp4-experts", 8000, 1000, engine=trt, layout="tp", sliding_kv=sliding, **kw)

    full, window = run(None), run("window")
    assert full.kv_bytes_for_context > 1.9 * window.kv_bytes_for_context
    assert full.max_concurrency < 0.55 * window.max_concurrency and full.batch < window.batch
    assert "whole context" in full.kv_policy and "128-token window" in window.kv_policy
    # one stream: the same decode reads (the kernel reads the window whatever the engine holds)
    assert run(None, concurrency=1).tpot_ms == pytest.approx(run("window", concurrency=1).tpot_ms)
    with pytest.raises(InputError):
        run("sometimes")


def test_a_model_without_windowed_layers_has_no_policy_line(cat):
    e = estimate_for(cat.models["llama-3.3-70b"], cat.gpus["h100-sxm"], 2, "fp8", 1000, 200, engine=cat.engines["trtllm"])
    assert e.kv_policy == ""


@pytest.mark.parametrize("key,value,field", [
    ("kv", "half", "kv"),
    ("pool_ratio", 1.5, "pool_ratio"),
    ("full_for", "gemma-3-27b", "full_for"),
    ("window_tokens", 128, "window_tokens"),
])
def test_schema_rejects_bad_sliding_window_tables(key, value, field):
    raw = copy.deepcopy(tomllib.loads(ENGINE_TOML.read_text()))
    raw["engines"]["sglang"]["sliding_window"][key] = value
    with pytest.raises(CatalogError) as exc:
        build_engine_profiles(raw, "engine.toml")
    assert field in str(exc.value) and "sliding_window" in str(exc.value)


def test_schema_needs_a_pool_ratio_for_a_pool():
    raw = copy.deepcopy(tomllib.loads(ENGINE_TOML.read_text()))
    del raw["engines"]["sglang"]["sliding_window"]["pool_ratio"]
    with pytest.raises(CatalogError):
        build_engine_profiles(raw, "engine.toml")
