"""Engine profiles say what each engine supports: precisions by GPU capability (TensorRT-LLM needs FP8 tensor
cores for FP8, vLLM serves FP8 weight-only on Ampere), the chunked-attention KV policy the estimate uses when the
caller names none, the ranking's engine choice, and the deploy files naming the published checkpoint."""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from pathlib import Path

import pytest

from advisor import api
from advisor.catalog.schema import build_engine_profiles
from advisor.deploy.plan import plan_for
from advisor.deploy.skypilot import render
from advisor.errors import CatalogError
from advisor.physics.engines import engine_profile, engines_for, precision_rejection, precision_support
from advisor.physics.performance import estimate_for, peak_flops

ENGINE_TOML = Path(__file__).resolve().parent.parent / "catalogs" / "engine.toml"


@pytest.fixture(scope="module")
def cat():
    return api.catalog()


def _ids(profiles):
    return [p.id for p in profiles]


def test_catalog_records_hardware_needs_and_chunked_policy_with_sources(cat):
    for eid, p in cat.engines.items():
        assert p.hardware is not None and p.hardware.source.startswith("https://") and p.hardware.as_of, eid
        assert p.chunked_attention is not None and p.chunked_attention.source.startswith("https://"), eid
    assert cat.engines["trtllm"].precision_need("fp8") == "native"
    assert cat.engines["vllm"].precision_need("fp8") == "weight-only"
    assert {e: p.chunked_attention_kv for e, p in cat.engines.items()} == {"trtllm": "full", "vllm": "chunked", "sglang": "full"}


def test_fp8_on_ampere_is_served_weight_only_by_vllm_and_not_by_tensorrt_llm(cat):
    a100, h100 = cat.gpus["a100-80gb"], cat.gpus["h100-sxm"]
    assert not a100.fp8_tflops and h100.fp8_tflops  # the capability the rule reads
    trt, vllm = cat.engines["trtllm"], cat.engines["vllm"]
    assert precision_support(trt, a100, "fp8") == ""
    assert precision_support(trt, h100, "fp8") == "native"
    assert precision_support(vllm, a100, "fp8") == "weight-only"
    assert precision_support(trt, a100, "bf16") == "native"
    assert "trtllm" not in _ids(engines_for(cat, a100, precision="fp8"))
    assert "vllm" in _ids(engines_for(cat, a100, precision="fp8"))
    assert "trtllm" in _ids(engines_for(cat, h100, precision="fp8"))
    # without a precision, the profiles come narrowed to what they serve on this GPU (the ranking's serves() check)
    on_a100 = {p.id: p for p in engines_for(cat, a100)}
    assert not on_a100["trtllm"].serves("fp8") and on_a100["trtllm"].serves("bf16") and on_a100["vllm"].serves("fp8")


def test_fp4_needs_blackwell_on_tensorrt_llm(cat):
    trt = cat.engines["trtllm"]
    assert precision_support(trt, cat.gpus["h200"], "nvfp4") == ""
    assert precision_support(trt, cat.gpus["b200"], "nvfp4") == "native"


def test_no_allowed_engine_gives_a_reason_naming_engine_and_gpu(cat):
    a100 = cat.gpus["a100-80gb"]
    why = precision_rejection(cat, a100, "fp8", allowed=("trtllm",))
    assert "TensorRT-LLM" in why and "a100-80gb" in why and "FP8" in why
    assert precision_rejection(cat, a100, "fp8") == ""
    assert precision_rejection(cat, cat.gpus["h100-sxm"], "fp8", allowed=("trtllm",)) == ""


def test_weight_only_fp8_computes_at_the_bf16_rate_and_says_so(cat):
    m, a100 = cat.models["llama-3.3-70b"], cat.gpus["a100-80gb"]
    assert peak_flops(a100, "fp8") == peak_flops(a100, "bf16")
    e = estimate_for(m, a100, 2, "fp8", 2000, 500, engine=engine_profile(cat, a100, "vllm"))
    assert any("weight-only" in w and "BF16 rate" in w for w in e.warnings)
    h = estimate_for(m, cat.gpus["h100-sxm"], 2, "fp8", 2000, 500, engine=engine_profile(cat, cat.gpus["h100-sxm"], "vllm"))
    assert not any("weight-only" in w for w in h.warnings)


def test_api_estimate_warns_when_the_chosen_engine_cannot_serve_the_precision():
    e = api.estimate("llama-3.3-70b", "a100-80gb", 2, "fp8", engine="trtllm")
    assert any("TensorRT-LLM needs FP8 tensor cores" in w for w in e.warnings)
    assert not any("needs FP8" in w for w in api.estimate("llama-3.3-70b", "a100-80gb", 2, "fp8", engine="vllm").warnings)


def test_chunked_kv_defaults_to_the_engine_policy_and_explicit_values_win(cat):
    m, g = cat.models["llama-4-maverick"], cat.gpus["h200"]
    args = (m, g, 8, "fp8", 60000, 1000)
    trt, vllm = engine_profile(cat, g, "trtllm"), engine_profile(cat, g, "vllm")
    full = estimate_for(*args, engine=trt, chunked_kv="full")
    chunked = estimate_for(*args, engine=trt, chunked_kv="chunked")
    assert full.kv_bytes_for_context > chunked.kv_bytes_for_context  # the policy matters at 61K tokens
    assert estimate_for(*args, engine=trt).kv_bytes_for_context == full.kv_bytes_for_context
    assert estimate_for(*args, engine=vllm).kv_bytes_for_context == estimate_for(*args, engine=vllm, chunked_kv="chunked").kv_bytes_for_context
    assert estimate_for(*args, engine=vllm, chunked_kv="full").kv_bytes_for_context == full.kv_bytes_for_context


def _raw():
    return tomllib.loads(ENGINE_TOML.read_text())


@pytest.mark.parametrize("table,key,value,field", [
    ("hardware", "fp8", "sometimes", "fp8"),
    ("hardware", "source", "catalogs/local.html", "source"),
    ("hardware", "mxfp4", "native", "mxfp4"),  # trtllm does not list mxfp4
    ("chunked_attention", "kv", "half", "kv"),
    ("chunked_attention", "as_of", "last week", "as_of"),
])
def test_schema_rejects_bad_support_tables(table, key, value, field):
    raw = copy.deepcopy(_raw())
    raw["engines"]["trtllm"][table][key] = value
    with pytest.raises(CatalogError) as exc:
        build_engine_profiles(raw, "engine.toml")
    assert field in str(exc.value) and table in str(exc.value)


def test_ranking_never_puts_tensorrt_llm_on_fp8_without_fp8_tensor_cores():
    w = api.workload(models=["llama-3.3-70b"], gpu_types=["a100-80gb"], precisions=["fp8"], self_hosting="required")
    rec = api.recommend(w)
    assert rec.candidates and all(c.engine != "trtllm" for c in rec.candidates if c.deployment == "self-hosted")
    assert rec.assumptions["engines_used"] and "TensorRT-LLM" not in rec.assumptions["engines_used"]


def test_deploy_names_the_published_fp8_checkpoint(cat):
    w = api.workload(models=["llama-4-maverick"], gpu_types=["h200"], precisions=["fp8"], self_hosting="required")
    c = api.recommend(w).candidates[0]
    assert (c.model, c.precision) == ("llama-4-maverick", "fp8")
    assert plan_for(c, w, cat).repo == "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8"
    for target in ("vllm", "sglang", "trtllm"):
        script = render(c, w, cat, target)["serve.sh"]
        assert "meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8" in script, target
        assert "--quantization" not in script and "point the model at" not in script, target
    # a model without a published checkpoint of that precision keeps the hand-off note
    c2 = dataclasses.replace(c, model="mixtral-8x22b")
    assert plan_for(c2, w, cat).repo == cat.models["mixtral-8x22b"].hf_repo


def test_ranking_rejects_a_precision_no_allowed_engine_serves_on_the_gpu():
    w = api.workload(models=["llama-3.3-70b"], gpu_types=["a100-80gb"], precisions=["fp8"], engines=["trtllm"],
                     self_hosting="required")
    rec = api.recommend(w)
    assert not [c for c in rec.candidates if c.deployment == "self-hosted"]
    rej = [r for r in rec.rejected if r.reasons and r.reasons[0].code == "precision-unsupported"]
    assert rej and rej[0].gpu == "a100-80gb" and "TensorRT-LLM" in rej[0].reasons[0].message
