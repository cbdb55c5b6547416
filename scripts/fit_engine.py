"""Fit the throughput model's efficiency factors on catalogs/calibration.csv and write catalogs/engine.toml.

Usage:  python scripts/fit_engine.py            (about a minute on 2 cores)
Reproducible: a deterministic coordinate descent over advisor.physics.calibration.FIT_GRID, then per-GPU
multipliers (advisor.physics.calibration.PER_GPU_GRID).
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import tomli_w

from advisor.physics import calibration
from advisor.catalog.load import load_catalog
from advisor.physics.performance import DEFAULT_FACTORS
from advisor.physics.sizing import DEFAULT_ENGINE

ROOT = Path(__file__).resolve().parent.parent


def amd_profile(cat, engine: dict) -> dict:
    """AMD GPUs are served with vLLM on ROCm (no TensorRT-LLM), with vLLM's memory policy
    (gpu_memory_utilization = 0.90 of the whole GPU). Their speed relative to the NVIDIA-fitted model
    comes from MLPerf Inference v4.1 pairs: the same model (Llama 2 70B), scenario and 8 GPUs, measured
    on MI300X (vLLM) and H100 (TensorRT-LLM). The estimate ratio uses llama-3.3-70b (same layer shapes
    as Llama 2 70B but for the vocabulary) at 300 input / 265 output tokens (OpenOrca-like); the ratio
    barely depends on that shape."""
    import csv
    import math

    from advisor.physics.performance import estimate_for

    rows = list(csv.DictReader((ROOT / "catalogs" / "calibration.csv").open()))
    by = {(r["gpu"], r["gpus"], r["scenario"]): r for r in rows if r["model"].startswith("llama2-70b")}
    memory = {"policy": "total_fraction", "kv_cache_fraction": 0.90}
    amd_engine = {**engine, "memory": {**engine["memory"], **memory}}
    m = cat.models["llama-3.3-70b"]
    pairs, logs = [], []
    for scenario in ("Offline", "Server"):
        nv, amd = by.get(("h100-sxm", "8", scenario)), by.get(("mi300x", "8", scenario))
        if not (nv and amd):
            continue
        limit = 200.0 if scenario == "Server" else None
        est_nv = estimate_for(m, cat.gpus["h100-sxm"], 8, "fp8", 300, 265, kv_precision="fp8", tpot_limit_ms=limit, engine=engine)
        est_amd = estimate_for(m, cat.gpus["mi300x"], 8, "fp8", 300, 265, kv_precision="fp8", tpot_limit_ms=limit, engine=amd_engine)
        ratio = (float(amd["output_tokens_per_s"]) / float(nv["output_tokens_per_s"])) / (est_amd.output_tokens_per_s / est_nv.output_tokens_per_s)
        logs.append(math.log(ratio))
        pairs.append(f"{scenario}: {amd['id']} vs {nv['id']}")
    speed = round(math.exp(sum(logs) / len(logs)), 3) if logs else 0.8
    return {
        "engine": "vLLM (ROCm)",
        "engine_speed": speed,
        "memory": memory,
        "pairs": pairs,
        "source": "MLPerf Inference v4.1 closed, Llama 2 70B, 8x MI300X (vLLM 0.4.3 ROCm) vs 8x H100 (TensorRT-LLM); "
                  "github mlcommons/inference_results_v4.1 (rows in catalogs/calibration.csv)",
    }


def main() -> int:
    cat = load_catalog(bundled=ROOT / "catalogs", user=ROOT / "nonexistent")
    rows, _ = calibration.load_rows(ROOT / "catalogs" / "calibration.csv")
    base = {"memory": dict(DEFAULT_ENGINE), "calibration": {"kv_precision_for_fp8": "fp8"}}
    engine, summary = calibration.fit(cat, base, rounds=4, rows=rows)
    print(f"global factors: median {summary.median_abs_error:.1%}  p90 {summary.p90_abs_error:.1%}")
    engine, summary = calibration.fit_per_gpu(cat, engine, rows)
    print(f"with per-GPU:   median {summary.median_abs_error:.1%}  p90 {summary.p90_abs_error:.1%}")
    amd = amd_profile(cat, engine)
    print(f"AMD (vLLM ROCm) speed vs the NVIDIA-fitted model: {amd['engine_speed']:.2f} (from {len(amd['pairs'])} MLPerf v4.1 pairs)")
    doc = {
        "catalog": "engine",
        "schema_version": 1,
        "as_of": datetime.date.today().isoformat(),
        "engine": "TensorRT-LLM-class kernels (fitted on TensorRT-LLM 0.17 perf-overview tables)",
        "source": "fitted by scripts/fit_engine.py on catalogs/calibration.csv (NVIDIA TensorRT-LLM docs/source/performance/perf-overview.md @258c7540)",
        "fit": {
            "rows": len(summary.results),
            "median_abs_error": round(summary.median_abs_error, 4),
            "p90_abs_error": round(summary.p90_abs_error, 4),
            "median_signed_error": round(summary.median_signed_error, 4),
            "method": "coordinate descent on median |estimate/measured - 1|, then per-GPU multipliers on that GPU's rows",
        },
        "calibrated_models": sorted({r.model for r in rows}),
        "calibrated_gpus": sorted({r.gpu for r in rows}),
        "memory": engine["memory"],
        "calibration": engine["calibration"],
        "factors": {k: v for k, v in sorted({**DEFAULT_FACTORS, **engine["factors"]}.items())},
        "per_gpu": engine.get("per_gpu", {}),
        "per_vendor": {"amd": amd},
    }
    out = ROOT / "catalogs" / "engine.toml"
    out.write_text(tomli_w.dumps(doc))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
