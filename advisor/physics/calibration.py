"""Calibration: how far the throughput estimate is from published measurements.

The rows (``catalogs/calibration.csv``) are NVIDIA's TensorRT-LLM 0.17 and 0.20 perf-overview tables (max
output tokens/s at infinite request rate; dense Llama and Mixtral, Llama 4 Maverick, B200 NVFP4), MLPerf
Inference v4.1 results and engine-vs-engine serving runs (vLLM, SGLang, TensorRT-LLM) of MoE models at a
stated concurrency, each with its source URL, engine, layout and KV precision. ``validate()`` runs the
estimate for every scored row with the row's engine and layout; ``fit()`` searches the global efficiency
factors, ``fit_engine_speed()`` each engine's relative speed (``scripts/fit_engine.py`` writes them to
catalogs/engine.toml).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

from advisor.catalog.load import Catalog
from advisor.domain.serving import Efficiency, GpuMultipliers, ServingProfile


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
    kv_precision: str = "fp8"
    layout: str = ""
    """tp, tp_ep, dep or pp as the measurement ran ("" = searched)."""
    concurrency: int | None = None
    """Requests in flight (a burst of N requests counts as N); None = the engine's maximum."""
    engine_version: str = ""
    chunked_kv: str | None = None
    """"full" where the engine kept chunked-attention KV for the whole context (``estimate_for(chunked_kv=)``)."""

    @property
    def family(self) -> tuple[str, str, str]:
        return (self.model, self.gpu, self.engine)


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
    moe_models: frozenset[str] = frozenset()

    def subset(self, moe: bool | None = None, ids: set[str] | None = None) -> ValidationSummary:
        rs = [r for r in self.results if (moe is None or (r.row.model in self.moe_models) == moe) and (ids is None or r.row.id in ids)]
        return ValidationSummary(results=tuple(rs), skipped=(), moe_models=self.moe_models)

    def families(self) -> dict[tuple[str, str, str], ValidationSummary]:
        """Results by family: (model, GPU, engine)."""
        out: dict[tuple[str, str, str], list[RowResult]] = {}
        for r in self.results:
            out.setdefault(r.row.family, []).append(r)
        return {k: ValidationSummary(results=tuple(v), skipped=(), moe_models=self.moe_models) for k, v in out.items()}

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


def load_rows(path: Path | None = None, engine_ratio: bool = False) -> tuple[list[CalibrationRow], list[str]]:
    """Scored rows, and the ids of rows kept for reference only (with why). ``engine_ratio``: the rows
    used only for the engines' relative speed (bursts of requests) instead."""
    path = path or calibration_path()
    rows, skipped = [], []
    want = "engine-ratio" if engine_ratio else "yes"
    with path.open(newline="") as fh:
        for r in csv.DictReader(fh):
            if r["scored"] != want:
                skipped.append(f"{r['id']} {r['model']} on {r['gpus']}x {r['gpu']} ({r['scenario']}): {r['notes'].split('.')[0]}")
                continue
            conc = r.get("concurrency", "max") or "max"
            rows.append(CalibrationRow(
                id=r["id"], model=r["model"], gpu=r["gpu"], gpus=int(r["gpus"]), precision=r["precision"],
                input_tokens=int(r["input_tokens"]), output_tokens=int(r["output_tokens"]),
                measured_tokens_per_s=float(r["output_tokens_per_s"]),
                tpot_limit_ms=float(r["tpot_limit_ms"]) if r["tpot_limit_ms"] else None,
                engine=r["engine"], source=r.get("source_url") or r["source"], as_of=r["as_of"],
                kv_precision=r.get("kv_precision") or "fp8", layout=r.get("layout") or "",
                concurrency=None if conc == "max" else int(conc.split()[-1]), engine_version=r.get("engine_version", ""),
                chunked_kv=r.get("chunked_kv") or None,
            ))
    return rows, skipped


ENGINE_FACTOR_KEYS = ("engine_speed", "max_batch", "kv_admission", "moe_layer_overhead_us")
"""Factors each engine sets for itself (``[engines.<id>.factors]``); the rest are shared physics. vLLM's
``moe_layer_overhead_us`` is its MoE layers' own fixed time (advisor.physics.floor), 0 for the other engines."""


def profiles_with(catalog: Catalog, engine: ServingProfile | None) -> dict[str, ServingProfile]:
    """The catalog's engine profiles with the global factors (and per-GPU multipliers) of ``engine``;
    ``engine`` itself replaces the profile of its own id."""
    engines = dict(catalog.engines) or {catalog.engine.id: catalog.engine}
    if engine is None:
        return engines
    out = {}
    for eid, p in engines.items():
        own = {k: getattr(p.efficiency, k) for k in ENGINE_FACTOR_KEYS}
        out[eid] = dataclasses.replace(p, efficiency=dataclasses.replace(engine.efficiency, **own), per_gpu=engine.per_gpu,
                                       calibrated_models=engine.calibrated_models)
    out[engine.id] = engine
    return out


def validate(catalog: Catalog, engine: ServingProfile | None = None, rows: list[CalibrationRow] | None = None) -> ValidationSummary:
    """Estimate every scored row with its engine's profile (the catalog's, or built on ``engine``'s global
    factors), its layout and KV precision, at its concurrency."""
    from advisor.physics.layouts import LAYOUTS
    from advisor.physics.performance import estimate_for

    profiles = profiles_with(catalog, engine)
    skipped: list[str] = []
    if rows is None:
        rows, skipped = load_rows()
    results = []
    for row in rows:
        if row.model not in catalog.models or row.gpu not in catalog.gpus:
            skipped.append(f"{row.id}: {row.model} on {row.gpu} not in the catalog")
            continue
        prof = profiles.get(row.engine) or profiles.get(catalog.engine.id) or next(iter(profiles.values()))
        m, g = catalog.models[row.model], catalog.gpus[row.gpu]
        layout = row.layout if row.layout in LAYOUTS else None
        if layout in ("tp_ep", "dep") and not (m.is_moe and m.n_routed_experts % row.gpus == 0):
            layout = None
        est = estimate_for(m, g, row.gpus, row.precision, row.input_tokens, row.output_tokens,
                           kv_precision=row.kv_precision, tpot_limit_ms=row.tpot_limit_ms, engine=prof, layout=layout,
                           concurrency=row.concurrency, chunked_kv=row.chunked_kv)
        results.append(RowResult(row=row, estimated_tokens_per_s=est.output_tokens_per_s, batch=est.batch, bound=est.bound))
    moe = frozenset(k for k, v in catalog.models.items() if v.is_moe)
    return ValidationSummary(results=tuple(results), skipped=tuple(skipped), moe_models=moe)


def held_out(row: CalibrationRow) -> bool:
    """Deterministic 20% hold-out: rows whose id hashes (CRC32) to 0 mod 5 are never fitted on."""
    import zlib

    return zlib.crc32(row.id.encode()) % 5 == 0


KERNEL_FLOOR_US = 5.0
"""Per-kernel fixed time, set (not fitted) from aiconfigurator-core 0.12.0's measured kernels on H100/H200: the fused
MoE op (8 kernels in ``performance.kernels_per_step``) takes 29-40 us per layer at one token for Qwen3-235B/30B,
Llama 4 Maverick/Scout and Mixtral (TRT-LLM 1.3.0rc20 tables, TP8 and EP8), of which the weight bytes explain
3-9 us (3.6-5 us per kernel); GQA decode attention takes 6.5 us (FP8 KV) to 11 us (BF16 KV) at batch 1 and 128
tokens, MLA decode 15 us; a GEMM at one token takes 6-12 us more than its bytes at full HBM bandwidth. 5 us is the
middle of that range. No steady-state calibration row runs at a batch small enough to see it, so the fit cannot.
(A kernel's duration is modelled as roofline + floor, which the same tables support: Maverick FP8 TP8 fused MoE
at 4/16/256 tokens = 44/88/495 us against 13/53/421 us of weight bytes at full bandwidth.)"""

UNTUNED = Efficiency(eff_bw=0.80, eff_decode=0.50, eff_prefill=0.65, eff_link=0.70, step_overhead_us=200.0,
                     layer_overhead_us=4.0, allreduce_latency_us=8.0, max_batch=2048, routing_skew=1.0,
                     kv_admission="max", engine_speed=1.0, eff_moe=0.7, moe_half_tokens=8.0, moe_layer_overhead_us=0.0,
                     ep_imbalance=1.0, kernel_floor_us=KERNEL_FLOOR_US)
"""Where a fit from scratch starts: datasheet-optimistic efficiencies, no overheads to speak of."""

FIT_GRID: dict[str, tuple] = {
    "eff_bw": (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9),
    "eff_decode": (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6),
    "eff_prefill": (0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8),
    "step_overhead_us": (0.0, 100.0, 200.0, 300.0, 400.0, 600.0),
    "layer_overhead_us": (0.0, 1.0, 2.0, 4.0, 8.0),
    "eff_link": (0.3, 0.5, 0.7, 0.9),
    "eff_moe": (0.3, 0.4, 0.5, 0.6, 0.7, 0.85, 1.0),
    "moe_half_tokens": (1.0, 2.0, 4.0, 8.0, 16.0, 32.0),
    "ep_imbalance": (0.5, 1.0, 1.5, 2.0),
    "eff_kv": (0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
}
"""The global factors' search grid (the MoE terms are seen only by MoE rows). ``kernel_floor_us`` is not searched
(``KERNEL_FLOOR_US``); it replaces the former flat 30 us ``moe_layer_overhead_us`` (now 0: the MoE layer's 8-11
kernels give 40-55 us at 5 us each). ``max_batch`` is not fitted: TensorRT-LLM's batch cap is the one trtllm-bench
computes itself (``advisor.physics.engine_caps``; it was a fitted 1024 before), the other engines keep their
documented defaults."""

PER_GPU_GRID = (0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.3)
SPEED_GRID = tuple(round(0.2 + 0.05 * i, 2) for i in range(27))


LOW_CONCURRENCY = 8
"""Rows run at a fixed concurrency of at most this many requests: the single-stream / low-batch floor, where a
decode step is mostly fixed costs (per-step, per-layer and per-kernel overheads) rather than bytes and FLOPs."""


LOW_CONCURRENCY_P90_ERROR = 0.23
"""90th percentile |error| of the scored rows at <= LOW_CONCURRENCY concurrent requests (8 rows on 2026-12-04, 15:00:
SGLang 0.5.6 on 8x B200 at one request, 2.5-4.7%; vLLM at four requests, gpt-oss-120b -13.0% to +9.6% and DeepSeek-R1
on 8x H200 +47.6%; 0.25 before vLLM's MoE-layer time was refitted to 50 us, advisor.physics.floor), against 14.3% over all rows: a row that runs a batch this small carries this error in the ranking's
near-tie test (``ranking.ties.estimate_error``). tests/test_ties_engine.py recomputes it."""


def low_concurrency(row: CalibrationRow) -> bool:
    return row.concurrency is not None and row.concurrency <= LOW_CONCURRENCY


def score(s: ValidationSummary) -> tuple[float, float]:
    """What the fit minimises: the mean of the median |error| over all rows and over MoE rows (so the few
    MoE rows weigh as much as the many dense ones), then the 90th percentile."""
    moe = s.subset(moe=True)
    med = s.median_abs_error if not moe.results else 0.5 * (s.median_abs_error + moe.median_abs_error)
    return (round(med, 4), round(s.p90_abs_error, 4))


FLOOR_GRID: dict[str, tuple] = {"step_overhead_us": (0.0, 50.0, 100.0, 150.0, 200.0, 300.0, 400.0, 500.0, 600.0, 800.0,
                                                     1000.0, 1500.0, 2000.0)}
"""``fit_floor``'s grid: the fixed per-step cost (invisible at the batches of the max-throughput rows, decisive at one
to a few requests), finer and wider than FIT_GRID's (widening FIT_GRID sends the coordinate descent to another,
worse, optimum of the max-throughput rows)."""
FLOOR_TOLERANCE = 0.001
"""How much ``score`` (0.1 point of median |error|) the low-concurrency rows may cost the other rows."""


def fit_floor(catalog: Catalog, engine: ServingProfile, rows: list[CalibrationRow], grid: dict | None = None,
              tolerance: float = FLOOR_TOLERANCE) -> tuple[ServingProfile, ValidationSummary | None]:
    """The single-stream floor: each factor of ``grid`` (FLOOR_GRID) set to the value with the lowest median |error| on
    the low-concurrency rows (``low_concurrency``) among the values whose ``score`` over all ``rows`` stays within
    ``tolerance`` of the starting one. Almost every row is a max-throughput run, at batches where a fixed
    per-step cost is a rounding error, so ``fit`` alone pushes it to the cheapest value without evidence; the
    few runs at a handful of requests decide it where the rest are indifferent. Returns the profile and its
    low-concurrency validation (None, profile unchanged, without such rows)."""
    low_rows = [r for r in rows if low_concurrency(r)]
    if not low_rows:
        return engine, None
    start = score(validate(catalog, engine, rows))[0]
    for key, values in (grid or FLOOR_GRID).items():
        best = None
        for v in values:
            trial = dataclasses.replace(engine, efficiency=dataclasses.replace(engine.efficiency, **{key: v}))
            s = validate(catalog, trial, rows)
            main = score(s)[0]
            if main > start + tolerance:
                continue
            low = s.subset(ids={r.id for r in low_rows}).median_abs_error
            k = (round(low, 4), main)
            if best is None or k < best[0]:
                best = (k, trial)
        if best is not None:
            engine = best[1]
    return engine, validate(catalog, engine, low_rows)


def fit_per_gpu(catalog: Catalog, engine: ServingProfile, rows: list[CalibrationRow]) -> tuple[ServingProfile, ValidationSummary]:
    """Per-GPU multipliers on the decode/prefill/bandwidth efficiencies (one ``speed`` each), fitted
    on that GPU's rows only, for GPUs with at least 9 rows."""
    by_gpu: dict[str, list[CalibrationRow]] = {}
    for r in rows:
        by_gpu.setdefault(r.gpu, []).append(r)
    per_gpu = dict(engine.per_gpu)

    def with_gpus(table: dict) -> ServingProfile:
        return dataclasses.replace(engine, per_gpu=tuple(sorted(table.items())))

    for gpu_id, gpu_rows in sorted(by_gpu.items()):
        if len(gpu_rows) < 9:
            continue
        best = None
        for v in PER_GPU_GRID:
            trial = with_gpus({**per_gpu, gpu_id: GpuMultipliers(v, v, v, len(gpu_rows))})
            s = validate(catalog, trial, gpu_rows)
            sc = (*score(s), abs(v - 1.0))
            if best is None or sc < best[0]:
                best = (sc, v)
        per_gpu[gpu_id] = GpuMultipliers(best[1], best[1], best[1], len(gpu_rows))
    engine = with_gpus(per_gpu)
    return engine, validate(catalog, engine, rows)


MIN_SPEED_ROWS = 5


def fit_engine_speed(catalog: Catalog, base: ServingProfile, engine_id: str, rows: list[CalibrationRow]) -> tuple[float, int]:
    """The relative speed of ``engine_id`` that minimises the median |error| of its rows (estimated on the
    global factors of ``base``); (speed, rows used). (1.0, n) -- uncalibrated -- with fewer than
    ``MIN_SPEED_ROWS`` rows: one run of an engine says more about that run's settings than the engine."""
    mine = [r for r in rows if r.engine == engine_id]
    if len(mine) < MIN_SPEED_ROWS:
        return 1.0, len(mine)
    profiles = profiles_with(catalog, base)
    best = None
    for v in SPEED_GRID:
        p = profiles[engine_id]
        trial = dataclasses.replace(p, efficiency=dataclasses.replace(p.efficiency, engine_speed=v))
        s = validate(catalog, trial, mine)
        sc = (round(s.median_abs_error, 4), abs(v - 1.0))
        if best is None or sc < best[0]:
            best = (sc, v)
    return best[1], len(mine)


def engine_ratio_speed(catalog: Catalog, base: ServingProfile, engine_id: str, rows: list[CalibrationRow],
                       reference: str = "trtllm") -> tuple[float, int]:
    """The relative speed of ``engine_id`` read from burst rows (scored = "engine-ratio") as engine comparisons:
    for every run (same source, model, GPU count and type, precision and load) that measured both ``engine_id`` and
    ``reference``, (measured engine / measured reference) / (estimated engine / estimated reference); the geometric
    mean over the pairs, or (1.0, pairs) -- uncalibrated -- with fewer than ``MIN_SPEED_ROWS`` pairs. A burst's
    absolute throughput includes a ramp-up and a long-output tail the estimate does not model (the burst rows are
    estimated ~3x too high for every engine); a same-run ratio cancels that, an absolute fit would charge it to the
    engine."""
    def key(r: CalibrationRow) -> tuple:
        return (r.source, r.model, r.gpu, r.gpus, r.precision, r.concurrency)

    refs: dict[tuple, list[CalibrationRow]] = {}
    for r in rows:
        if r.engine == reference:
            refs.setdefault(key(r), []).append(r)
    mine = [r for r in rows if r.engine == engine_id and key(r) in refs]
    if len(mine) < MIN_SPEED_ROWS:
        return 1.0, len(mine)
    profiles = profiles_with(catalog, base)
    unit = {eid: dataclasses.replace(p, efficiency=dataclasses.replace(p.efficiency, engine_speed=1.0))
            for eid, p in profiles.items()}
    logs = []
    for r in mine:
        ref = refs[key(r)]
        est = validate(catalog, unit[engine_id], [r]).results[0].estimated_tokens_per_s
        est_ref = sum(validate(catalog, unit[reference], [x]).results[0].estimated_tokens_per_s for x in ref) / len(ref)
        meas_ref = sum(x.measured_tokens_per_s for x in ref) / len(ref)
        logs.append(math.log((r.measured_tokens_per_s / meas_ref) / (est / est_ref)))
    return round(math.exp(sum(logs) / len(logs)), 2), len(mine)


def fit(catalog: Catalog, base: ServingProfile, rounds: int = 3, grid: dict | None = None,
        rows: list[CalibrationRow] | None = None) -> tuple[ServingProfile, ValidationSummary]:
    """Coordinate descent over ``grid``: each round tries every value of each factor in turn and keeps
    the one with the lowest ``score`` (ties: lower 90th percentile). ``base`` gives the starting factors
    (``UNTUNED`` for a fit from scratch)."""
    grid = grid or FIT_GRID
    engine = base
    rows = rows if rows is not None else load_rows()[0]

    def sc(e: ServingProfile) -> tuple[float, float]:
        return score(validate(catalog, e, rows))

    best = sc(engine)
    for _ in range(rounds):
        changed = False
        for key, values in grid.items():
            for v in values:
                trial = dataclasses.replace(engine, efficiency=dataclasses.replace(engine.efficiency, **{key: v}))
                t = sc(trial)
                if t < best:
                    best, engine, changed = t, trial, True
        if not changed:
            break
    return engine, validate(catalog, engine, rows)
