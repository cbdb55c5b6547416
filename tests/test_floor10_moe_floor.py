"""vLLM's fixed time per MoE layer (advisor.physics.floor): where it applies, how much, and that the fit reproduces it."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import pytest

from advisor.catalog.load import load_catalog
from advisor.physics import calibration
from advisor.physics.floor import VLLM_MOE_LAYER_US, moe_layer_us, triton_moe_path
from advisor.physics.performance import estimate_for

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def cat():
    return load_catalog()


def _without(profile):
    return dataclasses.replace(profile, efficiency=dataclasses.replace(profile.efficiency, moe_layer_overhead_us=0.0))


def _step_s(cat, profile, model, gpu, gpus, precision):
    est = estimate_for(cat.models[model], cat.gpus[gpu], gpus, precision, 1000, 200, engine=profile, layout="tp", concurrency=1)
    return est.step.total_s


def test_catalog_carries_the_fitted_value_for_vllm_only(cat):
    assert cat.engines["vllm"].efficiency.moe_layer_overhead_us == VLLM_MOE_LAYER_US == 50.0
    assert cat.engines["trtllm"].efficiency.moe_layer_overhead_us == 0.0
    assert cat.engines["sglang"].efficiency.moe_layer_overhead_us == 0.0


def test_deepseek_r1_step_grows_by_58_moe_layers_times_50_us(cat):
    # DeepSeek-R1: 61 layers, the first 3 dense -> 58 MoE layers; engine speed 1.0: 58 x 50 us = 2.9 ms a step
    vllm = cat.engines["vllm"]
    assert cat.models["deepseek-r1"].moe_layers == 58 and vllm.efficiency.engine_speed == 1.0
    diff = _step_s(cat, vllm, "deepseek-r1", "h200", 8, "fp8") - _step_s(cat, _without(vllm), "deepseek-r1", "h200", 8, "fp8")
    assert diff == pytest.approx(58 * 50e-6, rel=1e-9)


def test_gpt_oss_pays_it_on_h100_triton_and_a100_marlin(cat):
    vllm = cat.engines["vllm"]
    h100 = _step_s(cat, vllm, "gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts") - _step_s(cat, _without(vllm), "gpt-oss-120b", "h100-sxm", 1, "mxfp4-experts")
    assert h100 == pytest.approx(36 * 50e-6, rel=1e-9)  # 36 MoE layers
    a100 = _step_s(cat, vllm, "gpt-oss-120b", "a100-80gb", 1, "mxfp4-experts") - _step_s(cat, _without(vllm), "gpt-oss-120b", "a100-80gb", 1, "mxfp4-experts")
    assert a100 == pytest.approx(36 * 50e-6, rel=1e-9)  # Marlin path too since the weight-only expert term


def test_dense_models_and_other_engines_are_unchanged(cat):
    vllm = cat.engines["vllm"]
    assert _step_s(cat, vllm, "llama-3.1-8b", "h100-sxm", 1, "bf16") == _step_s(cat, _without(vllm), "llama-3.1-8b", "h100-sxm", 1, "bf16")
    sgl = cat.engines["sglang"]
    assert _step_s(cat, sgl, "deepseek-r1", "b200", 8, "fp8") == _step_s(cat, _without(sgl), "deepseek-r1", "b200", 8, "fp8")


def test_triton_path_truth_table(cat):
    a100, h100 = cat.gpus["a100-80gb"], cat.gpus["h100-sxm"]
    assert triton_moe_path(h100, "fp8") and triton_moe_path(h100, "mxfp4-experts") and triton_moe_path(h100, "bf16")
    assert triton_moe_path(a100, "bf16")  # BF16 experts: Triton fused MoE on Ampere too
    assert not triton_moe_path(a100, "fp8") and not triton_moe_path(a100, "mxfp4-experts")  # weight-only Marlin
    assert moe_layer_us(35.0, a100, "fp8") == 35.0 and moe_layer_us(35.0, h100, "fp8") == 35.0


def test_a_global_profile_keeps_vllms_own_value(cat):
    # the fit builds every engine on the reference engine's global factors: vLLM's own MoE-layer time must survive it
    profiles = calibration.profiles_with(cat, cat.engine)
    assert profiles["vllm"].efficiency.moe_layer_overhead_us == VLLM_MOE_LAYER_US
    assert profiles["trtllm"].efficiency.moe_layer_overhead_us == 0.0


def test_fit_script_reproduces_the_catalog_value(cat):
    spec = importlib.util.spec_from_file_location("fit_moe_floor", ROOT / "scripts" / "fit_moe_floor.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rows, _ = calibration.load_rows()
    best, info = mod.fit(cat, rows)
    assert best == VLLM_MOE_LAYER_US
    low = info["runs"][0.0].subset(ids=info["low_ids"]).median_abs_error
    assert info["runs"][best].subset(ids=info["low_ids"]).median_abs_error < low
