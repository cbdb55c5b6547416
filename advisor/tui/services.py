"""The headless calls the TUI makes, in one place (no Textual import here).

Widgets never compute domain numbers: they call these functions (or a ``Services`` object, which
tests replace with a fake) and render what comes back. Prices and plugins go through small adapter
methods so that only this module changes when the price/plugin API changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.common import fmt
from advisor.errors import AdvisorError, InputError, UnknownIdError
from advisor.domain.recommendation import Candidate, Recommendation
from advisor.domain.workload import SHAPES, Workload

# --------------------------------------------------------------------------- the workload form

TUPLE_FIELDS = ("precisions", "providers", "gpu_types", "pricing")
_ID_KIND_TO_FIELD = {"precision": "precisions", "gpu": "gpu_types", "model": "models", "preset": "preset",
                     "provider": "providers"}


async def in_daemon_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a daemon thread, awaited: plugin work that hangs never keeps the app from quitting
    (Textual's thread workers run in the event loop's executor, which exit waits for)."""
    import asyncio
    import threading

    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        if future.done():
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def run() -> None:
        try:
            value, ok = fn(*args), True
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting worker
            value, ok = (exc if isinstance(exc, Exception) else RuntimeError(f"{type(exc).__name__}: {exc}")), False
        try:
            loop.call_soon_threadsafe(settle, ok, value)
        except RuntimeError:  # the loop closed: the app has quit
            pass

    threading.Thread(target=run, name="moe-advisor tui work", daemon=True).start()
    return await future


def release_results() -> None:
    """Free the rankings the ranking's cache of results pushed out (``advisor.ranking.results.release``): on the UI
    thread once the new ranking is on screen, not in the worker before it is."""
    from advisor.ranking import results

    results.release()


def form_values(w: Workload, fields: Sequence[str]) -> dict[str, str]:
    """The form's text for each of ``fields`` of a workload."""
    out: dict[str, str] = {}
    for name in fields:
        value = getattr(w, name)
        if isinstance(value, tuple):
            out[name] = ", ".join(value)
        elif name == "ttft_percentile":  # as the choice shows it
            out[name] = f"p{value:g}" if value else "mean"
        elif isinstance(value, float):  # as a person types it: 1000000, not 1e+06
            out[name] = str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"
        else:
            out[name] = str(value)
    return out


def build_workload(values: Mapping[str, str], base: Workload | None = None, hidden: Sequence[str] = ()) -> Workload:
    """Validate the form's text over ``base``; raises InputError whose ``field`` names the bad field. ``hidden``: the
    fields the form hides for these answers (``workload_form.hidden_fields``), read from ``base`` instead."""
    from advisor.domain.workload import from_mapping

    data: dict[str, Any] = dict(values)
    if base is not None:  # a field the form hides (another latency mode's, the runs' volume with no plan) is not read:
        data.update(form_values(base, [n for n in hidden if n in data]))  # its text, even refused, neither counts nor blocks
    for name, text in data.items():
        if name not in TUPLE_FIELDS and not str(text).strip():
            raise InputError(name, "needs a value", "form")
    try:
        w = from_mapping(data, where="form", base=base)
    except UnknownIdError as exc:
        raise InputError(_ID_KIND_TO_FIELD.get(exc.kind, exc.kind), _unknown_text(exc), "form") from None
    if base is not None:  # a preset's name stays only on the preset's own answers (not on flags that changed it at start)
        ref = presets().get(base.name, base)
        same = same_as(w, ref)
        if not same and w.name == base.name and base.name != "custom":
            w = dataclasses.replace(w, name="custom", description=f"edited from {base.name}")
    return w


def same_as(w: Workload, ref: Workload, ignoring: tuple[str, ...] = ()) -> bool:
    """Whether ``w`` is ``ref`` but for its name, description and the fields ``ignoring`` names (the form's, where only the
    fields it has no input for are compared)."""
    return dataclasses.replace(w, name=ref.name, description=ref.description,
                               **{f: getattr(ref, f) for f in ignoring}) == ref


def _unknown_text(exc: UnknownIdError) -> str:
    """``unknown gpu 'h1000'. Did you mean: h100-sxm?`` without the count of known ids."""
    return str(exc).rsplit(" (", 1)[0]


def error_text(exc: AdvisorError) -> str:
    """The reason alone (no ``form: field:`` prefix), for a message under the field."""
    text = str(exc)
    if isinstance(exc, InputError):
        prefix = (f"{exc.where}: " if exc.where else "") + f"{exc.field}: "
        if text.startswith(prefix):
            text = text[len(prefix):]
    elif isinstance(exc, UnknownIdError):
        text = _unknown_text(exc)
    return text


def error_field(exc: AdvisorError) -> str | None:
    """Which form field an error is about (None: not a field's fault)."""
    if isinstance(exc, InputError):
        return exc.field
    if isinstance(exc, UnknownIdError):
        return _ID_KIND_TO_FIELD.get(exc.kind)
    return None


def default_peak_to_mean(shape: str) -> float | None:
    """The peak-to-mean ratio a traffic shape implies (None for an unknown shape)."""
    return SHAPES.get(shape)


def presets() -> dict[str, Workload]:
    from advisor.domain.workload import PRESETS

    return dict(PRESETS)


def precision_names() -> list[str]:
    from advisor.domain.precision import PRECISIONS

    return list(PRECISIONS)


def workload_summary(w: Workload) -> str:
    """One line describing a workload (shown above the ranking)."""
    from advisor.domain.traffic import zone

    tokens_per_day = w.requests_per_day * w.tokens_per_request
    # the day as it is read: an hourly profile (a file's) over the shape, its zone, the days a week (trial 40)
    day = ("hourly profile" if w.hourly_profile else w.traffic_shape) + (f" {zone(w.utc_offset_hours)}" if w.utc_offset_hours else "")
    week = f", {w.days_per_week:g} days a week" if w.days_per_week < 7 else ""
    if w.latency == "interactive":
        timing = (f"{day} {round(w.peak_to_mean, 2):g}x peak{week}, {f'p{w.ttft_percentile:g} ' if w.ttft_percentile else ''}"
                  f"TTFT ≤ {w.ttft_ms:,.0f} ms, {fmt.plain_number(w.output_tokens_per_s_per_user)} tok/s/user")
    else:
        timing = f"batch, each day's volume within {w.deadline_hours:g} h{week}"
    return (f"{_short(w.requests_per_day)} req/day ({_short(tokens_per_day)} tok/day), {w.input_tokens:,} in / "
            f"{w.output_tokens:,} out, {timing}")


def _short(x: float) -> str:
    return fmt.short(x)


# --------------------------------------------------------------------------- candidate explanations

def config_text(c: Candidate) -> str:
    return c.configuration


@dataclass(frozen=True)
class CostCurve:
    """$/M tokens of one self-hosted replica against utilization, for the breakdown plot."""

    utilization_pct: tuple[float, ...]
    usd_per_mtok: tuple[float, ...]
    point_utilization_pct: float
    point_usd_per_mtok: float
    api_usd_per_mtok: float | None
    api_label: str | None


def cost_curve(c: Candidate, api_usd_per_mtok: float | None = None, api_label: str | None = None,
               steps: int = 60) -> CostCurve | None:
    """The curve behind ``utilization_table``: a replica costs the same per hour whatever it serves, so
    cost per token scales with 1/utilization. None for an API candidate."""
    if c.deployment == "api" or not c.utilization_table or c.utilization is None:
        return None
    p = c.utilization_table[0]
    k = float(p.usd_per_mtok) * p.utilization  # $/M tokens at 100%
    lo = max(1.0, min(5.0, c.utilization * 100 * 0.5))
    xs = tuple(lo + (100.0 - lo) * i / (steps - 1) for i in range(steps))
    ys = tuple(k / (x / 100.0) for x in xs)
    return CostCurve(xs, ys, c.utilization * 100.0, float(c.usd_per_mtok), api_usd_per_mtok, api_label)


@dataclass(frozen=True)
class TargetCheck:
    """One line of 'estimate against the target'."""

    metric: str
    estimate: str
    target: str
    ok: bool | None
    """True: meets it; False: misses it; None: no target."""


def target_checks(c: Candidate, w: Workload) -> list[TargetCheck]:
    """Throughput and latency of a candidate against the workload's targets."""
    if c.deployment == "api":
        if w.latency != "interactive":
            return [TargetCheck("latency", "the provider's", "no target (batch)", None)]
        seen = next((r.numbers for r in c.reasons if r.code == "api-latency"), {})
        ttft, tps = seen.get("ttft_ms") or 0.0, seen.get("output_tokens_per_s") or 0.0
        return [TargetCheck("TTFT", f"{ttft:,.0f} ms measured" if ttft else "not measured", f"≤ {w.ttft_ms:,.0f} ms",
                            ttft <= w.ttft_ms if ttft else None),
                TargetCheck("per user", f"{tps:,.0f} tok/s measured" if tps else "not measured",
                            f"≥ {w.output_tokens_per_s_per_user:g} tok/s", tps >= w.output_tokens_per_s_per_user if tps else None)]
    out: list[TargetCheck] = []
    need = w.required_output_tokens_per_s * (c.output_multiplier or 1.0)  # a thinking row generates its thinking too (trial 36)
    per = c.output_tokens_per_s_per_replica or 0.0
    cap = per * c.replicas
    what = "peak" if w.latency == "interactive" else f"in {w.deadline_hours:g} h"
    est = f"{cap:,.0f} tok/s" + (f" ({c.replicas} × {per:,.0f})" if c.replicas > 1 else "")
    out.append(TargetCheck("throughput", est, f"≥ {need:,.0f} tok/s {what}", cap >= need * 0.999))
    if w.latency == "interactive":
        # The estimate's TTFT is one request's on an idle engine; the target bounds the TTFT at the peak (queueing):
        # each said as what it is (user trial 23 read "TTFT 162 ms ≤ 1,000 ms" as the checked figure).
        out.append(TargetCheck("TTFT unloaded", f"{c.ttft_ms or 0:,.0f} ms", f"≤ {w.ttft_ms:,.0f} ms", (c.ttft_ms or 0) <= w.ttft_ms))
        head = next((r.numbers for r in c.reasons if r.code == "headroom"), {})
        if "ttft_at_peak_ms" in head and "ttft_at_percentile_ms" not in head:  # a mean target: the mean at the peak
            mean = head["ttft_at_peak_ms"]
            out.append(TargetCheck("TTFT mean", f"{mean:,.0f} ms at the peak", f"≤ {w.ttft_ms:,.0f} ms", mean <= w.ttft_ms * 1.0005))
        if "ttft_at_percentile_ms" in head:  # a percentile target: the TTFT it bounds at the peak
            at = head["ttft_at_percentile_ms"]
            out.append(TargetCheck(f"TTFT p{w.ttft_percentile:g}", f"{at:,.0f} ms at the peak", f"≤ {w.ttft_ms:,.0f} ms",
                                   at <= w.ttft_ms * 1.0005))
        tail = next((r.numbers for r in c.reasons if r.code == "ttft-tail"), None)
        if tail:  # the mean at the peak meets the target and its p95 does not: shown, not left to the 20th reason
            out.append(TargetCheck("TTFT p95", f"{tail['ttft_p95_at_peak_ms']:,.0f} ms at the peak",
                                   f"≤ {w.ttft_ms:,.0f} ms (checked as a mean: {tail['ttft_at_peak_ms']:,.0f} ms)", False))
        limit = w.tpot_limit_ms or 0
        tps = 1000.0 / c.tpot_ms if c.tpot_ms else 0.0
        # The speed at the full batch the TPOT limit allows, the slowest a stream gets: the batch is named (trial 26 read
        # it as the speed at the traffic's own load, where one sequence in flight runs faster).
        full = f", batch {c.batch}" if c.batch and c.batch > 1 else ""  # the line under the table says it is the largest
        out.append(TargetCheck("per user", f"{tps:,.1f} tok/s{full}", f"≥ {w.output_tokens_per_s_per_user:g} tok/s",
                               (c.tpot_ms or 0) <= limit * 1.0005))
    else:
        out.append(TargetCheck("per token", f"{c.tpot_ms or 0:,.1f} ms", "no target (batch)", None))
    return out


def operating_point(c: Candidate) -> str:
    """The batch and bottleneck behind the throughput figure."""
    if c.deployment == "api":
        return ""
    return f"at batch {c.batch} (TPOT {c.tpot_ms or 0:,.1f} ms), {c.bound}-bound"


# --------------------------------------------------------------------------- prices and plugins (adapters)

@dataclass(frozen=True)
class PriceSource:
    """One price source as the prices screen lists it."""

    name: str
    kind: str
    """``gpu`` or ``api``."""
    plugin: str
    used: str
    """``live cache``, ``bundled snapshot`` or ``none`` (the source failed)."""
    prices: int
    as_of: str
    age_days: int | None
    stale: bool
    refreshable: bool
    note: str = ""


@dataclass(frozen=True)
class PluginRow:
    name: str
    version: str
    hooks: str
    status: str
    """``ok``, ``failed`` or ``disabled``."""
    error: str = ""


@dataclass(frozen=True)
class RefreshRow:
    """What a refresh did for one source."""

    source: str
    status: str
    """``ok``, ``failed`` or ``skipped``."""
    prices: int = 0
    message: str = ""
    now_using: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


ProgressCallback = Callable[[str, int, int], None]
"""progress(source, done, total)"""


class Services:
    """The headless operations the app runs (in workers). Tests pass a subclass with canned answers."""

    # ranking
    def recommend(self, w: Workload) -> Recommendation:
        from advisor import api

        return api.recommend(w)

    def check_ids(self, w: Workload) -> None:
        """Raise InputError naming the field when a constraint names an unknown GPU, model or provider."""
        from advisor import api
        from advisor.prices import resolve

        cat = api.catalog()
        try:
            for gid in w.gpu_types:
                cat.gpu(gid)
            for mid in w.models:
                cat.model(mid)
            if w.providers:
                known = resolve.price_book(cat).providers()
                norm = lambda s: "".join(ch for ch in s.lower() if ch.isalnum())  # noqa: E731 (as the price book matches)
                for p in w.providers:
                    if not any(norm(p) and norm(p) in norm(k) for k in known):
                        raise resolve.unknown_provider(p, known)
        except UnknownIdError as exc:
            raise InputError(_ID_KIND_TO_FIELD.get(exc.kind, exc.kind), _unknown_text(exc), "form") from None

    def cheapest_api(self, c: Candidate, rec: Recommendation) -> tuple[float | None, str | None]:
        """($/M tokens, label) of the API the candidate's break-even compares with (the cheapest that can serve the
        workload: mode, context, latency, fine-tuned weights, rate limits; per visible token), else the cheapest API
        row in the ranking; (None, None) when no API can serve it."""
        if c.break_even_vs:
            numbers = next((r.numbers for r in c.reasons if r.code == "break-even"), {})
            if numbers.get("api_usd_per_mtok") is not None:
                return float(numbers["api_usd_per_mtok"]), f"{c.model} via {c.break_even_vs.split(' at ')[0]}"
        apis = [x for x in rec.candidates if x.deployment == "api"]
        if apis:
            best_c = min(apis, key=lambda x: x.usd_per_mtok)
            return float(best_c.usd_per_mtok), f"cheapest API ({best_c.label})"
        return None, None

    # reports
    def write_report(self, rec: Recommendation, path: Path, force: bool = False) -> Path:
        """Write the TOML report; raises ``report_exists_error()`` when the file exists and not ``force``."""
        from advisor import api
        from advisor.reports import write_report

        return write_report(api.with_price_sources(rec), path, force=force)

    def report_exists_error(self) -> type[Exception]:
        from advisor.reports import ReportExistsError

        return ReportExistsError

    def default_report_path(self, w: Workload) -> Path:
        """``moe-advisor-<workload name>.toml`` in the working folder (an edited one ``<name it was edited from>-edited``:
        trial 37, every edited file's report was ``moe-advisor-custom.toml``): the name reduced to letters, digits, ``.``,
        ``-`` and ``_`` (a name such as ``../../../tmp/x`` must not steer the file elsewhere)."""
        import re

        edited = w.name == "custom" and w.description.startswith("edited from ")
        named = f"{w.description.removeprefix('edited from ')}-edited" if edited else w.name
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", named).strip(".-")[:80] or "report"
        return Path.cwd() / f"moe-advisor-{name}.toml"

    # prices and plugins: thin adapters over advisor.prices.resolve and advisor.prices.refresh
    def price_sources(self) -> list[PriceSource]:
        from advisor import api
        from advisor.prices import resolve

        out = []
        for st in resolve.source_status(api.catalog()):
            used = st.used + (f" {st.fetched_at}" if st.fetched_at else "")
            out.append(PriceSource(name=st.name, kind=st.kind, plugin=st.plugin, used=used, prices=st.prices,
                                   as_of=st.as_of[:10], age_days=st.age_days, stale=st.stale, refreshable=st.refreshable,
                                   note=st.note))
        return sorted(out, key=lambda s: (s.kind != "gpu", s.name))

    def plugins(self) -> list[PluginRow]:
        from advisor.prices import resolve

        return [PluginRow(name=i.name, version=i.version, hooks=", ".join(i.hooks), status=i.status, error=i.error)
                for i in resolve.plugin_infos()]

    def refresh_prices(self, progress: ProgressCallback) -> list[RefreshRow]:
        """Refresh every live source; a failing source is a failed row, never an exception."""
        from advisor.prices import refresh

        return [RefreshRow(source=r.source, status=r.status, prices=r.prices, message=r.message, now_using=r.now_using)
                for r in refresh.refresh(progress=progress)]

