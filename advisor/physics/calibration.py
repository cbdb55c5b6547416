"""Calibration: how far the throughput estimate is from published measurements.

The rows (``catalogs/calibration.csv``) are NVIDIA's TensorRT-LLM 0.17 perf-overview tables (max
output tokens/s of a TP group at infinite request rate) and MLPerf Inference v4.1 results, each with its
source. ``validate()`` runs the estimate for every scored row; ``fit()`` searches the efficiency factors
that minimise the median absolute error (``scripts/fit_engine.py`` writes them to catalogs/engine.toml).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from advisor.catalog.load import Catalog


@dataclass(frozen=True)
class CalibrationRow:
    id: str
    model: str
    gpu: str
    gpus: int
    precision: str
    input_tokens: int
    output_tokens: int
    measured_tokens_per_s: float
    tpot_limit_ms: float | None
    engine: str
    source: str
    as_of: str


@dataclass(frozen=True)
class RowResult:
    row: CalibrationRow
    estimated_tokens_per_s: float
    batch: int
    bound: str

    @property
    def error(self) -> float:
        """Signed relative error (estimate / measured - 1)."""
        return self.estimated_tokens_per_s / self.row.measured_tokens_per_s - 1.0


@dataclass(frozen=True)
class ValidationSummary:
    results: tuple[RowResult, ...]
    skipped: tuple[str, ...]
    """Rows not scored, with the reason."""

    @property
    def abs_errors(self) -> list[float]:
        return sorted(abs(r.error) for r in self.results)

    @property
    def median_abs_error(self) -> float:
        return _quantile(self.abs_errors, 0.5)

    @property
    def p90_abs_error(self) -> float:
        return _quantile(self.abs_errors, 0.9)

    @property
    def median_signed_error(self) -> float:
        return _quantile(sorted(r.error for r in self.results), 0.5)


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    pos = (len(values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def calibration_path() -> Path:
    from advisor.common.paths import bundled_catalog_dir

    return bundled_catalog_dir() / "calibration.csv"


def load_rows(path: Path | None = None) -> tuple[list[CalibrationRow], list[str]]:
    """Scored rows, and the ids of rows kept for reference only (with why)."""
    path = path or calibration_path()
    rows, skipped = [], []
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["scored"] != "yes":
                skipped.append(f"{r['id']} {r['model']} on {r['gpus']}x {r['gpu']} ({r['scenario']}): {r['notes'].split('.')[0]}")
                continue
            rows.append(CalibrationRow(
                id=r["id"], model=r["model"], gpu=r["gpu"], gpus=int(r["gpus"]), precision=r["precision"],
                input_tokens=int(r["input_tokens"]), output_tokens=int(r["output_tokens"]),
                measured_tokens_per_s=float(r["output_tokens_per_s"]),
                tpot_limit_ms=float(r["tpot_limit_ms"]) if r["tpot_limit_ms"] else None,
                engine=r["engine"], source=r["source"], as_of=r["as_of"],
            ))
    return rows, skipped


def validate(catalog: Catalog, engine: dict | None = None, rows: list[CalibrationRow] | None = None) -> ValidationSummary:
    """Estimate every scored row with the catalog's (or the given) engine factors."""
    from advisor.physics.performance import estimate_for

    engine = catalog.engine if engine is None else engine
    kv_default = engine.get("calibration", {}).get("kv_precision_for_fp8", "fp8")
    skipped: list[str] = []
    if rows is None:
        rows, skipped = load_rows()
    results = []
    for row in rows:
        if row.model not in catalog.models or row.gpu not in catalog.gpus:
            skipped.append(f"{row.id}: {row.model} on {row.gpu} not in the catalog")
            continue
        kv = kv_default if row.precision == "fp8" else "bf16"
        est = estimate_for(catalog.models[row.model], catalog.gpus[row.gpu], row.gpus, row.precision,
                           row.input_tokens, row.output_tokens, kv_precision=kv, tpot_limit_ms=row.tpot_limit_ms, engine=engine)
        results.append(RowResult(row=row, estimated_tokens_per_s=est.output_tokens_per_s, batch=est.batch, bound=est.bound))
    return ValidationSummary(results=tuple(results), skipped=tuple(skipped))


FIT_GRID: dict[str, tuple] = {
    "eff_bw": (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9),
    "eff_decode": (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6),
    "eff_prefill": (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8),
    "step_overhead_us": (0.0, 100.0, 200.0, 300.0, 400.0, 600.0, 800.0),
    "layer_overhead_us": (0.0, 1.0, 2.0, 4.0, 8.0),
    "max_batch": (256, 384, 512, 768, 1024, 2048),
    "kv_admission": ("average", "max"),
    "eff_link": (0.3, 0.5, 0.7, 0.9),
}

PER_GPU_GRID = (0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.3)


def fit_per_gpu(catalog: Catalog, engine: dict, rows: list[CalibrationRow]) -> tuple[dict, ValidationSummary]:
    """Per-GPU multipliers on the decode/prefill/bandwidth efficiencies (one ``speed`` each), fitted
    on that GPU's rows only, for GPUs with at least 9 rows."""
    by_gpu: dict[str, list[CalibrationRow]] = {}
    for r in rows:
        by_gpu.setdefault(r.gpu, []).append(r)
    per_gpu = dict(engine.get("per_gpu", {}))
    for gpu_id, gpu_rows in sorted(by_gpu.items()):
        if len(gpu_rows) < 9:
            continue
        best = None
        for v in PER_GPU_GRID:
            trial = {**engine, "per_gpu": {**per_gpu, gpu_id: {"eff_decode": v, "eff_prefill": v, "eff_bw": v, "rows": len(gpu_rows)}}}
            s = validate(catalog, trial, gpu_rows)
            sc = (round(s.median_abs_error, 4), round(s.p90_abs_error, 4), abs(v - 1.0))
            if best is None or sc < best[0]:
                best = (sc, v)
        per_gpu[gpu_id] = {"eff_decode": best[1], "eff_prefill": best[1], "eff_bw": best[1], "rows": len(gpu_rows)}
    engine = {**engine, "per_gpu": per_gpu}
    return engine, validate(catalog, engine, rows)


def fit(catalog: Catalog, base: dict, rounds: int = 3, grid: dict | None = None,
        rows: list[CalibrationRow] | None = None) -> tuple[dict, ValidationSummary]:
    """Coordinate descent over ``grid``: each round tries every value of each factor in turn and keeps
    the one with the lowest median absolute error (ties: lower 90th percentile)."""
    grid = grid or FIT_GRID
    engine = {**base, "factors": dict(base.get("factors", {}))}
    rows = rows if rows is not None else load_rows()[0]

    def score(e: dict) -> tuple[float, float]:
        s = validate(catalog, e, rows)
        return (round(s.median_abs_error, 4), round(s.p90_abs_error, 4))

    best = score(engine)
    for _ in range(rounds):
        changed = False
        for key, values in grid.items():
            for v in values:
                trial = {**engine, "factors": {**engine["factors"], key: v}}
                sc = score(trial)
                if sc < best:
                    best, engine, changed = sc, trial, True
        if not changed:
            break
    return engine, validate(catalog, engine, rows)
