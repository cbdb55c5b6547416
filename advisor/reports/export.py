"""Writing reports: a Recommendation as TOML data (walking the field table in ``fields``), as text, and as a
file written atomically.

A report stands on its own: the workload as entered, the assumptions, every price used (provider, unit,
source, as-of date), the catalogs' versions, the ranked candidates with their breakdowns and reasons, and
the rejected options. Money is written as strings so it stays exact. Writing is atomic (through
``advisor.common.files.atomic_write``) and never overwrites without ``force``; nothing from the environment
is written, and anything that looks like a secret is redacted (``advisor.common.redact``).
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from pathlib import Path
from typing import Any, Iterable

from advisor import __version__
from advisor.common.files import atomic_write
from advisor.common.redact import scrub, secret_values
from advisor.domain.recommendation import Candidate, Recommendation
from advisor.domain.constraints import constraints
from advisor.domain.workload import Workload
from advisor.reports import fields as F
from advisor.reports.model import ReportError, ReportExistsError, ReportPrice


def collect_prices(candidates: Iterable[Candidate]) -> tuple[ReportPrice, ...]:
    """Every price the candidates were costed at, one per (kind, provider, item), GPU-hours first.

    The amounts are the candidates' own unit prices (``usd_per_gpu_hour``, ``api_*_usd_per_mtok``), exactly
    as the catalogs give them; a candidate without one adds no price."""
    seen: dict[tuple[str, str, str], ReportPrice] = {}
    for c in candidates:
        if c.api_input_usd_per_mtok is not None and c.api_output_usd_per_mtok is not None:
            p = ReportPrice("api", c.provider, c.model, F.PRICE_UNITS["api"], input_usd_per_mtok=c.api_input_usd_per_mtok,
                            output_usd_per_mtok=c.api_output_usd_per_mtok,
                            cached_input_usd_per_mtok=c.api_cached_input_usd_per_mtok,
                            source=c.price_source, as_of=c.price_as_of)
        elif (c.gpu and c.usd_per_gpu_hour is not None
              and c.hourly_usd is not None and c.gpus > 0 and c.replicas > 0):  # a costed self-hosted option
            item = c.gpu if c.pricing_kind in (None, "on-demand") else f"{c.gpu} ({c.pricing_kind})"
            p = ReportPrice("gpu", c.provider, item, F.PRICE_UNITS["gpu"], usd_per_gpu_hour=c.usd_per_gpu_hour,
                            source=c.price_source, as_of=c.price_as_of)
        else:
            continue
        seen.setdefault(p.key, p)
    order = {"gpu": 0, "api": 1}
    return tuple(sorted(seen.values(), key=lambda p: (order.get(p.kind, 2), p.kind, p.provider, p.item)))


# --------------------------------------------------------------------------- the field table, written


def _get(source: Any, attr: str) -> Any:
    return source.get(attr) if isinstance(source, dict) else getattr(source, attr)


def _workload_dict(w: Workload) -> dict[str, Any]:
    """Every workload field in its declared type (a preset's ``ttft_ms=1500`` is written ``1500.0``, as it
    reads back)."""
    out = {}
    for f in dataclasses.fields(w):
        value = getattr(w, f.name)
        out[f.name] = float(value) if f.type == "float" and isinstance(value, int) and not isinstance(value, bool) else F.plain(value)
    return out


def _value(f: F.Field, value: Any) -> Any:
    """``value`` (not None) as the field's kind is written."""
    kind = f.kind
    if kind == F.MONEY:
        return str(value)
    if kind == F.PLAIN:
        return F.plain(value)
    if kind == F.TEXT_TABLE:
        return {str(k): str(v) for k, v in value.items()}
    if kind == F.STRINGS:
        return list(value)
    if kind == F.WORKLOAD:
        return _workload_dict(value)
    if kind == F.TABLE:
        return _section(f.section, value)
    if kind == F.TABLES:
        return [_section(f.section, item) for item in value]
    return value  # int, float, text, flag, datetime, any


def _section(section: F.Section, source: Any) -> dict[str, Any]:
    """One table of the report: ``section``'s keys, in order, from ``source`` (a dataclass or a dict)."""
    out: dict[str, Any] = {}
    for f in section.fields:
        if f.flatten:
            value = _section(f.section, source)
        else:
            raw = _get(source, f.attr)
            if raw is None:
                continue
            value = _value(f, raw)
        if f.omit_empty and not value:
            continue
        out[f.key] = value
    return out


# --------------------------------------------------------------------------- export


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def stated_assumptions(rec: Recommendation) -> dict[str, Any]:
    """The assumptions as the report states them. The engine profile's ``engine``/``engine_id`` name the profile
    whose ``efficiency_factors`` the estimate starts from (TensorRT-LLM), not what the rows run on: a report whose #1
    runs vLLM on MI300X said ``engine = "TensorRT-LLM"``. The report writes, under the same keys (a contract for
    readers), the engines the ranked self-hosted rows use, in rank order, joined by ", " ("none" without one), and
    keeps the profile as ``reference_engine``/``reference_engine_id``. ``workload_filters`` lists the workload's filters
    in words (``constraints.constraints``: ``GPU types h100-sxm, h200``), or ``none``, so a reader of the report sees
    that its cheapest option is the cheapest within them. A loaded report already has them, so re-exporting it
    writes the same text."""
    a = rec.assumptions
    if "workload_filters" not in a:  # what the workload's filters leave out, in words (also in [workload], as fields)
        a = {**a, "workload_filters": constraints(rec.workload) or ["none"]}
    if "reference_engine" in a or "engine" not in a:
        return a
    ids = list(dict.fromkeys(c.engine for c in rec.candidates if c.deployment == "self-hosted" and c.engine))
    names = a.get("engines_used")
    names = list(names) if isinstance(names, (list, tuple)) and len(names) == len(ids) else ids
    out: dict[str, Any] = {}
    for k, v in a.items():
        if k == "engine":
            out[k] = ", ".join(map(str, names)) or "none"
        elif k == "engine_id":
            out[k] = ", ".join(ids) or "none"
            out["reference_engine"], out["reference_engine_id"] = a["engine"], v
        else:
            out[k] = v
    out.setdefault("reference_engine", a["engine"])
    return out


MAX_CANDIDATES = 1_000
"""Candidates a report holds in full: the best 1,000 by rank. A candidate is about 8 kB of TOML: `recommend --preset
steady-latency` over seven precisions, every GPU and up to 64 GPUs ranked 1,237 and wrote 11 MB, which the reader then
refused (limit 8 MiB); the presets rank 300-600 (bursty-app 521, 3.2 MB), which stay whole."""
MAX_REJECTED = 1_000
"""Rejected options a report holds (~0.7 kB each; the same run rejected 2,072 in 1.3 MB)."""


def _bounded(rec: Recommendation, most: int = MAX_CANDIDATES, most_rejected: int = MAX_REJECTED) -> Recommendation:
    """``rec`` with its best ``most`` candidates and ``most_rejected`` rejections, and a note
    saying what was left out; ``rec`` itself when it fits (a loaded report re-exports as the same text)."""
    cands, rejected = rec.candidates, rec.rejected
    if len(cands) <= most and len(rejected) <= most_rejected:
        return rec
    kept = cands[:most]  # ranks stay 1..N: the reader checks that candidates are listed best first
    notes = list(rec.notes)
    if len(kept) < len(cands):
        notes.append(f"this report holds the best {len(kept):,} of {len(cands):,} ranked candidates (at most {most:,} are "
                     "written in full; `moe-advisor recommend` with the same workload lists them all)")
    if len(rejected) > most_rejected:
        notes.append(f"this report holds {most_rejected:,} of {len(rejected):,} rejected options")
    return dataclasses.replace(rec, candidates=kept, rejected=rejected[:most_rejected], notes=tuple(notes))


def report_to_dict(rec: Recommendation, created_at: datetime.datetime | None = None) -> dict[str, Any]:
    """The report as plain TOML-writable data, in reading order: [report], [workload], [assumptions],
    [catalog_versions], [[prices]], [[candidates]], [[rejected]], [totals] (last, so truncation shows).
    At most ``MAX_CANDIDATES`` candidates and ``MAX_REJECTED`` rejections are written, with a note."""
    rec = _bounded(rec)
    created = created_at or _now()
    if created.tzinfo is None:
        created = created.astimezone(datetime.timezone.utc)
    prices = collect_prices(rec.candidates)
    meta = {
        "format": F.FORMAT,
        "schema_version": F.SCHEMA_VERSION,
        "tool": "moe-advisor",
        "tool_version": __version__,
        "created_at": created,
        "configurations_evaluated": rec.evaluated,
        "best": rec.best.label if rec.best is not None else None,
        "notes": rec.notes,
    }
    values = {
        "report": meta,
        "workload": rec.workload,
        "assumptions": stated_assumptions(rec),
        "catalog_versions": rec.catalog_versions,
        "prices": prices,
        "candidates": rec.candidates,
        "rejected": rec.rejected,
        "totals": {"prices": len(prices), "candidates": len(rec.candidates), "rejected": len(rec.rejected)},
    }
    return scrub(_section(F.TOP, values), secret_values())


def dumps_report(rec: Recommendation, created_at: datetime.datetime | None = None) -> str:
    """The report as TOML text: the same ``rec`` and ``created_at`` give the same text, never more than the report
    reader reads (``REPORT_MAX_BYTES``): when unusually long rows overflow it, fewer candidates are written."""
    import tomli_w

    from advisor.reports.load import report_max_bytes

    limit, most, most_rejected = report_max_bytes(), MAX_CANDIDATES, MAX_REJECTED
    while True:
        text = tomli_w.dumps(report_to_dict(_bounded(rec, most, most_rejected), created_at), indent=2)
        if len(text.encode("utf-8")) <= limit or most + most_rejected <= 1:
            return text
        most, most_rejected = max(1, min(most, len(rec.candidates)) // 2), min(most_rejected, len(rec.rejected)) // 2


def write_report(rec: Recommendation, path: str | os.PathLike, force: bool = False,
                 created_at: datetime.datetime | None = None) -> Path:
    """Write ``rec`` as a TOML report at ``path`` atomically; returns the path written.

    Raises ReportExistsError when ``path`` exists and ``force`` is false, ReportError when the path cannot
    be written (the previous file, if any, is left as it was)."""
    target = Path(path).expanduser()
    text = dumps_report(rec, created_at)
    _write(target, text.encode("utf-8"), force=force)
    return target


def _write(target: Path, payload: bytes, force: bool) -> None:
    """``atomic_write``, with its failures as one-line ReportErrors."""
    label = str(target)
    if target.is_dir():
        raise ReportError(label, "is a directory; give a file name such as report.toml")
    parent = target.parent
    if not parent.is_dir():
        what = f"{parent} is a file, not a directory" if parent.exists() else f"directory {parent} does not exist"
        raise ReportError(label, f"cannot write the report: {what}")
    try:
        atomic_write(target, payload, overwrite=force)
    except FileExistsError:
        raise ReportExistsError(target) from None
    except OSError as exc:
        raise ReportError(label, f"cannot write the report in {parent}: {exc.strerror or exc}") from None
