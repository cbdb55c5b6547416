"""Comparing two loaded reports (``report diff``): workload, prices, ranking, feasibility, assumptions and
catalog files, as data (``ReportDiff``) and as plain text.

Candidates and rejections are indexed by key once, so comparing two reports takes time linear in their size.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable

from advisor.common import fmt
from advisor.domain.recommendation import Candidate, Rejection, plural
from advisor.reports import fields as F
from advisor.reports.model import LoadedReport


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
    """A candidate in both reports whose rank or monthly cost changed, or (``ReportDiff.moved``) the same configuration
    ranked at another provider now (``new_label`` names the new row).

    Monthly figures, as ``recommend --format json`` names them: ``*_serving_monthly_cost_usd`` is the serving bill alone
    (recommend's ``monthly_cost_usd``), ``*_total_monthly_usd`` serving plus the month's fine-tuning runs (recommend's
    ``total_monthly_usd``, what the ranking compares). ``old_monthly_cost_usd`` / ``new_monthly_cost_usd`` are the names
    earlier versions wrote, kept for scripts that read them with the meaning they had: the TOTAL, not recommend's
    serving-only ``monthly_cost_usd`` (trial 35)."""

    label: str
    old_rank: int
    new_rank: int
    old_monthly_cost_usd: Decimal
    """The total (= ``old_total_monthly_usd``); kept under its old name."""
    new_monthly_cost_usd: Decimal
    """The total (= ``new_total_monthly_usd``); kept under its old name."""
    details: tuple[str, ...] = ()
    """Other changes to the same configuration (provider, GPUs, replicas)."""
    old_serving_monthly_cost_usd: Decimal | None = None
    new_serving_monthly_cost_usd: Decimal | None = None
    old_total_monthly_usd: Decimal | None = None
    new_total_monthly_usd: Decimal | None = None
    new_label: str = ""
    """The row in the new report when its label differs (another provider)."""


@dataclass(frozen=True)
class CandidateChange:
    """A candidate only one report has. ``monthly_cost_usd`` is its TOTAL (serving plus fine-tuning: the name earlier
    versions wrote, kept with that meaning); ``serving_monthly_cost_usd`` and ``total_monthly_usd`` name the two figures
    as ``recommend --format json`` does (trial 35)."""

    label: str
    rank: int
    monthly_cost_usd: Decimal
    """The total (= ``total_monthly_usd``); kept under its old name."""
    reason: str | None = None
    """Why it is out now (became infeasible) or was out before (appeared after a rejection)."""
    serving_monthly_cost_usd: Decimal | None = None
    total_monthly_usd: Decimal | None = None


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
    """Ruled out now by a rejection of the same configuration (model, mode, GPU type, GPU count, precision, provider
    where the rejection names one, or one that applies to every count or deployment of the model)."""
    filtered_out: tuple[CandidateChange, ...] = ()
    """Left out by a workload filter (GPU types, providers) the old report did not have, or that changed."""
    resized: tuple[CandidateChange, ...] = ()
    """The same deployment (model, mode, GPU type, precision, provider) ranked at another GPU count now: its reason
    names the new row."""
    moved: tuple[RankChange, ...] = ()
    """The same self-hosted configuration (model, mode, GPU type, GPU count, precision, engine) ranked at another
    provider now, e.g. a cheaper offer that replaced it (trial 35): ``new_label`` names the new row, which is not
    listed under ``appeared``."""
    disappeared: tuple[CandidateChange, ...] = ()
    """Gone without a rejection saying why (no longer offered or priced)."""
    appeared: tuple[CandidateChange, ...] = ()
    old_best: str | None = None
    new_best: str | None = None
    with_fine_tuning: bool = False
    """The monthly figures include fine-tuning runs (each candidate's ``monthly_total_usd``, as the ranking compares them)."""

    @property
    def changed(self) -> bool:
        return bool(self.workload_changes or self.assumption_changes or self.catalog_changes or self.price_changes
                    or self.rank_changes or self.became_infeasible or self.filtered_out or self.resized or self.moved or self.disappeared
                    or self.appeared)

    def text(self, limit: int = 15) -> str:
        """Plain-text summary, at most ``limit`` lines per section."""
        out = [f"old: {self.old_label}", f"new: {self.new_label}"]
        if not self.changed:
            out.append("No changes: same workload, prices and ranking.")
            return "\n".join(out) + "\n"
        if self.old_best != self.new_best:
            out.append(f"Best option changed: {self.old_best or 'none'} -> {self.new_best or 'none'}")
        else:  # the same option may bill another amount, on other replicas: said at once, not in the ranking's lines
            top = next((c for c in self.rank_changes if c.old_rank == c.new_rank == 1 and c.label == self.new_best), None)
            moved = "" if top is None else (
                (f", {fmt.usd(top.old_monthly_cost_usd)} -> {fmt.usd(top.new_monthly_cost_usd)}/month"
                 if top.old_monthly_cost_usd != top.new_monthly_cost_usd else "") + (f" ({'; '.join(top.details)})" if top.details else ""))
            out.append(f"Best option unchanged: {self.new_best or 'none'}{moved}")
        if self.with_fine_tuning:
            out.append("Monthly figures: totals (serving plus the fine-tuning runs, recommend's \"monthly\" column), as the "
                       "ranking compares them; the JSON gives serving alone too (*serving_monthly_cost_usd).")

        def section(title: str, lines: list[str]) -> None:
            if not lines:
                return
            out.append("")
            out.append(f"{title} ({len(lines)}):")
            out.extend(f"  {x}" for x in lines[:limit])
            if len(lines) > limit:
                out.append(f"  ... {len(lines) - limit} more")

        section("Workload changed", [f"{c.key}: {_field_val(c.key, c.old)} -> {_field_val(c.key, c.new)}" for c in self.workload_changes])
        moved = [p for p in self.price_changes if p.old is not None and p.new is not None]
        section("Prices changed", [_price_line(p) for p in moved])
        section("Prices no longer used (their options dropped out)", [_price_line(p) for p in self.price_changes if p.new is None])
        section("Prices newly used (their options came in)", [_price_line(p) for p in self.price_changes if p.old is None])
        section("Became infeasible", [f"{c.label} (was #{c.rank}, {fmt.usd(c.monthly_cost_usd)}/month): {c.reason}"
                                      for c in self.became_infeasible])
        section("Left out by the workload's filters", [f"{c.label} (was #{c.rank}, {fmt.usd(c.monthly_cost_usd)}/month): {c.reason}"
                                                         for c in self.filtered_out])
        section("GPU count changed", [f"{c.label} (was #{c.rank}, {fmt.usd(c.monthly_cost_usd)}/month) -> {c.reason}"
                                      for c in self.resized])
        cheaper = [c for c in self.moved if c.new_monthly_cost_usd < c.old_monthly_cost_usd]
        section("Moved to a cheaper offer", [_moved_line(c) for c in cheaper])
        section("Moved to another provider", [_moved_line(c) for c in self.moved if c not in cheaper])
        section("No longer ranked", [f"{c.label} (was #{c.rank}, {fmt.usd(c.monthly_cost_usd)}/month)" for c in self.disappeared])
        section("New options", [f"{c.label} (#{c.rank}, {fmt.usd(c.monthly_cost_usd)}/month)" + (f"; before: {c.reason}" if c.reason else "")
                                for c in self.appeared])
        ranked, same_place = [], []  # a row that moved, and one whose cost or details changed in the same place
        for c in self.rank_changes:
            rank = f"#{c.old_rank} -> #{c.new_rank}" if c.old_rank != c.new_rank else f"#{c.new_rank}"
            cost = (f"{fmt.usd(c.old_monthly_cost_usd)} -> {fmt.usd(c.new_monthly_cost_usd)}/month"
                    if c.old_monthly_cost_usd != c.new_monthly_cost_usd else f"{fmt.usd(c.new_monthly_cost_usd)}/month")
            (ranked if c.old_rank != c.new_rank else same_place).append(
                f"{rank:<14} {c.label}: {cost}" + (f" ({'; '.join(c.details)})" if c.details else ""))
        section("Ranking changed", ranked)
        section("Costs changed, same place in the ranking", same_place)
        section("Assumptions changed", [f"{c.key}: {_val(c.old)} -> {_val(c.new)}" for c in self.assumption_changes])
        section("Catalog files and price sources changed", [_catalog_line(c) for c in self.catalog_changes])
        return "\n".join(out) + "\n"


def _moved_line(c: RankChange) -> str:
    """``deepseek-v4-flash on 2x h200 (mxfp4-experts, runpod) (was #6): now at internalcloud, #4: $5,241.40 -> $3,358.00/month``."""
    at = next((d.split(" -> ", 1)[1] for d in c.details if d.startswith("provider ")), "another provider")
    rest = [d for d in c.details if not d.startswith("provider ")]
    return (f"{c.label} (was #{c.old_rank}): now at {at}, #{c.new_rank}: {fmt.usd(c.old_monthly_cost_usd)} -> "
            f"{fmt.usd(c.new_monthly_cost_usd)}/month" + (f" ({'; '.join(rest)})" if rest else ""))


def _val(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v)) or "(none)"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return fmt.plain_number(v)
    return str(v)


def _field_val(key: str, v: Any) -> str:
    """A workload field's value as a user writes it: ``mean`` / ``p95`` for the TTFT statistic, else ``_val``."""
    if key == "ttft_percentile" and isinstance(v, (int, float)):
        return f"p{v:g}" if v else "mean"
    return _val(v)


def _catalog_line(c: FieldChange) -> str:
    stamp = lambda v: f"version {v}" if v else "no version stamp"  # noqa: E731
    if c.key.startswith("prices:"):  # a price source (``api.price_sources``): where its prices came from
        name = f"price source {c.key[len('prices:'):]}"
        return (f"{name}: added ({c.new})" if c.old is None else f"{name}: no longer loaded (was {c.old})" if c.new is None
                else f"{name}: {c.old} -> {c.new}")
    if c.old is None:
        return f"{c.key}: added ({stamp(c.new)})"
    if c.new is None:
        return f"{c.key}: no longer loaded"
    return f"{c.key}: {stamp(c.old)} -> {stamp(c.new)}"


_AMOUNT_NAMES = {f.key: f" {f.title}" if f.title else "" for f in F.PRICE.fields if f.kind == F.MONEY}
"""A price amount as the diff names it after the item (``input``, ``output``; nothing for a GPU-hour)."""


def _price_line(p: PriceChange) -> str:
    unit = "/GPU-hour" if p.field == "usd_per_gpu_hour" else "/M tokens"
    name = f"{p.provider} {p.item}{_AMOUNT_NAMES.get(p.field, f' {p.field}')}"
    if p.old is None:
        return f"{name}: ${p.new}{unit} (as of {p.new_as_of or '?'})"
    if p.new is None:
        return f"{name}: ${p.old}{unit} (as of {p.old_as_of or '?'})"
    pct = p.change_pct
    pct_text = f" ({pct:+.1f}%)" if pct is not None else ""
    asof = f", as of {p.old_as_of} -> {p.new_as_of}" if p.old_as_of != p.new_as_of else ""
    return f"{name}: ${p.old} -> ${p.new}{unit}{pct_text}{asof}"


def _candidate_key(c: Candidate) -> tuple:
    """The same option across reports: the same model in the same answering mode, deployed the same way: on the same
    GPU type, GPUs per replica, precision and provider (self-hosted), or through the same provider (API). Another
    provider or replica size is another deployment, listed as gone and new, not as one row that moved."""
    return (c.deployment, c.model, c.mode or "", c.provider, c.gpu or "", c.gpus, c.precision or "")


class _Rejections:
    """The first rejection that rules out an option, found by key rather than by a scan of the list.

    A rejection matches a candidate key when it is a workload filter that leaves out the option's GPU type or
    provider (``filtered``: its ``left_out``), or is for the same model and either applies to every deployment
    (``any``: of the model, or of one answering mode, which then matches that mode's rows only), or to the same
    self-hosted configuration, or to the same API deployment with the same provider (or no provider); the first
    one in the report's order wins. A self-hosted rejection matches only the option's own GPU type, precision and GPU
    count (one with no count, any count), its provider and answering mode where it names one: the rejection of that
    configuration (8x l40s missed the TTFT target) is its reason, never a smaller count's (4x l40s did not fit: trial
    35 quoted "does not fit on 1x h200" for a 2x h200 row a cheaper provider had replaced)."""

    def __init__(self, rejected: Iterable[Rejection]):
        self._list: list[Rejection] = []
        self._any: dict[tuple[str, str], int] = {}
        self._exact: dict[tuple, int] = {}
        self._sized: dict[tuple, list[int]] = {}
        self._any_provider: dict[tuple, int] = {}
        self._filtered: list[tuple[int, str, frozenset[str]]] = []
        for i, r in enumerate(rejected):
            self._list.append(r)
            if r.deployment == "filtered" and r.reasons:
                n = r.reasons[0].numbers or {}
                self._filtered.append((i, str(n.get("field", "")), frozenset(map(str, n.get("left_out") or ()))))
            elif r.deployment == "any":
                self._any.setdefault((r.model, _mode_of(r)), i)
            elif r.deployment == "self-hosted":  # by configuration; provider and mode are checked on lookup
                self._sized.setdefault((r.model, r.gpu, r.precision or "", r.gpus), []).append(i)
            elif r.provider is None:
                self._any_provider.setdefault((r.deployment, r.model), i)
            else:
                self._exact.setdefault((r.deployment, r.model, r.provider), i)

    def first(self, key: tuple, gpus: int = 0) -> Rejection | None:
        deployment, model, mode, provider, gpu, _, precision = key  # ``_candidate_key``
        found = [self._any.get((model, "")), self._any.get((model, mode)) if mode else None]
        found += [i for i, field, gone in self._filtered
                  if (field == "gpu_types" and gpu and gpu in gone) or (field == "providers" and provider in gone)]
        if deployment == "self-hosted":
            mine = lambda i: self._list[i].provider in (None, provider) and _mode_of(self._list[i]) in ("", mode)  # noqa: E731
            same = next(filter(mine, self._sized.get((model, gpu or None, precision, gpus), ())), None) if gpus else None
            found.append(same if same is not None else next(filter(mine, self._sized.get((model, gpu or None, precision, 0), ())), None))
        elif deployment != "any":
            found.append(self._exact.get((deployment, model, provider)))
            found.append(self._any_provider.get((deployment, model)))
        positions = [i for i in found if i is not None]
        return self._list[min(positions)] if positions else None


def _mode_of(r: Rejection) -> str:
    """The answering mode a model-wide rejection is about ("" for the model itself): its reason's ``mode`` number, or the
    "[mode] " its message starts with (reports written before the number was)."""
    n = r.reasons[0].numbers if r.reasons else {}
    if n and n.get("mode"):
        return str(n["mode"])
    m = re.match(r"\[([a-z-]+)\] ", r.reasons[0].message) if r.reasons else None
    return m.group(1) if m else ""


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
    return tuple(FieldChange(k, a.get(k), b.get(k)) for k in keys if F.plain(a.get(k)) != F.plain(b.get(k)))


_UNORDERED = ("engine", "engine_id", "engines_used", "layouts", "workload_filters")
"""Assumptions whose order says nothing: the engines in the order the ranked rows first use them, the layouts, the filters."""


def _items(v: Any) -> Any:
    """A list, or an ``a, b, c`` text, as the set of its words: equal when only the order differs."""
    if isinstance(v, (list, tuple)):
        return frozenset().union(*map(_items, v))
    return frozenset(re.split(r",?\s+", v.strip())) if isinstance(v, str) else frozenset([repr(v)])


def _assumption_changes(old: dict, new: dict, workload_changed: bool) -> tuple[FieldChange, ...]:
    """Each assumption that changed, once (trial 35 printed one engine change three times, and a reordering as a change):
    not the ``_id`` twin of a changed display name, not ``engines_used`` where it moved with the allowed engines, not
    ``workload_filters`` where the workload's own changes say it, and nothing for a mere reordering."""
    changes = [c for c in _dict_changes(old, new) if c.key not in _UNORDERED or _items(c.old) != _items(c.new)]
    keys = {c.key for c in changes}
    echo = {f"{k}_id" for k in keys} | ({"workload_filters"} if workload_changed else set())
    if "engine" in keys and _items(old.get("engines_used")) == _items(old.get("engine")) and _items(new.get("engines_used")) == _items(new.get("engine")):
        echo.add("engines_used")
    return tuple(c for c in changes if c.key not in echo)


def _report_label(rep: LoadedReport) -> str:
    when = rep.created_at.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if rep.created_at.tzinfo else str(rep.created_at)
    return f"{rep.path} ({when}, moe-advisor {rep.tool_version})"


_DETAILS = tuple(f for f in F.CANDIDATE.fields if f.title is not None) + tuple(
    f for f in F.BILLING.fields if f.key in ("scaling", "pricing_kind"))
"""Candidate fields a rank change also reports (provider, GPUs per replica, replicas; the scaling policy and price kind,
trial 40: "Best option unchanged" from autoscale 0-1 to fixed 1 said only the bill)."""


def _deployment(key: tuple) -> tuple:
    """``_candidate_key`` without the GPU count."""
    return key[:5] + key[6:]


def _by_deployment(by_key: dict[tuple, Candidate]) -> dict[tuple, Candidate]:
    out: dict[tuple, Candidate] = {}
    for key, c in by_key.items():
        out.setdefault(_deployment(key), c)
    return out


def _configuration(key: tuple, c: Candidate) -> tuple | None:
    """``_candidate_key`` without the provider, with the engine: the same self-hosted configuration sold by another
    provider (None for an API row, whose provider is the service itself)."""
    return None if c.deployment != "self-hosted" else key[:3] + key[4:] + (c.engine or "",)


def _by_configuration(by_key: dict[tuple, Candidate]) -> dict[tuple, list[Candidate]]:
    out: dict[tuple, list[Candidate]] = {}
    for key, c in by_key.items():
        if (config := _configuration(key, c)) is not None:
            out.setdefault(config, []).append(c)
    return out


def _by_key(candidates: Iterable[Candidate]) -> dict[tuple, Candidate]:
    out: dict[tuple, Candidate] = {}
    for c in candidates:
        out.setdefault(_candidate_key(c), c)
    return out


def _one(c: Candidate, reason: str | None = None) -> CandidateChange:
    """A row only one report has, with both of its monthly figures."""
    return CandidateChange(c.label, c.rank, c.monthly_total_usd, reason, c.monthly_cost_usd, c.monthly_total_usd)


def _rank_change(a: Candidate, b: Candidate) -> RankChange:
    """Row ``a`` of the old report as row ``b`` of the new one, with both monthly figures of each."""
    details = tuple(f"{f.title} {getattr(a, f.attr)} -> {getattr(b, f.attr)}" for f in _DETAILS if getattr(a, f.attr) != getattr(b, f.attr))
    return RankChange(a.label, a.rank, b.rank, a.monthly_total_usd, b.monthly_total_usd, details,
                      a.monthly_cost_usd, b.monthly_cost_usd, a.monthly_total_usd, b.monthly_total_usd,
                      b.label if b.label != a.label else "")


def _price_changes(old: LoadedReport, new: LoadedReport) -> list[PriceChange]:
    changes: list[PriceChange] = []
    old_prices = {p.key: p for p in old.prices}
    new_prices = {p.key: p for p in new.prices}
    for key in list(old_prices) + [k for k in new_prices if k not in old_prices]:
        a, b = old_prices.get(key), new_prices.get(key)
        names = list(a.amounts if a else {}) + [f for f in (b.amounts if b else {}) if not a or f not in a.amounts]
        for name in names:
            x = a.amounts.get(name) if a else None
            y = b.amounts.get(name) if b else None
            if x != y:
                ref = a or b
                changes.append(PriceChange(ref.kind, ref.provider, ref.item, name, x, y,
                                           a.as_of if a else "", b.as_of if b else ""))
    return changes


def _left_out_by(c: Candidate, was, w) -> str | None:
    """Which field of the new workload ``w`` (changed from ``was``) leaves candidate ``c`` out before anything is costed,
    where the ranking writes no rejection for it (trial 31: ``self_hosting = "required"`` put every API row under "No
    longer offered")."""
    api = c.deployment == "api"
    for holds, field, words in (
        (api and w.self_hosting == "required", "self_hosting", "required: per-token APIs are not ranked"),
        (not api and w.self_hosting == "not-wanted", "self_hosting", "not-wanted: self-hosted options are not ranked"),
        (bool(w.models) and c.model not in w.models, "models", f"{c.model} is not in the allowed models"),
        (not api and bool(w.engines) and bool(c.engine) and c.engine not in w.engines, "engines", f"{c.engine} is not an allowed engine"),
    ):
        if holds and getattr(was, field) != getattr(w, field):
            return f"left out by the new workload's {field} ({words})"
    return None


def diff_reports(old: LoadedReport, new: LoadedReport) -> ReportDiff:
    """What changed from ``old`` to ``new``: workload, prices, ranking, feasibility, assumptions."""
    wl = lambda w: {f.name: getattr(w, f.name) for f in dataclasses.fields(w)}  # noqa: E731
    workload_changes = _dict_changes(wl(old.workload), wl(new.workload))
    if any(c.key == "name" for c in workload_changes):  # a preset edited into "custom": the name line says it, not its description
        workload_changes = tuple(c for c in workload_changes if c.key != "description")
    price_changes = _price_changes(old, new)

    orec, nrec = old.recommendation, new.recommendation
    old_c, new_c = _by_key(orec.candidates), _by_key(nrec.candidates)
    rank_changes = []
    for key, b in new_c.items():
        a = old_c.get(key)
        if a is None:
            continue
        change = _rank_change(a, b)
        if a.rank != b.rank or a.monthly_total_usd != b.monthly_total_usd or change.details:
            rank_changes.append(change)
    rank_changes.sort(key=lambda c: (min(c.old_rank, c.new_rank), c.new_rank))
    new_rejections, old_rejections = _Rejections(nrec.rejected), _Rejections(orec.rejected)
    infeasible, filtered, resized, gone = [], [], [], []
    new_sized, old_sized = _by_deployment(new_c), _by_deployment(old_c)
    elsewhere, moved, taken = _by_configuration(new_c), [], set()
    for key, a in old_c.items():
        if key in new_c:
            continue
        b = new_sized.get(_deployment(key))
        if b is not None:  # the same deployment at another GPU count (the cheapest count moved with the workload)
            resized.append(_one(a, f"{plural(b.gpus, 'GPU')} a replica: #{b.rank}, {fmt.usd(b.monthly_total_usd)}/month"))
            continue
        rej = new_rejections.first(key, a.gpus)
        if rej is None and (why := _left_out_by(a, old.workload, new.workload)):  # a filter that drops rows without a rejection line
            filtered.append(_one(a, why))
        elif rej is not None and rej.deployment == "filtered":  # a workload filter is the cause, wherever else it is sold
            filtered.append(_one(a, rej.reasons[0].message if rej.reasons else None))
        elif there := [b for b in elsewhere.get(_configuration(key, a), ()) if b.provider != a.provider]:
            b = next((b for b in there if _candidate_key(b) not in old_c), there[0])  # a row new at that provider first
            moved.append(_rank_change(a, b))  # the same configuration sold by another provider (a cheaper offer): moved
            taken.add(_candidate_key(b))
        elif rej is not None:
            infeasible.append(_one(a, rej.reasons[0].message if rej.reasons else None))
        else:
            gone.append(_one(a))
    appeared = []
    for key, b in new_c.items():
        if key in old_c or key in taken or _deployment(key) in old_sized:
            continue
        rej = old_rejections.first(key, b.gpus)
        appeared.append(_one(b, rej.reasons[0].message if rej and rej.reasons else None))
    return ReportDiff(
        old_label=_report_label(old), new_label=_report_label(new),
        workload_changes=workload_changes,
        assumption_changes=_assumption_changes(orec.assumptions, nrec.assumptions, bool(workload_changes)),
        catalog_changes=_dict_changes(old.catalog_versions, new.catalog_versions),
        price_changes=tuple(price_changes), rank_changes=tuple(rank_changes),
        became_infeasible=tuple(infeasible), filtered_out=tuple(filtered), resized=tuple(resized), moved=tuple(moved),
        disappeared=tuple(gone), appeared=tuple(appeared),
        old_best=orec.best.label if orec.best else None, new_best=nrec.best.label if nrec.best else None,
        with_fine_tuning=any(c.fine_tuning_monthly_usd for c in (*orec.candidates, *nrec.candidates)),
    )
