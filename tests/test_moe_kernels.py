"""Grouped-GEMM terms measured on kernel tables (advisor.physics.moe): the expert's width and the format's grouped
rate (NVFP4 on Blackwell, block-scaled FP8 on Hopper), and what they do to DeepSeek-R1 against Mixtral."""

from __future__ import annotations

import pytest

from advisor.physics import moe, performance
from advisor.physics.layouts import make_layout
from advisor.physics.performance import _Model
from advisor.runtime import default_catalog


@pytest.fixture(scope="module")
def cat():
    return default_catalog()


def test_shape_efficiency_is_width_over_width_plus_half():
    n_half = moe.EXPERT_N_HALF
    assert moe.expert_shape_efficiency(n_half) == pytest.approx(0.5)
    # DeepSeek-V3/R1 experts (2048) against Mixtral 8x7B's (14336) with N_half = 800: 0.719 vs 0.947
    assert moe.expert_shape_efficiency(2048, 800.0) == pytest.approx(2048 / 2848)
    assert moe.expert_shape_efficiency(14336, 800.0) == pytest.approx(14336 / 15136)
    assert moe.expert_shape_efficiency(768) < moe.expert_shape_efficiency(1536) < moe.expert_shape_efficiency(2048)
    assert moe.expert_shape_efficiency(0) == 1.0  # no expert width known: no penalty


def test_format_rate_only_for_fp4_on_blackwell_and_block_fp8_on_hopper():
    r = moe.GROUPED_FORMAT_RATE
    assert moe.grouped_format_rate("fp4", False, fp4_cores=True) == r["fp4"] < 1.0
    assert moe.grouped_format_rate("fp4", False, fp4_cores=False) == 1.0  # weight-only FP4 on Hopper: already the FP8 rate
    assert moe.grouped_format_rate("fp8", True, fp4_cores=False) == r["fp8_block_hopper"] < 1.0
    assert moe.grouped_format_rate("fp8", True, fp4_cores=True) == 1.0
    assert moe.grouped_format_rate("fp8", False, fp4_cores=False) == 1.0
    assert moe.grouped_format_rate("bf16", True, fp4_cores=False) == 1.0


def test_grouped_gemm_efficiency_multiplies_the_terms():
    # 0.85 x 64 / (64 / (0.5 x 0.6) + 32) = 54.4 / 245.33 = 0.2217
    assert moe.grouped_gemm_efficiency(64, 32.0, 0.85, 0.5, 0.6) == pytest.approx(0.22174, rel=1e-4)
    assert moe.grouped_gemm_efficiency(64, 32.0, 0.85) == pytest.approx(0.85 * 2 / 3)
    # saturates at eff_moe x shape x fmt; at a few tokens per expert the terms barely matter (per-expert part)
    assert moe.grouped_gemm_efficiency(1e9, 32.0, 0.85, 0.5, 0.6) == pytest.approx(0.85 * 0.3, rel=1e-6)
    assert moe.grouped_gemm_efficiency(0.5, 32.0, 0.85, 0.5, 0.6) > 0.95 * moe.grouped_gemm_efficiency(0.5, 32.0, 0.85)


def _model(cat, model, gpu, precision, layout="dep"):
    m, g = cat.models[model], cat.gpus[gpu]
    eng = cat.engines["trtllm"].for_vendor(g.vendor)
    return _Model(m, g, precision, "fp8", eng, make_layout(m, g, 8, layout), 804, 4043)


def test_block_scaled_fp8_is_the_vendors_own_fp8_checkpoint(cat):
    assert _model(cat, "deepseek-r1", "h200", "fp8").g_fmt == moe.GROUPED_FORMAT_RATE["fp8_block_hopper"]
    assert _model(cat, "deepseek-r1", "b200", "fp8").g_fmt == 1.0
    assert _model(cat, "deepseek-r1", "b200", "nvfp4").g_fmt == moe.GROUPED_FORMAT_RATE["fp4"]
    assert _model(cat, "mixtral-8x7b", "h200", "fp8", "tp_ep").g_fmt == 1.0  # ModelOpt FP8: per-tensor scales
    assert _model(cat, "deepseek-r1", "h200", "fp8").g_shape == pytest.approx(moe.expert_shape_efficiency(2048))


def _moe_s(cat, monkeypatch, model, gpu, precision, batch, layout="dep", old=False):
    if old:
        monkeypatch.setattr(performance, "expert_shape_efficiency", lambda n: 1.0)
        monkeypatch.setattr(performance, "grouped_format_rate", lambda *a: 1.0)
    s = _model(cat, model, gpu, precision, layout).step(batch).moe_s
    monkeypatch.undo()
    return s


def test_deepseek_expert_time_on_b200_nvfp4_exceeds_the_old_term(cat, monkeypatch):
    # attention DP8 + EP8 at 700 sequences per rank (~175 routed tokens per expert): the grouped GEMMs are
    # compute-bound, so the expert time grows by about 1 / (shape x format) = 1 / (0.72 x 0.6) less the permute bytes
    new = _moe_s(cat, monkeypatch, "deepseek-r1", "b200", "nvfp4", 5600)
    old = _moe_s(cat, monkeypatch, "deepseek-r1", "b200", "nvfp4", 5600, old=True)
    assert new > 1.8 * old
    # one sequence per rank reads experts from HBM: bandwidth-bound, the new terms change nothing
    assert _moe_s(cat, monkeypatch, "deepseek-r1", "b200", "nvfp4", 8) == pytest.approx(
        _moe_s(cat, monkeypatch, "deepseek-r1", "b200", "nvfp4", 8, old=True))


def test_mixtral_control_moves_only_by_its_width_term(cat, monkeypatch):
    new = _moe_s(cat, monkeypatch, "mixtral-8x7b", "h200", "fp8", 1024, layout="tp_ep")
    old = _moe_s(cat, monkeypatch, "mixtral-8x7b", "h200", "fp8", 1024, layout="tp_ep", old=True)
    assert old <= new <= old / moe.expert_shape_efficiency(14336) + 1e-12


def test_ep_compute_load_floor_and_binomial():
    f = moe.EP_ROUTING_FLOOR
    assert moe.ep_compute_load(10_000, 1) == 1.0  # no expert parallelism
    # 32,768 routed pairs over 8 ranks: binomial 1 + sqrt(2 ln 8 / 4096) = 1.032, the floor wins
    assert moe.ep_max_load(32_768, 8) == pytest.approx(1.0 + (2 * 0.6931471805599453 * 3 / 4096) ** 0.5)
    assert moe.ep_compute_load(32_768, 8) == f
    # 16 pairs over 8 ranks: 1 + sqrt(2 ln 8 / 2) = 2.442 > floor
    assert moe.ep_compute_load(16, 8) == pytest.approx(1.0 + (2 * 0.6931471805599453 * 3 / 2) ** 0.5)
    assert moe.ep_compute_load(32_768, 8, floor=9.0) == 8.0  # capped at the rank count
    assert moe.ep_compute_load(32_768, 8, floor=1.0) == moe.ep_max_load(32_768, 8)


def test_routing_floor_slows_compute_bound_ep_steps_only(cat, monkeypatch):
    m, g = cat.models["deepseek-r1"], cat.gpus["b200"]
    eng = cat.engines["trtllm"]
    lay = make_layout(m, g, 8, "dep")
    model = _Model(m, g, "nvfp4", "fp8", eng, lay, 804, 4043)
    big, small = model.step(3072), model.step(8)
    monkeypatch.setattr(performance, "ep_compute_load",
                        lambda pairs, ranks, imbalance=1.0: moe.ep_compute_load(pairs, ranks, imbalance, floor=1.0))
    plain = _Model(m, g, "nvfp4", "fp8", eng, lay, 804, 4043)
    assert plain.step(8).total_s == pytest.approx(small.total_s)  # memory-bound: the floor does not show
    # compute-bound at 384 per rank: the expert GEMMs take (1.45 - load) / load longer, the rest is unchanged
    assert big.moe_s > plain.step(3072).moe_s * 1.2
    assert big.comm_s == pytest.approx(plain.step(3072).comm_s)
