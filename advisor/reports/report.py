"""Recommendation reports as versioned TOML: export, load (validated), compare.

A report stands on its own: the workload as entered, the assumptions, every price used (provider, unit,
source, as-of date), the catalogs' versions, the ranked candidates with their breakdowns and reasons, and
the rejected options. Money is written as strings so it stays exact. Writing is atomic (temporary file in
the target's directory, fsync, rename) and never overwrites without ``force``; nothing from the
environment is written, and anything that looks like a secret is redacted.

Loading validates every key and fails with one line naming the file and the key
(``report.toml: candidates[3].monthly_cost_usd: must be a non-negative amount, got '-5'``). A report from
an unknown schema version is refused, never guessed at.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable

from advisor import __version__
from advisor.common.files import atomic_write
from advisor.common.redact import REDACTED, redact, scrub, secret_values  # noqa: F401 - re-exported
from advisor.errors import AdvisorError, InputError, UnknownIdError
from advisor.domain.recommendation import Candidate, MemoryBreakdown, Reason, Recommendation, Rejection, UtilizationPoint
from advisor.domain.workload import Workload

SCHEMA_VERSION = 1
"""The report layout this module writes and reads."""
FORMAT = "moe-advisor recommendation report"
"""``report.format``: tells a report from any other TOML file (a workload, a catalog)."""

__all__ = [
    "SCHEMA_VERSION", "ReportError", "ReportExistsError", "ReportPrice", "LoadedReport", "FieldChange", "PriceChange",
    "RankChange", "CandidateChange", "ReportDiff", "report_to_dict", "dumps_report", "write_report", "loads_report",
    "load_report", "diff_reports", "collect_prices",
]


# --------------------------------------------------------------------------- errors


class ReportError(AdvisorError):
    """A report cannot be written or read; one line naming the file (and the key, when one is at fault)."""

    def __init__(self, file: str, message: str, key: str | None = None):
        self.file = file
        self.key = key
        self.message = message
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


class ReportExistsError(ReportError):
    """The target file exists and ``force`` was not given (the TUI asks for confirmation on this)."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(str(path), "already exists; pass --force to overwrite it")


# --------------------------------------------------------------------------- loaded types


@dataclass(frozen=True)
class ReportPrice:
    """One price a recommendation used."""

    kind: str
    """``gpu`` (rented GPU-hours) or ``api`` (per-token)."""
    provider: str
    item: str
    """GPU id (kind ``gpu``) or model id (kind ``api``)."""
    unit: str
    """``usd_per_gpu_hour`` or ``usd_per_mtok``."""
    usd_per_gpu_hour: Decimal | None = None
    input_usd_per_mtok: Decimal | None = None
    output_usd_per_mtok: Decimal | None = None
    cached_input_usd_per_mtok: Decimal | None = None
    source: str = ""
    as_of: str = ""
    note: str = ""
    """Set when the amount had to be worked out from a candidate's hourly cost (and may be rounded)."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.provider, self.item)

    @property
    def amounts(self) -> dict[str, Decimal]:
        """The price's amounts by field name (``usd_per_gpu_hour`` or ``input_/output_usd_per_mtok``)."""
        names = ("usd_per_gpu_hour", "input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}

    @property
    def label(self) -> str:
        return f"{self.provider} {self.item}"


@dataclass(frozen=True)
class LoadedReport:
    """A report read back from TOML, validated."""

    path: str
    schema_version: int
    """Schema version the file was written in (older ones are upgraded on load)."""
    tool_version: str
    """moe-advisor version that wrote it."""
    created_at: datetime.datetime
    workload: Workload
    recommendation: Recommendation
    """Rebuilt from the file, so ``advisor.cli.render.render()`` prints it like ``recommend`` does."""
    prices: tuple[ReportPrice, ...]
    catalog_versions: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- export

_MONEY_MIN_PLACES = 2


def _plain(value: Any) -> Any:
    """A free-form value (assumptions, reason numbers) as TOML-writable data: Decimal -> string, None dropped
    from tables, anything unknown -> its text. Never raises."""
    if isinstance(value, bool) or isinstance(value, (int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_plain(v) for v in items if v is not None]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _plain({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    return str(value)


def _put(d: dict[str, Any], key: str, value: Any, conv: Callable[[Any], Any] | None = None) -> None:
    if value is not None:
        d[key] = conv(value) if conv else value


def _reason_dict(r: Reason) -> dict[str, Any]:
    out: dict[str, Any] = {"code": r.code, "severity": r.severity, "message": r.message}
    numbers = _plain(r.numbers or {})
    if numbers:
        out["numbers"] = numbers
    return out


def _candidate_dict(c: Candidate) -> dict[str, Any]:
    d: dict[str, Any] = {"rank": c.rank, "label": c.label}
    for name in ("model", "model_name", "architecture", "deployment", "provider"):
        d[name] = getattr(c, name)
    _put(d, "gpu", c.gpu)
    d["gpus"] = c.gpus
    d["replicas"] = c.replicas
    for name in ("precision", "kv_precision", "parallelism", "quality", "quality_benchmark"):
        _put(d, name, getattr(c, name))
    d["pareto"] = c.pareto
    d["monthly_cost_usd"] = str(c.monthly_cost_usd)
    d["usd_per_mtok"] = str(c.usd_per_mtok)
    _put(d, "utilization", c.utilization)

    cost: dict[str, Any] = {}
    _put(cost, "usd_per_gpu_hour", getattr(c, "usd_per_gpu_hour", None), str)
    _put(cost, "hourly_usd", c.hourly_usd, str)
    cost["price_source"] = c.price_source
    cost["price_as_of"] = c.price_as_of
    _put(cost, "api_input_usd_per_mtok", c.api_input_usd_per_mtok, str)
    _put(cost, "api_output_usd_per_mtok", c.api_output_usd_per_mtok, str)
    _put(cost, "api_cached_input_usd_per_mtok", getattr(c, "api_cached_input_usd_per_mtok", None), str)
    _put(cost, "single_stream_usd_per_mtok", c.single_stream_usd_per_mtok, str)
    _put(cost, "break_even_tokens_per_day", c.break_even_tokens_per_day)
    _put(cost, "break_even_vs", c.break_even_vs)
    if c.utilization_table:
        cost["usd_per_mtok_at_utilization"] = [{"utilization": p.utilization, "usd_per_mtok": str(p.usd_per_mtok)}
                                               for p in c.utilization_table]
    d["cost"] = cost
    if c.memory is not None:
        m = c.memory
        d["memory"] = {
            "capacity_bytes": m.capacity_bytes, "weights_bytes": m.weights_bytes, "kv_cache_bytes": m.kv_cache_bytes,
            "reserve_bytes": m.reserve_bytes, "free_bytes": m.free_bytes, "kv_capacity_bytes": m.kv_capacity_bytes,
            "concurrency": m.concurrency,
        }
    perf: dict[str, Any] = {}
    for name in ("output_tokens_per_s_per_replica", "batch", "ttft_ms", "tpot_ms", "bound"):
        _put(perf, name, getattr(c, name))
    if perf:
        d["performance"] = perf
    if c.reasons:
        d["reasons"] = [_reason_dict(r) for r in c.reasons]
    return d


def _rejection_dict(r: Rejection) -> dict[str, Any]:
    d: dict[str, Any] = {"label": r.label, "model": r.model, "deployment": r.deployment}
    _put(d, "provider", r.provider)
    _put(d, "gpu", r.gpu)
    d["gpus"] = r.gpus
    _put(d, "precision", r.precision)
    d["shortfall_bytes"] = r.shortfall_bytes
    d["reasons"] = [_reason_dict(x) for x in r.reasons]
    return d


def _trim_zeros(x: Decimal) -> Decimal:
    """``3.4900`` -> ``3.49`` (same value, at least two decimal places)."""
    if not x.is_finite():
        return x
    t = x.normalize()
    if t.as_tuple().exponent > -_MONEY_MIN_PLACES:
        t = t.quantize(Decimal(1).scaleb(-_MONEY_MIN_PLACES))
    return t


_OPTIONAL_CANDIDATE_MONEY = ("usd_per_gpu_hour", "api_cached_input_usd_per_mtok")
"""Cost fields written when the Candidate type has them (read back only into a Candidate that has them)."""
_CANDIDATE_FIELDS = frozenset(f.name for f in dataclasses.fields(Candidate))


def _paid_gpus(c: Candidate) -> int:
    """GPUs paid for per replica: more than used when a provider sells whole multi-GPU instances."""
    for r in c.reasons:
        paid = r.numbers.get("paid_gpus") if r.code == "instance-size" else None
        if isinstance(paid, int) and not isinstance(paid, bool) and paid >= c.gpus:
            return paid
    return c.gpus


def collect_prices(candidates: Iterable[Candidate]) -> tuple[ReportPrice, ...]:
    """Every price the candidates were costed at, one per (kind, provider, item), GPU-hours first.

    A GPU price is the candidate's own unit price when it carries one; otherwise its hourly cost over the
    GPUs paid for (exact for catalog prices of up to four decimals; a ``note`` says so when it may not be)."""
    seen: dict[tuple[str, str, str], ReportPrice] = {}
    for c in candidates:
        if c.api_input_usd_per_mtok is not None and c.api_output_usd_per_mtok is not None:
            p = ReportPrice("api", c.provider, c.model, "usd_per_mtok", input_usd_per_mtok=c.api_input_usd_per_mtok,
                            output_usd_per_mtok=c.api_output_usd_per_mtok,
                            cached_input_usd_per_mtok=getattr(c, "api_cached_input_usd_per_mtok", None),
                            source=c.price_source, as_of=c.price_as_of)
        elif c.gpu and c.hourly_usd is not None and c.gpus > 0 and c.replicas > 0:
            unit = getattr(c, "usd_per_gpu_hour", None)
            note = ""
            if unit is None:
                paid = _paid_gpus(c) * c.replicas
                unit = _trim_zeros(c.hourly_usd / Decimal(paid))
                if unit.as_tuple().exponent < -4 or unit * paid != c.hourly_usd:
                    unit = unit.quantize(Decimal("0.0001"))
                    note = (f"rounded to 4 decimals: worked out from the hourly cost of {c.label} "
                            f"(${c.hourly_usd} for {paid} GPUs)")
            p = ReportPrice("gpu", c.provider, c.gpu, "usd_per_gpu_hour", usd_per_gpu_hour=unit,
                            source=c.price_source, as_of=c.price_as_of, note=note)
        else:
            continue
        seen.setdefault(p.key, p)
    order = {"gpu": 0, "api": 1}
    return tuple(sorted(seen.values(), key=lambda p: (order.get(p.kind, 2), p.kind, p.provider, p.item)))


def _price_dict(p: ReportPrice) -> dict[str, Any]:
    d: dict[str, Any] = {"kind": p.kind, "provider": p.provider, "item": p.item, "unit": p.unit}
    for name, amount in p.amounts.items():
        d[name] = str(amount)
    d["source"] = p.source
    d["as_of"] = p.as_of
    if p.note:
        d["note"] = p.note
    return d


def _workload_value(f: dataclasses.Field, value: Any) -> Any:
    """A workload field in its declared type (a preset's ``ttft_ms=1500`` is written ``1500.0``, as it reads back)."""
    if f.type == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return _plain(value)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def report_to_dict(rec: Recommendation, created_at: datetime.datetime | None = None) -> dict[str, Any]:
    """The report as plain TOML-writable data, in reading order: [report], [workload], [assumptions],
    [catalog_versions], [[prices]], [[candidates]], [[rejected]], [totals] (last, so truncation shows)."""
    created = created_at or _now()
    if created.tzinfo is None:
        created = created.astimezone(datetime.timezone.utc)
    prices = collect_prices(rec.candidates)
    meta: dict[str, Any] = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "tool": "moe-advisor",
        "tool_version": __version__,
        "created_at": created,
        "configurations_evaluated": rec.evaluated,
    }
    if rec.best is not None:
        meta["best"] = rec.best.label
    meta["notes"] = list(rec.notes)
    workload = {f.name: _workload_value(f, getattr(rec.workload, f.name)) for f in dataclasses.fields(rec.workload)}
    data: dict[str, Any] = {
        "report": meta,
        "workload": workload,
        "assumptions": _plain(rec.assumptions),
        "catalog_versions": {str(k): str(v) for k, v in rec.catalog_versions.items()},
    }
    if prices:
        data["prices"] = [_price_dict(p) for p in prices]
    if rec.candidates:
        data["candidates"] = [_candidate_dict(c) for c in rec.candidates]
    if rec.rejected:
        data["rejected"] = [_rejection_dict(r) for r in rec.rejected]
    data["totals"] = {"prices": len(prices), "candidates": len(rec.candidates), "rejected": len(rec.rejected)}
    return scrub(data, secret_values())


def dumps_report(rec: Recommendation, created_at: datetime.datetime | None = None) -> str:
    """The report as TOML text: the same ``rec`` and ``created_at`` give the same text."""
    import tomli_w

    return tomli_w.dumps(report_to_dict(rec, created_at), indent=2)


def write_report(rec: Recommendation, path: str | os.PathLike, force: bool = False,
                 created_at: datetime.datetime | None = None) -> Path:
    """Write ``rec`` as a TOML report at ``path`` atomically; returns the path written.

    Raises ReportExistsError when ``path`` exists and ``force`` is false, ReportError when the path cannot
    be written (the previous file, if any, is left as it was)."""
    target = Path(path).expanduser()
    text = dumps_report(rec, created_at)
    _atomic_write(target, text.encode("utf-8"), force=force)
    return target


def _atomic_write(target: Path, payload: bytes, force: bool) -> None:
    label = str(target)
    if target.is_dir():
        raise ReportError(label, "is a directory; give a file name such as report.toml")
    parent = target.parent
    if not parent.is_dir():
        raise ReportError(label, f"cannot write the report: directory {parent} does not exist")
    try:
        atomic_write(target, payload, overwrite=force)
    except FileExistsError:
        raise ReportExistsError(target) from None
    except OSError as exc:
        raise ReportError(label, f"cannot write the report in {parent}: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- loading

_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}
"""schema version N -> a function turning a version-N report into version N+1 (none yet: 1 is the first)."""


class _Reader:
    """Typed access to a parsed report; every failure names the file and the key path."""

    def __init__(self, label: str):
        self.label = label

    def fail(self, key: str, message: str) -> ReportError:
        return ReportError(self.label, message, key)

    def table(self, parent: dict, key: str, where: str, required: bool = True) -> dict | None:
        path = f"{where}.{key}" if where else key
        if key not in parent:
            if required:
                raise self.fail(path, "missing table")
            return None
        v = parent[key]
        if not isinstance(v, dict):
            raise self.fail(path, f"must be a table, got {_show(v)}")
        return v

    def tables(self, parent: dict, key: str, where: str = "") -> list[dict]:
        path = f"{where}.{key}" if where else key
        v = parent.get(key, [])
        if not isinstance(v, list):
            raise self.fail(path, f"must be an array of tables, got {_show(v)}")
        for i, item in enumerate(v):
            if not isinstance(item, dict):
                raise self.fail(f"{path}[{i}]", f"must be a table, got {_show(item)}")
        return v

    def known(self, t: dict, where: str, keys: Iterable[str]) -> None:
        allowed = set(keys)
        for k in t:
            if k not in allowed:
                import difflib

                close = difflib.get_close_matches(k, sorted(allowed), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise self.fail(f"{where}.{k}" if where else k, f"unknown key{hint}")

    def _get(self, t: dict, key: str, where: str, required: bool):
        path = f"{where}.{key}" if where else key
        if key not in t:
            if required:
                raise self.fail(path, "missing")
            return path, None
        return path, t[key]

    def text(self, t: dict, key: str, where: str, required: bool = True, default: str | None = None) -> str | None:
        path, v = self._get(t, key, where, required)
        if v is None:
            return default
        if not isinstance(v, str):
            raise self.fail(path, f"must be text, got {_show(v)}")
        return v

    def choice(self, t: dict, key: str, where: str, options: tuple[str, ...]) -> str:
        v = self.text(t, key, where)
        if v not in options:
            raise self.fail(f"{where}.{key}", f"must be one of {', '.join(options)}, got {v!r}")
        return v

    def whole(self, t: dict, key: str, where: str, required: bool = True, minimum: int | None = 0) -> int | None:
        path, v = self._get(t, key, where, required)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(path, f"must be a whole number, got {_show(v)}")
        if minimum is not None and v < minimum:
            raise self.fail(path, f"must be at least {minimum}, got {v}")
        return v

    def number(self, t: dict, key: str, where: str, required: bool = True, nonneg: bool = True) -> float | None:
        path, v = self._get(t, key, where, required)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(path, f"must be a number, got {_show(v)}")
        if math.isnan(v) or (nonneg and v < 0):
            raise self.fail(path, f"must be a non-negative number, got {_show(v)}")
        return v  # as written (an int stays an int, so re-exporting gives the same text)

    def flag(self, t: dict, key: str, where: str, required: bool = True, default: bool = False) -> bool:
        path, v = self._get(t, key, where, required)
        if v is None:
            return default
        if not isinstance(v, bool):
            raise self.fail(path, f"must be true or false, got {_show(v)}")
        return v

    def money(self, t: dict, key: str, where: str, required: bool = True) -> Decimal | None:
        path, v = self._get(t, key, where, required)
        if v is None:
            return None
        bad = self.fail(path, f"must be a non-negative amount, got {_show(v)}")
        if isinstance(v, bool) or not isinstance(v, (str, int, float)):
            raise bad
        try:
            d = Decimal(v.strip().replace("_", "")) if isinstance(v, str) else Decimal(str(v))
        except InvalidOperation:
            raise bad from None
        if not d.is_finite() or d < 0:
            raise bad
        return d

    def strings(self, t: dict, key: str, where: str) -> tuple[str, ...]:
        path, v = self._get(t, key, where, False)
        if v is None:
            return ()
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(path, f"must be a list of text, got {_show(v)}")
        return tuple(v)


def _show(v: Any) -> str:
    if isinstance(v, dict):
        return "a table"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, str):
        return repr(v) if len(v) <= 40 else repr(v[:37] + "...")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (datetime.date, datetime.time)):
        return v.isoformat()
    return repr(v)


_CANDIDATE_KEYS = ("rank", "label", "model", "model_name", "architecture", "deployment", "provider", "gpu", "gpus", "replicas",
                   "precision", "kv_precision", "parallelism", "quality", "quality_benchmark", "pareto", "monthly_cost_usd",
                   "usd_per_mtok", "utilization", "cost", "memory", "performance", "reasons")
_COST_KEYS = ("usd_per_gpu_hour", "hourly_usd", "price_source", "price_as_of", "api_input_usd_per_mtok", "api_output_usd_per_mtok",
              "api_cached_input_usd_per_mtok", "single_stream_usd_per_mtok", "break_even_tokens_per_day", "break_even_vs", "usd_per_mtok_at_utilization")
_MEMORY_KEYS = ("capacity_bytes", "weights_bytes", "kv_cache_bytes", "reserve_bytes", "free_bytes", "kv_capacity_bytes", "concurrency")
_PERF_KEYS = ("output_tokens_per_s_per_replica", "batch", "ttft_ms", "tpot_ms", "bound")
_REJECTED_KEYS = ("label", "model", "deployment", "provider", "gpu", "gpus", "precision", "shortfall_bytes", "reasons")
_REASON_KEYS = ("code", "severity", "message", "numbers")
_PRICE_KEYS = ("kind", "provider", "item", "unit", "usd_per_gpu_hour", "input_usd_per_mtok", "output_usd_per_mtok",
               "cached_input_usd_per_mtok", "source", "as_of", "note")
_REPORT_KEYS = ("format", "schema_version", "tool", "tool_version", "created_at", "configurations_evaluated", "best", "notes")
_TOP_KEYS = ("report", "workload", "assumptions", "catalog_versions", "prices", "candidates", "rejected", "totals")


def _reasons(r: _Reader, t: dict, where: str, required: bool = False) -> tuple[Reason, ...]:
    out = []
    items = r.tables(t, "reasons", where)
    if required and not items:
        raise r.fail(f"{where}.reasons", "missing: a rejection needs at least one reason")
    for i, raw in enumerate(items):
        w = f"{where}.reasons[{i}]"
        r.known(raw, w, _REASON_KEYS)
        numbers = r.table(raw, "numbers", w, required=False) or {}
        out.append(Reason(code=r.text(raw, "code", w), message=r.text(raw, "message", w),
                          severity=r.text(raw, "severity", w, required=False, default="info"), numbers=dict(numbers)))
    return tuple(out)


def _candidate(r: _Reader, raw: dict, i: int) -> Candidate:
    w = f"candidates[{i}]"
    r.known(raw, w, _CANDIDATE_KEYS)
    rank = r.whole(raw, "rank", w, minimum=1)
    if rank != i + 1:
        raise r.fail(f"{w}.rank", f"expected {i + 1} (candidates are listed best first), got {rank}")
    cost = r.table(raw, "cost", w, required=False) or {}
    cw = f"{w}.cost"
    r.known(cost, cw, _COST_KEYS)
    points = []
    for j, p in enumerate(r.tables(cost, "usd_per_mtok_at_utilization", cw)):
        pw = f"{cw}.usd_per_mtok_at_utilization[{j}]"
        r.known(p, pw, ("utilization", "usd_per_mtok"))
        points.append(UtilizationPoint(r.number(p, "utilization", pw), r.money(p, "usd_per_mtok", pw)))
    memory = None
    mem = r.table(raw, "memory", w, required=False)
    if mem is not None:
        mw = f"{w}.memory"
        r.known(mem, mw, _MEMORY_KEYS)
        memory = MemoryBreakdown(
            capacity_bytes=r.whole(mem, "capacity_bytes", mw), weights_bytes=r.whole(mem, "weights_bytes", mw),
            kv_cache_bytes=r.whole(mem, "kv_cache_bytes", mw), reserve_bytes=r.whole(mem, "reserve_bytes", mw),
            kv_capacity_bytes=r.whole(mem, "kv_capacity_bytes", mw), concurrency=r.number(mem, "concurrency", mw),
        )
        r.whole(mem, "free_bytes", mw, required=False, minimum=None)  # derived: checked for type, recomputed
    perf = r.table(raw, "performance", w, required=False) or {}
    pw = f"{w}.performance"
    r.known(perf, pw, _PERF_KEYS)
    optional = {name: r.money(cost, name, cw, required=False) for name in _OPTIONAL_CANDIDATE_MONEY}
    extra = {k: v for k, v in optional.items() if k in _CANDIDATE_FIELDS}
    return Candidate(**extra,
        model=r.text(raw, "model", w), model_name=r.text(raw, "model_name", w), architecture=r.text(raw, "architecture", w),
        deployment=r.text(raw, "deployment", w), provider=r.text(raw, "provider", w), gpu=r.text(raw, "gpu", w, required=False),
        gpus=r.whole(raw, "gpus", w), replicas=r.whole(raw, "replicas", w), precision=r.text(raw, "precision", w, required=False),
        monthly_cost_usd=r.money(raw, "monthly_cost_usd", w), usd_per_mtok=r.money(raw, "usd_per_mtok", w),
        utilization=r.number(raw, "utilization", w, required=False), quality=r.number(raw, "quality", w, required=False, nonneg=False),
        quality_benchmark=r.text(raw, "quality_benchmark", w, required=False),
        hourly_usd=r.money(cost, "hourly_usd", cw, required=False),
        price_source=r.text(cost, "price_source", cw, required=False, default=""),
        price_as_of=r.text(cost, "price_as_of", cw, required=False, default=""),
        memory=memory,
        output_tokens_per_s_per_replica=r.number(perf, "output_tokens_per_s_per_replica", pw, required=False),
        batch=r.whole(perf, "batch", pw, required=False), ttft_ms=r.number(perf, "ttft_ms", pw, required=False),
        tpot_ms=r.number(perf, "tpot_ms", pw, required=False), bound=r.text(perf, "bound", pw, required=False),
        kv_precision=r.text(raw, "kv_precision", w, required=False), parallelism=r.text(raw, "parallelism", w, required=False),
        utilization_table=tuple(points),
        single_stream_usd_per_mtok=r.money(cost, "single_stream_usd_per_mtok", cw, required=False),
        break_even_tokens_per_day=r.number(cost, "break_even_tokens_per_day", cw, required=False),
        break_even_vs=r.text(cost, "break_even_vs", cw, required=False),
        api_input_usd_per_mtok=r.money(cost, "api_input_usd_per_mtok", cw, required=False),
        api_output_usd_per_mtok=r.money(cost, "api_output_usd_per_mtok", cw, required=False),
        reasons=_reasons(r, raw, w), rank=rank, pareto=r.flag(raw, "pareto", w),
    )


def _rejection(r: _Reader, raw: dict, i: int) -> Rejection:
    w = f"rejected[{i}]"
    r.known(raw, w, _REJECTED_KEYS)
    return Rejection(
        model=r.text(raw, "model", w), deployment=r.text(raw, "deployment", w), reasons=_reasons(r, raw, w, required=True),
        provider=r.text(raw, "provider", w, required=False), gpu=r.text(raw, "gpu", w, required=False),
        gpus=r.whole(raw, "gpus", w, required=False) or 0, precision=r.text(raw, "precision", w, required=False),
        shortfall_bytes=r.whole(raw, "shortfall_bytes", w, required=False) or 0,
    )


def _price(r: _Reader, raw: dict, i: int) -> ReportPrice:
    w = f"prices[{i}]"
    r.known(raw, w, _PRICE_KEYS)
    kind = r.choice(raw, "kind", w, ("gpu", "api"))
    if kind == "gpu":
        amounts = {"usd_per_gpu_hour": r.money(raw, "usd_per_gpu_hour", w)}
    else:
        amounts = {"input_usd_per_mtok": r.money(raw, "input_usd_per_mtok", w),
                   "output_usd_per_mtok": r.money(raw, "output_usd_per_mtok", w),
                   "cached_input_usd_per_mtok": r.money(raw, "cached_input_usd_per_mtok", w, required=False)}
    unit = r.text(raw, "unit", w)
    expected = "usd_per_gpu_hour" if kind == "gpu" else "usd_per_mtok"
    if unit != expected:
        raise r.fail(f"{w}.unit", f"must be {expected!r} for a {kind} price, got {unit!r}")
    return ReportPrice(kind=kind, provider=r.text(raw, "provider", w), item=r.text(raw, "item", w), unit=unit,
                       source=r.text(raw, "source", w, required=False, default=""),
                       as_of=r.text(raw, "as_of", w, required=False, default=""),
                       note=r.text(raw, "note", w, required=False, default=""), **amounts)


def _workload(r: _Reader, data: dict) -> Workload:
    from advisor.domain.workload import from_mapping

    raw = r.table(data, "workload", "")
    where = f"{r.label}: workload"
    try:
        return from_mapping(raw, where)
    except InputError as exc:
        message = str(exc)
        prefix = f"{where}: {exc.field}: "
        raise r.fail(f"workload.{exc.field}", message[len(prefix):] if message.startswith(prefix) else message) from None
    except UnknownIdError as exc:
        key = "precisions" if exc.kind == "precision" else f"{exc.kind}"
        raise r.fail(f"workload.{key}", str(exc)) from None


def _created_at(r: _Reader, meta: dict) -> datetime.datetime:
    v = meta.get("created_at")
    if isinstance(v, datetime.datetime):
        return v
    if isinstance(v, str):
        try:
            return datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            pass
    if v is None:
        raise r.fail("report.created_at", "missing")
    raise r.fail("report.created_at", f"must be a date and time such as 2026-01-31T12:00:00Z, got {_show(v)}")


def _check_schema(r: _Reader, data: dict) -> int:
    meta = r.table(data, "report", "", required=False)
    if meta is None:
        looks_like_workload = ("workload" in data and len(data) == 1) or "requests_per_day" in data
        hint = " (this looks like a workload file: use --workload)" if looks_like_workload else ""
        raise r.fail("report", f"missing table: not a moe-advisor report{hint}")
    fmt = meta.get("format")
    if fmt != FORMAT:
        raise r.fail("report.format", f"must be {FORMAT!r}, got {_show(fmt) if fmt is not None else 'nothing'}: not a moe-advisor report")
    version = meta.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise r.fail("report.schema_version", f"must be a whole number, got {_show(version) if version is not None else 'nothing'}")
    if version > SCHEMA_VERSION:
        raise r.fail("report.schema_version", f"version {version} is newer than this moe-advisor reads ({SCHEMA_VERSION}); "
                     f"upgrade moe-advisor (this is {__version__}) to read it")
    if version < 1 or (version < SCHEMA_VERSION and version not in _UPGRADES):
        raise r.fail("report.schema_version", f"unknown schema version {version} (this moe-advisor reads {SCHEMA_VERSION})")
    return version


def loads_report(text: str, label: str = "report") -> LoadedReport:
    """Parse and validate report text (``label`` names it in errors)."""
    r = _Reader(label)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReportError(label, f"malformed TOML, the file may be truncated or mis-edited: {exc}") from None
    file_version = version = _check_schema(r, data)
    while version < SCHEMA_VERSION:  # pragma: no cover - no older schema exists yet
        data = _UPGRADES[version](data)
        version += 1
    r.known(data, "", _TOP_KEYS)
    meta = r.table(data, "report", "")
    r.known(meta, "report", _REPORT_KEYS)
    tool_version = r.text(meta, "tool_version", "report")
    created_at = _created_at(r, meta)
    evaluated = r.whole(meta, "configurations_evaluated", "report", required=False) or 0
    notes = r.strings(meta, "notes", "report")

    totals = r.table(data, "totals", "", required=False)
    if totals is None:
        raise r.fail("totals", "missing table: the report is incomplete (truncated?)")
    r.known(totals, "totals", ("prices", "candidates", "rejected"))
    sections = {name: r.tables(data, name) for name in ("prices", "candidates", "rejected")}
    for name, items in sections.items():
        expected = r.whole(totals, name, "totals")
        if expected != len(items):
            raise r.fail(name, f"the report says {expected} but the file holds {len(items)}: it is incomplete or was edited")

    workload = _workload(r, data)
    assumptions = r.table(data, "assumptions", "", required=False) or {}
    versions = r.table(data, "catalog_versions", "", required=False) or {}
    for k, v in versions.items():
        if not isinstance(v, str):
            raise r.fail(f"catalog_versions.{k}", f"must be text, got {_show(v)}")
    prices = tuple(_price(r, raw, i) for i, raw in enumerate(sections["prices"]))
    candidates = tuple(_candidate(r, raw, i) for i, raw in enumerate(sections["candidates"]))
    rejected = tuple(_rejection(r, raw, i) for i, raw in enumerate(sections["rejected"]))
    rec = Recommendation(workload=workload, candidates=candidates, rejected=rejected, assumptions=dict(assumptions),
                         evaluated=evaluated, catalog_versions=dict(versions), notes=notes)
    return LoadedReport(path=label, schema_version=file_version, tool_version=tool_version, created_at=created_at,
                        workload=workload, recommendation=rec, prices=prices, catalog_versions=dict(versions))


def load_report(path: str | os.PathLike) -> LoadedReport:
    """Read and validate a TOML report; ReportError (one line, naming the file and key) when it is bad."""
    p = Path(path).expanduser()
    label = str(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ReportError(label, "file not found") from None
    except IsADirectoryError:
        raise ReportError(label, "is a directory, not a report file") from None
    except OSError as exc:
        raise ReportError(label, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ReportError(label, "not a UTF-8 text file (not a moe-advisor report)") from None
    return loads_report(text, label)


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class FieldChange:
    key: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PriceChange:
    """A price amount that moved, appeared (old None) or went away (new None)."""

    kind: str
    provider: str
    item: str
    field: str
    """``usd_per_gpu_hour``, ``input_usd_per_mtok`` or ``output_usd_per_mtok``."""
    old: Decimal | None
    new: Decimal | None
    old_as_of: str = ""
    new_as_of: str = ""

    @property
    def change_pct(self) -> float | None:
        if self.old is None or self.new is None or self.old == 0:
            return None
        return float((self.new - self.old) / self.old * 100)


@dataclass(frozen=True)
class RankChange:
    """A candidate in both reports whose rank or monthly cost changed."""

    label: str
    old_rank: int
    new_rank: int
    old_monthly_cost_usd: Decimal
    new_monthly_cost_usd: Decimal
    details: tuple[str, ...] = ()
    """Other changes to the same configuration (provider, GPUs, replicas)."""


@dataclass(frozen=True)
class CandidateChange:
    """A candidate only one report has."""

    label: str
    rank: int
    monthly_cost_usd: Decimal
    reason: str | None = None
    """Why it is out now (became infeasible) or was out before (appeared after a rejection)."""


@dataclass(frozen=True)
class ReportDiff:
    old_label: str
    new_label: str
    workload_changes: tuple[FieldChange, ...] = ()
    assumption_changes: tuple[FieldChange, ...] = ()
    catalog_changes: tuple[FieldChange, ...] = ()
    price_changes: tuple[PriceChange, ...] = ()
    rank_changes: tuple[RankChange, ...] = ()
    became_infeasible: tuple[CandidateChange, ...] = ()
    disappeared: tuple[CandidateChange, ...] = ()
    """Gone without a rejection saying why (no longer offered or priced)."""
    appeared: tuple[CandidateChange, ...] = ()
    old_best: str | None = None
    new_best: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.workload_changes or self.assumption_changes or self.catalog_changes or self.price_changes
                    or self.rank_changes or self.became_infeasible or self.disappeared or self.appeared)

    def text(self, limit: int = 15) -> str:
        """Plain-text summary, at most ``limit`` lines per section."""
        from advisor.common import fmt

        out = [f"old: {self.old_label}", f"new: {self.new_label}"]
        if not self.changed:
            out.append("No changes: same workload, prices and ranking.")
            return "\n".join(out) + "\n"
        if self.old_best != self.new_best:
            out.append(f"Best option changed: {self.old_best or 'none'} -> {self.new_best or 'none'}")
        else:
            out.append(f"Best option unchanged: {self.new_best or 'none'}")

        def section(title: str, lines: list[str]) -> None:
            if not lines:
                return
            out.append("")
            out.append(f"{title} ({len(lines)}):")
            out.extend(f"  {x}" for x in lines[:limit])
            if len(lines) > limit:
                out.append(f"  ... {len(lines) - limit} more")

        section("Workload changed", [f"{c.key}: {_val(c.old)} -> {_val(c.new)}" for c in self.workload_changes])
        moved = [p for p in self.price_changes if p.old is not None and p.new is not None]
        section("Prices changed", [_price_line(p) for p in moved])
        unused = {(p.kind, p.provider, p.item) for p in self.price_changes if p.new is None}
        added = {(p.kind, p.provider, p.item) for p in self.price_changes if p.old is None}
        if unused or added:
            if not moved:
                out.append("")
            out.append(f"{'  ' if moved else ''}Prices no longer used: {len(unused)}, newly used: {len(added)} "
                       "(options that dropped out or came in)")
        section("Became infeasible", [f"{c.label} (was #{c.rank}, {fmt.usd(c.monthly_cost_usd)}/month): {c.reason}"
                                      for c in self.became_infeasible])
        section("No longer offered", [f"{c.label} (was #{c.rank}, {fmt.usd(c.monthly_cost_usd)}/month)" for c in self.disappeared])
        section("New options", [f"{c.label} (#{c.rank}, {fmt.usd(c.monthly_cost_usd)}/month)" + (f"; before: {c.reason}" if c.reason else "")
                                for c in self.appeared])
        ranked = []
        for c in self.rank_changes:
            rank = f"#{c.old_rank} -> #{c.new_rank}" if c.old_rank != c.new_rank else f"#{c.new_rank}"
            cost = (f"{fmt.usd(c.old_monthly_cost_usd)} -> {fmt.usd(c.new_monthly_cost_usd)}/month"
                    if c.old_monthly_cost_usd != c.new_monthly_cost_usd else f"{fmt.usd(c.new_monthly_cost_usd)}/month")
            ranked.append(f"{rank:<14} {c.label}: {cost}" + (f" ({'; '.join(c.details)})" if c.details else ""))
        section("Ranking changed", ranked)
        section("Assumptions changed", [f"{c.key}: {_val(c.old)} -> {_val(c.new)}" for c in self.assumption_changes])
        section("Catalog files changed", [_catalog_line(c) for c in self.catalog_changes])
        return "\n".join(out) + "\n"


def _val(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v)) or "(none)"
    return str(v)


def _catalog_line(c: FieldChange) -> str:
    stamp = lambda v: f"version {v}" if v else "no version stamp"  # noqa: E731
    if c.old is None:
        return f"{c.key}: added ({stamp(c.new)})"
    if c.new is None:
        return f"{c.key}: no longer loaded"
    return f"{c.key}: {stamp(c.old)} -> {stamp(c.new)}"


def _price_line(p: PriceChange) -> str:
    unit = "/GPU-hour" if p.field == "usd_per_gpu_hour" else "/M tokens"
    what = {"usd_per_gpu_hour": "", "input_usd_per_mtok": " input", "output_usd_per_mtok": " output",
            "cached_input_usd_per_mtok": " cached input"}.get(p.field, f" {p.field}")
    name = f"{p.provider} {p.item}{what}"
    if p.old is None:
        return f"{name}: new price ${p.new}{unit} (as of {p.new_as_of or '?'})"
    if p.new is None:
        return f"{name}: ${p.old}{unit} no longer listed"
    pct = p.change_pct
    pct_text = f" ({pct:+.1f}%)" if pct is not None else ""
    asof = f", as of {p.old_as_of} -> {p.new_as_of}" if p.old_as_of != p.new_as_of else ""
    return f"{name}: ${p.old} -> ${p.new}{unit}{pct_text}{asof}"


def _candidate_key(c: Candidate) -> tuple:
    if c.deployment == "self-hosted":
        return (c.deployment, c.model, c.gpu or "", c.precision or "")
    return (c.deployment, c.model, c.provider, c.gpu or "", c.precision or "")


def _rejection_for(key: tuple, rejected: Iterable[Rejection]) -> Rejection | None:
    deployment, model = key[0], key[1]
    for r in rejected:
        if r.model != model:
            continue
        if r.deployment == "any":
            return r
        if r.deployment != deployment:
            continue
        if deployment == "self-hosted" and (r.gpu, r.precision or "") == (key[2] or None, key[3]):
            return r
        if deployment != "self-hosted" and (r.provider is None or r.provider == key[2]):
            return r
    return None


def _flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(_flatten(v, key))
        else:
            out[key] = v
    return out


def _dict_changes(old: dict, new: dict) -> tuple[FieldChange, ...]:
    a, b = _flatten(old), _flatten(new)
    keys = list(a) + [k for k in b if k not in a]
    return tuple(FieldChange(k, a.get(k), b.get(k)) for k in keys if _plain(a.get(k)) != _plain(b.get(k)))


def _report_label(rep: LoadedReport) -> str:
    when = rep.created_at.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if rep.created_at.tzinfo else str(rep.created_at)
    return f"{rep.path} ({when}, moe-advisor {rep.tool_version})"


def diff_reports(old: LoadedReport, new: LoadedReport) -> ReportDiff:
    """What changed from ``old`` to ``new``: workload, prices, ranking, feasibility, assumptions."""
    wl = lambda w: {f.name: getattr(w, f.name) for f in dataclasses.fields(w)}  # noqa: E731
    workload_changes = _dict_changes(wl(old.workload), wl(new.workload))

    price_changes: list[PriceChange] = []
    old_prices = {p.key: p for p in old.prices}
    new_prices = {p.key: p for p in new.prices}
    for key in list(old_prices) + [k for k in new_prices if k not in old_prices]:
        a, b = old_prices.get(key), new_prices.get(key)
        fields = list(a.amounts if a else {}) + [f for f in (b.amounts if b else {}) if not a or f not in a.amounts]
        for f in fields:
            x = a.amounts.get(f) if a else None
            y = b.amounts.get(f) if b else None
            if x != y:
                ref = a or b
                price_changes.append(PriceChange(ref.kind, ref.provider, ref.item, f, x, y,
                                                 a.as_of if a else "", b.as_of if b else ""))

    orec, nrec = old.recommendation, new.recommendation
    old_c = {}
    for c in orec.candidates:
        old_c.setdefault(_candidate_key(c), c)
    new_c = {}
    for c in nrec.candidates:
        new_c.setdefault(_candidate_key(c), c)
    rank_changes = []
    for key, b in new_c.items():
        a = old_c.get(key)
        if a is None:
            continue
        details = []
        if a.provider != b.provider:
            details.append(f"provider {a.provider} -> {b.provider}")
        if a.gpus != b.gpus:
            details.append(f"GPUs per replica {a.gpus} -> {b.gpus}")
        if a.replicas != b.replicas:
            details.append(f"replicas {a.replicas} -> {b.replicas}")
        if a.rank != b.rank or a.monthly_cost_usd != b.monthly_cost_usd or details:
            rank_changes.append(RankChange(b.label, a.rank, b.rank, a.monthly_cost_usd, b.monthly_cost_usd, tuple(details)))
    rank_changes.sort(key=lambda c: (min(c.old_rank, c.new_rank), c.new_rank))
    infeasible, gone = [], []
    for key, a in old_c.items():
        if key in new_c:
            continue
        rej = _rejection_for(key, nrec.rejected)
        if rej is not None:
            infeasible.append(CandidateChange(a.label, a.rank, a.monthly_cost_usd, rej.reasons[0].message if rej.reasons else None))
        else:
            gone.append(CandidateChange(a.label, a.rank, a.monthly_cost_usd))
    appeared = []
    for key, b in new_c.items():
        if key in old_c:
            continue
        rej = _rejection_for(key, orec.rejected)
        appeared.append(CandidateChange(b.label, b.rank, b.monthly_cost_usd, rej.reasons[0].message if rej and rej.reasons else None))
    return ReportDiff(
        old_label=_report_label(old), new_label=_report_label(new),
        workload_changes=workload_changes,
        assumption_changes=_dict_changes(orec.assumptions, nrec.assumptions),
        catalog_changes=_dict_changes(old.catalog_versions, new.catalog_versions),
        price_changes=tuple(price_changes), rank_changes=tuple(rank_changes),
        became_infeasible=tuple(infeasible), disappeared=tuple(gone), appeared=tuple(appeared),
        old_best=orec.best.label if orec.best else None, new_best=nrec.best.label if nrec.best else None,
    )
