"""Match a benchmark result to the deployment it measured, compare it with the (uncorrected) estimate, and
turn it into a stored correction."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from advisor.catalog.load import Catalog
from advisor.errors import InputError
from advisor.measure.results import BenchResult
from advisor.measure.store import Correction, corrections_disabled


@dataclass(frozen=True)
class Calibration:
    result: BenchResult
    correction: Correction
    estimated_ttft_ms: float
    estimated_tpot_ms: float
    estimated_batch: int
    notes: tuple[str, ...] = ()


def _model_id(cat: Catalog, model: str | None, result: BenchResult) -> str:
    wanted = model or result.metadata.get("model") or result.model_id
    if not wanted:
        raise InputError("result", "does not name the model: pass --model (a catalog id, e.g. deepseek-r1)", result.source)
    if wanted in cat.models:
        return wanted
    w = str(wanted).lower().rstrip("/")
    for m in cat.models.values():
        repo = m.hf_repo.lower()
        if w == repo or w.endswith("/" + repo) or w.split("/")[-1] == repo.split("/")[-1]:
            return m.id
    raise InputError("result", f"model {wanted!r} is not in the catalog (no id or hf_repo matches): pass --model", result.source)


def _field(given, result: BenchResult, key: str, flag: str, choices=None):
    v = given if given is not None else result.metadata.get(key)
    if v in (None, ""):
        raise InputError("result", f"does not say the {key}: pass {flag} (or save the run with --metadata {key}=...)", result.source)
    if choices is not None and v not in choices:
        raise InputError(key, f"must be one of {', '.join(choices)}, got {v!r}", result.source)
    return v


def calibrate(result: BenchResult, cat: Catalog, *, model: str | None = None, gpu: str | None = None,
              gpus: int | None = None, engine: str | None = None, layout: str | None = None,
              precision: str | None = None, kv_precision: str | None = None, concurrency: int | None = None,
              today: str | None = None) -> Calibration:
    """The deployment ``result`` measured (flags fill what the file does not say), its raw estimate at the
    measured shape and concurrency, and the correction ``measured / estimated``."""
    from advisor.physics.engines import engine_profile
    from advisor.physics.layouts import LAYOUTS
    from advisor.physics.performance import estimate_for

    mid = _model_id(cat, model, result)
    gid = _field(gpu, result, "gpu", "--gpu", tuple(cat.gpus))
    try:
        n = int(_field(gpus, result, "gpus", "--gpus"))
    except ValueError:
        raise InputError("gpus", "must be a whole number", result.source) from None
    if n < 1:
        raise InputError("gpus", f"must be at least 1, got {n}", result.source)
    eng = _field(engine, result, "engine", "--engine", ("trtllm", "vllm", "sglang"))
    lay = _field(layout, result, "layout", "--layout", LAYOUTS)
    prec = _field(precision, result, "precision", "--precision")
    kv = kv_precision or result.metadata.get("kv_precision") or None
    notes = []
    conc = concurrency or result.max_concurrency
    if conc is None:
        conc = result.num_prompts
        notes.append(f"the file sets no max_concurrency: all {conc} prompts assumed in flight at once (pass --concurrency)")
    m, g = cat.models[mid], cat.gpus[gid]
    profile = engine_profile(cat, g, eng)
    with corrections_disabled():
        e = estimate_for(m, g, n, prec, result.input_tokens, result.output_tokens, kv_precision=kv, engine=profile,
                         layout=lay, concurrency=int(conc))
    if not e.fits or e.output_tokens_per_s <= 0:
        raise InputError("result", f"{mid} does not fit on {n}x {gid} in {prec} at {result.input_tokens}+{result.output_tokens} "
                         "tokens by the estimate: check --gpu/--gpus/--precision", result.source)
    if e.batch < conc:
        notes.append(f"the estimate admits {e.batch} concurrent sequences, fewer than the measured {conc}")
    ratio = result.output_tokens_per_s / e.output_tokens_per_s
    if not 0.05 <= ratio <= 20:
        notes.append(f"measured/estimated = {ratio:.2f}: far outside the usual range; check the deployment matches the file")
    c = Correction(model=mid, gpu=gid, gpus=n, precision=prec, engine=eng, layout=e.layout, input_tokens=result.input_tokens,
                   output_tokens=result.output_tokens, concurrency=int(conc), measured_tokens_per_s=round(result.output_tokens_per_s, 3),
                   estimated_tokens_per_s=round(e.output_tokens_per_s, 3), ratio=round(ratio, 6), source=result.source,
                   measured_on=result.date, recorded_on=today or _dt.date.today().isoformat(), kv_precision=e.kv_precision,
                   mean_ttft_ms=round(result.mean_ttft_ms or 0.0, 3), mean_tpot_ms=round(result.mean_tpot_ms or 0.0, 3))
    return Calibration(result=result, correction=c, estimated_ttft_ms=e.ttft_ms, estimated_tpot_ms=e.tpot_ms,
                       estimated_batch=e.batch, notes=tuple(notes))
