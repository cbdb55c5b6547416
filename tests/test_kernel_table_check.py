"""The estimate against the per-operation decode step composed from aiconfigurator-core 0.12.0's TensorRT-LLM tables
(scripts/kernel_table_check.py; runs recorded in docs/measurements/): the split of the estimate's step, and the
routing floor's dependence on the expert-parallel rank count the tables show."""

import json
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

from advisor.physics import moe, performance

ROOT = Path(__file__).resolve().parents[1]
RUNS = {d: ROOT / "docs" / "measurements" / f"kernel-table-check-2026-12-04-{d}.json" for d in ("balanced", "power-law")}


@pytest.fixture(scope="module")
def ktc():
    return SimpleNamespace(**runpy.run_path(str(ROOT / "scripts" / "kernel_table_check.py")))


def _recorded(dist: str, case_prefix: str) -> dict:
    rows = json.loads(RUNS[dist].read_text())["rows"]
    return next(r for r in rows if r["case"].startswith(case_prefix))


def test_op_names_fall_into_the_estimates_parts(ktc):
    c = ktc._category
    assert c("generation_qkv_gemm") == c("generation_swa_dense_gate_up_gemm") == c("generation_router_gemm") == "dense GEMMs"
    assert c("generation_attention") == "attention"
    assert c("generation_moe") == c("generation_global_moe") == "experts"
    assert c("generation_moe_pre_dispatch") == c("generation_ar_1") == c("generation_embedding_ar") == "comm"
    assert c("generation_add_norm_1") == c("generation_global_moe_norm") == c("generation_act_gate") == "other"


def test_estimate_split_adds_up_to_the_step(ktc):
    # estimate_parts raises when its parts stop adding up to _Model.step_s (the split mirrors _stage)
    p = ktc.estimate_parts("qwen3-235b-a22b", "h200", 8, "fp8", "dep", 1024, 1024)
    assert p["layout"] == "dep" and p["dp"] == 8 and p["ep"] == 8
    assert all(v >= 0 for v in p["parts"].values()) and p["parts"]["experts"] > 0 and p["parts"]["comm"] > 0
    # the prefill chunk (8,192 tokens per rank): no KV read, and the same split
    assert sum(p["prefill_parts"].values()) == pytest.approx(p["prefill_ms"], rel=1e-3)
    assert p["prefill_tokens_per_rank"] == 8192 and p["prefill_parts"]["experts"] > 0
    dense = ktc.estimate_parts("llama-3.3-70b", "h200", 2, "fp8", "tp", 1000, 1000)
    assert dense["parts"]["experts"] == pytest.approx(0.0, abs=1e-9)


def test_routing_floor_grows_with_log_of_rank_count():
    f = moe.ep_routing_floor
    assert f(1) == 1.0
    assert f(8) == pytest.approx(moe.EP_ROUTING_FLOOR)
    # the tables' power-law / balanced medians at > 4k tokens: EP2 1.17, EP4 1.29, EP8 1.47, EP16 1.71
    for ranks, measured in ((2, 1.17), (4, 1.29), (8, 1.47), (16, 1.71)):
        assert f(ranks) == pytest.approx(measured, rel=0.07)
    assert f(2) < f(4) < f(8) < f(16)
    assert moe.ep_compute_load(1e6, 2) == pytest.approx(f(2))  # the default floor is the rank count's
    assert moe.ep_compute_load(1e6, 4, floor=1.45) == pytest.approx(1.45)


def test_ep2_experts_against_recorded_tables(ktc, monkeypatch):
    """Qwen3-30B-A3B on 2x H200 (attention TP2 + EP2) at the estimate's batch: with the EP8 floor (1.45) on two ranks
    its experts took 1.6x the tables' power-law time; with the rank count's floor (1.15) within 1.35x."""
    rec = _recorded("power-law", "qwen3-30b-a3b 2xh200 fp8 tp_ep")
    now = ktc.estimate_parts("qwen3-30b-a3b", "h200", 2, "fp8", "tp_ep", 1024, 1024)
    assert now["batch"] == rec["batch"]
    assert now["parts"]["experts"] / rec["tables_ms"]["experts"] < 1.35
    monkeypatch.setattr(performance, "ep_compute_load",
                        lambda pairs, ranks, imbalance=1.0: moe.ep_compute_load(pairs, ranks, imbalance, floor=1.45))
    performance._base.cache_clear()
    old = ktc.estimate_parts("qwen3-30b-a3b", "h200", 2, "fp8", "tp_ep", 1024, 1024, batch=rec["batch"])
    assert old["parts"]["experts"] / rec["tables_ms"]["experts"] > 1.5


@pytest.mark.parametrize("case,gpu", [("qwen3-30b-a3b 1xh100-sxm fp8 tp 1024/1024", "h100-sxm"),
                                      ("qwen3-30b-a3b 1xh200 fp8 tp 1024/1024", "h200")])
def test_narrow_experts_match_the_tables_without_expert_parallelism(ktc, case, gpu):
    """Qwen3-30B's 768-wide experts on one Hopper GPU: the estimate's expert time within 15% of the fused-MoE tables
    (balanced routing), so the width term N / (N + 800) is not contradicted at the batch the estimate picks."""
    rec = _recorded("balanced", case)
    now = ktc.estimate_parts("qwen3-30b-a3b", gpu, 1, "fp8", "tp", 1024, 1024)
    assert now["parts"]["experts"] == pytest.approx(rec["tables_ms"]["experts"], rel=0.15)
