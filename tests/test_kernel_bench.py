"""The kernel microbenchmark's analysis (scripts/kernel_bench.py) and what its recorded H200 runs say."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNS = [ROOT / "docs" / "measurements" / n for n in ("h200-kernels-2026-12-04.json",
                                                      "h200-kernels-tp-experts-2026-12-04.json",
                                                      "h200-moe-layer-2026-12-04.json")]


@pytest.fixture(scope="module")
def kb():
    spec = importlib.util.spec_from_file_location("kernel_bench", ROOT / "scripts" / "kernel_bench.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_fit_line_recovers_intercept_and_bandwidth(kb):
    # 10 us fixed + bytes at 2.5 TB/s (2.5e6 bytes per us)
    pts = [(b, 10.0 + b / 2.5e6) for b in (1e8, 3e8, 1e9)]
    c0, tbps = kb.fit_line(pts)
    assert c0 == pytest.approx(10.0)
    assert tbps == pytest.approx(2.5)


def _gemm(dtype, m, n, k, us):
    b = 2 if dtype == "bf16" else 1
    return {"kind": "gemm", "dtype": dtype, "m": m, "n": n, "k": k, "flops": 2 * m * n * k, "weight_bytes": n * k * b,
            "us": us}


def _grouped(model, dtype, op, experts, active, t, k, n, us):
    b = 2 if dtype == "bf16" else 1
    return {"kind": "grouped", "model": model, "dtype": dtype, "op": op, "experts": experts, "active": active, "t": t,
            "k": k, "n": n, "flops": 2 * active * t * k * n, "weight_bytes": active * n * k * b, "us": us}


def test_summarize_reports_fractions_of_the_datasheet(kb):
    rows = [_gemm("bf16", 1, 4096, 4096, 5 + 4096 * 4096 * 2 / 4e6), _gemm("bf16", 1, 8192, 8192, 5 + 8192 * 8192 * 2 / 4e6),
            _gemm("bf16", 4096, 4096, 4096, 2 * 4096**3 / 800e6),
            # 4 experts, gate/up (K 64, N 2 x 32) and down (K 32, N 64); one token each, all or 2 active
            _grouped("m", "bf16", "gate_up", 4, 4, 1, 64, 64, 20.0), _grouped("m", "bf16", "down", 4, 4, 1, 32, 64, 20.0),
            _grouped("m", "bf16", "gate_up", 4, 2, 1, 64, 64, 15.0), _grouped("m", "bf16", "down", 4, 2, 1, 32, 64, 15.0),
            _grouped("m", "bf16", "gate_up", 4, 4, 64, 64, 64, 1.0), _grouped("m", "bf16", "down", 4, 4, 64, 32, 64, 1.0),
            {"kind": "floor", "op": "add", "tokens": 1, "us": 1.5}, {"kind": "gemm", "error": "boom"}]
    s = kb.summarize(rows, hbm_tbps=5.0, bf16_tflops=1000.0, fp8_tflops=2000.0)
    assert s["gemm_read"]["bf16"]["tbps"] == pytest.approx(4.0)
    assert s["gemm_read"]["bf16"]["of_hbm"] == pytest.approx(0.8)
    assert s["gemm_read"]["bf16"]["c0_us"] == pytest.approx(5.0)
    assert s["gemm_compute"]["bf16"]["of_peak"] == pytest.approx(0.8)
    g = s["grouped_compute"][("m", "bf16")]
    assert g["t"] == 64 and g["intermediate"] == 32
    flops = 2 * 4 * 64 * 64 * 64 + 2 * 4 * 64 * 32 * 64
    assert g["tflops"] == pytest.approx(flops / 2.0 / 1e6)
    assert g["of_dense"] == pytest.approx(g["tflops"] / 800.0)
    # 2 active experts: 24,576 bytes in 30 us; 4: 49,152 bytes in 40 us -> 20 us + 24,576 bytes per 10 us
    r = s["grouped_read"][("m", "bf16")]
    assert r["c0_us"] == pytest.approx(20.0)
    assert r["tbps"] == pytest.approx(24576 / 10 / 1e6)
    assert s["kernel_floor_us"] == 1.5


@pytest.fixture(scope="module")
def measured(kb):
    rows = []
    for p in RUNS:
        data = json.loads(p.read_text())
        assert data["meta"]["device"] == "NVIDIA H200" and data["meta"]["script"] == "scripts/kernel_bench.py"
        rows += data["rows"]
    return kb.summarize(rows, hbm_tbps=4.8, bf16_tflops=989.0, fp8_tflops=1978.0)


def test_recorded_runs_support_what_the_model_docstrings_cite(measured):
    """advisor.physics.moe (EXPERT_N_HALF) and advisor.physics.floor cite these figures."""
    bf16 = {m: v for (m, dt), v in measured["grouped_compute"].items() if dt == "bf16"}
    assert len(bf16) == 13
    # BF16 grouped GEMMs alone keep about half the dense GEMM's rate even at 192-wide expert slices
    assert min(v["of_dense"] for v in bf16.values()) > 0.5
    assert bf16["qwen3-30b-a3b"]["of_dense"] > 0.85
    # at one token per expert they read weights well below the dense GEMM's rate; TP8-sliced FP8 experts lowest
    reads = measured["grouped_read"]
    assert max(v["of_hbm"] for v in reads.values()) < 0.7 < measured["gemm_read"]["bf16"]["of_hbm"]
    assert reads[("deepseek-v3/tp8", "fp8")]["of_hbm"] < 0.4
    assert measured["kernel_floor_us"] < 2.0


def test_unfused_moe_work_falls_with_expert_width_as_the_width_term_says(measured):
    """The expert-width term's mechanism (advisor.physics.moe.EXPERT_N_HALF): work per routed token around the
    grouped GEMMs, a share that shrinks as 1/N."""
    from advisor.physics.moe import EXPERT_N_HALF

    layer = measured["moe_layer"]
    order = ["qwen3-30b-a3b", "qwen3-235b-a22b", "deepseek-v3", "llama-4-maverick"]  # N 768, 1536, 2048, 8192
    for tokens in (4096, 16384):
        ratios = [layer[(m, tokens)]["other_over_gemm"] for m in order]
        assert ratios == sorted(ratios, reverse=True)
        # within a factor of ~2.5 of N_half / N (unfused stages cost more than a fused op's)
        for m, r in zip(order, ratios):
            assert 0.4 < r / (EXPERT_N_HALF / layer[(m, tokens)]["intermediate"]) < 2.5, m


def test_dry_run_on_the_cpu(kb, tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "dry.json"
    kb.main(["run", "--dry", "--out", str(out), "--only", "gemm,grouped"])
    rows = json.loads(out.read_text())["rows"]
    assert {r["kind"] for r in rows} == {"gemm", "grouped"}
    assert all("us" in r for r in rows)
