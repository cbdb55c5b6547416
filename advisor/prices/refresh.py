"""``moe-advisor prices refresh``: fetch each refreshable source, validate, cache; on failure keep
the last good cache (else the bundled snapshot) and say which is used now. Never raises for a network
or data problem."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from advisor import plugin_manager, runtime
from advisor.catalog.load import Catalog
from advisor.catalog.schema import check_price
from decimal import Decimal

from advisor.domain.prices import ApiPrice, GpuPrice, price_key
from advisor.errors import CatalogError
from advisor.prices import resolve
from advisor.prices.book import age_days
from advisor.common import budget
from advisor.prices.cache import MAX_ROWS, read_cache, write_cache, write_quarantine
from advisor.prices.http import Http, HttpSettings, LiveError, iso_utc, make_client, now_utc, public_url


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh of one source did."""

    source: str
    status: str
    """``ok``, ``failed`` or ``skipped`` (no live endpoint, unknown name)."""
    message: str
    prices: int = 0
    fetched_at: str = ""
    now_using: str = ""
    """What the advisor uses for this source after the refresh (live, last good cache, snapshot)."""
    warnings: tuple[str, ...] = field(default=())
    error: str = ""
    """Why the refresh failed ("" when it did not)."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


MAX_MOVE = Decimal(10)
"""A live price more than 10x above or below the last good one (or the bundled one) is quarantined."""


MIN_ROWS_TO_JUDGE = 3
"""A shrink is judged once the anchor has this many rows: "fewer than half" of 3 is one row where three were (the
Azure snapshot's 3 rows cut to 1 by a broken endpoint); below it, one row less would already be half."""


def snapshot_rows(snapshot: Iterable[Any], kind: str) -> list[GpuPrice | ApiPrice]:
    """The valid rows of a source's bundled snapshot (the anchor when no live refresh succeeded yet)."""
    out = []
    for i, r in enumerate(snapshot):
        try:
            out.append(check_price(r, kind, "snapshot", f"row {i}"))
        except CatalogError:
            continue
    return out


def _amounts(p: GpuPrice | ApiPrice) -> dict[str, Decimal]:
    names = ("usd_per_gpu_hour",) if isinstance(p, GpuPrice) else ("input_usd_per_mtok", "output_usd_per_mtok")
    return {n: getattr(p, n) for n in names if getattr(p, n, None) is not None}


def _item(p: GpuPrice | ApiPrice) -> str:
    return f"{p.provider} {p.gpu if isinstance(p, GpuPrice) else p.model}" + (f" {p.region}" if getattr(p, "region", "") else "") + \
        (f" ({p.sku})" if getattr(p, "sku", "") else "")


def sanity_check(fresh: list[GpuPrice | ApiPrice], previous: Iterable[GpuPrice | ApiPrice],
                 snapshot: Iterable[GpuPrice | ApiPrice]) -> tuple[list[GpuPrice | ApiPrice], list[str], str]:
    """(rows to cache, one line per refused price, why the whole response is refused or "").

    A response with fewer than half the rows of the last good copy is refused whole (the anchor: LiteLLM keeps
    its bundled map when a remote one shrinks). The last good copy is the larger of the previous live refresh and
    the bundled snapshot, so a first refresh that returns 1 of the snapshot's 22 rows keeps the snapshot, and a
    tiny live cache does not lower the bar for the next one. Single prices are checked against the previous good
    refresh, else the snapshot: a price at zero, or more than 10x above or below its anchor, is refused and the
    anchor's row kept."""
    previous, snapshot = list(previous), list(snapshot)
    anchor = {price_key(p): p for p in snapshot}
    anchor.update({price_key(p): p for p in previous})
    current = [p for p in snapshot if not getattr(p, "retired_on", "")]  # a retired model's row is history, not size
    reference, which = max((len(previous), "the last good refresh"), (len(current), "the bundled snapshot"))
    if reference >= MIN_ROWS_TO_JUDGE and len(fresh) * 2 < reference:
        return [], [], (f"{len(fresh)} prices where {which} had {reference}: a response that shrinks by more "
                        f"than half is not used")
    kept, refused = [], []
    for p in fresh:
        old = anchor.get(price_key(p))
        why = ""
        for name, new in _amounts(p).items():
            ref = _amounts(old).get(name) if old is not None else None
            if new == 0 and (ref is None or ref > 0):
                why = f"{name} is 0" + (f" (was {ref})" if ref is not None else "")
            elif ref is not None and ref > 0 and not (ref / MAX_MOVE <= new <= ref * MAX_MOVE):
                why = f"{name} moved from {ref} to {new} (more than {MAX_MOVE}x)"
            if why:
                break
        if why:
            refused.append(f"{_item(p)}: {why}")
            if old is not None:
                kept.append(old)
        else:
            kept.append(p)
    return kept, refused, ""


def _fetch_budget(http: Http) -> float:
    """What is left of the source's overall limit (``HttpSettings.deadline_s``, 180 s, docs/plugins.md): the snapshot
    and the fetcher's own code share it with its HTTP requests (a hanging plugin fetcher held a refresh 305 s)."""
    return min(budget.budget(budget.FETCH_BUDGET_S), max(0.01, http.left()))


def _fallback_text(src: Any) -> str:
    """What the price book uses for ``src`` now that its refresh failed."""
    try:
        rows, used, note = resolve.source_rows(src)
    except Exception:  # noqa: BLE001
        return "using the bundled snapshot"
    if used == "live cache":
        age = age_days(note[:10])
        return f"still using the last good refresh from {note} ({age} day{'s' if age != 1 else ''} old)"
    as_of = min((p.as_of for p in rows), default="")
    if not as_of:
        return "no prices from this source"
    return f"using the bundled snapshot (as of {as_of}, {age_days(as_of)} days old)"


def refresh_source(src: Any, catalog: Catalog, settings: HttpSettings | None = None, transport: Any = None,
                   sleep: Callable[[float], None] = time.sleep, client: Any = None) -> RefreshResult:
    """Fetch one registered source (``advisor.plugins.RegisteredSource``) and cache its prices."""
    settings = settings or HttpSettings()
    fetcher = src.live
    secrets: tuple[str, ...] = ()
    try:
        secrets = tuple(fetcher.secrets()) if callable(getattr(fetcher, "secrets", None)) else ()
    except Exception:  # noqa: BLE001
        secrets = ()
    own = client is None
    http = Http(client, settings, secrets=secrets, sleep=sleep)
    try:
        if own:
            client = http.client = make_client(settings, transport)
        try:
            snapshot = budget.call(lambda: list(src.source.snapshot()),
                                   budget_s=min(budget.budget(budget.SNAPSHOT_BUDGET_S), max(0.01, http.left())),
                                   what=f"price source {src.name!r} (plugin {src.plugin!r}): snapshot")
        except Exception:  # noqa: BLE001 - the fetcher can work without it
            snapshot = []
        rows = budget.call(fetcher.fetch, http, catalog, snapshot, budget_s=_fetch_budget(http),
                           what=f"price source {src.name!r} (plugin {src.plugin!r}): live fetch")
        if not isinstance(rows, (list, tuple)):
            raise LiveError(f"the fetcher returned {type(rows).__name__}, not a list")
        if len(rows) > MAX_ROWS:
            http.warn(f"kept the first {MAX_ROWS:,} of {len(rows):,} rows (a source holds at most {MAX_ROWS:,})")
            rows = rows[:MAX_ROWS]
        good: list[GpuPrice | ApiPrice] = []
        bad, first = 0, ""  # the first dropped row's reason: a plugin author needs one to start from
        for i, r in enumerate(rows):
            try:
                p = check_price(r, src.kind, f"live {src.name}", f"row {i}")
            except CatalogError as exc:
                bad, first = bad + 1, first or str(exc)
                continue
            gpu = isinstance(p, GpuPrice)
            if (p.gpu if gpu else p.model) in (catalog.gpus if gpu else catalog.models):
                good.append(p)
            else:
                bad, first = bad + 1, first or f"row {i}: {'GPU' if gpu else 'model'} {p.gpu if gpu else p.model!r} is not in the catalog"
        if bad:
            http.warn(f"dropped {bad} row(s) that failed validation or name no catalog id (first: {first})")
        if not good:
            raise LiveError("no usable prices in the response")
        fetched_at = iso_utc(now_utc())
        # The previous good copy is the one the price book uses: the live cache, unless the bundled snapshot is newer (an
        # upgrade after an old refresh), when a refused price keeps the snapshot's row, not an older cached one.
        # (From the snapshot fetched above: the plugin's snapshot() is not called again, outside the source's deadline.)
        cached, _ = read_cache(src.name, src.kind)
        snapped = snapshot_rows(snapshot[:MAX_ROWS], src.kind)
        previous = cached.prices if cached is not None and resolve.cache_in_use(cached, snapped) else ()
        anchors = [p for p in snapped
                   if (p.gpu if isinstance(p, GpuPrice) else p.model) in (catalog.gpus if isinstance(p, GpuPrice) else catalog.models)]
        fresh = len(good)
        good, refused, whole = sanity_check(good, previous, anchors)
        write_quarantine(src.name, [http.redact(r) for r in ([whole] if whole else refused)], fetched_at)
        if whole:
            raise LiveError(f"quarantined: {whole}")
        if refused and len(refused) == fresh:  # nothing new was accepted: not a refresh (the copy in use and its date stay)
            raise LiveError(f"every one of the {fresh} prices was refused (first: {refused[0]}; `moe-advisor prices` lists them)")
        for line in refused:
            http.warn(f"quarantined: {line}")
        write_cache(src.name, src.kind, good, fetched_at, getattr(fetcher, "url", ""), secrets=secrets)
        pages = f" in {http.pages} pages" if http.pages > 1 else ""
        held = f"; {len(refused)} refused (kept the previous price)" if refused else ""
        return RefreshResult(source=src.name, status="ok", prices=len(good), fetched_at=fetched_at, now_using="live",
                             message=http.redact(f"{len(good)} prices from {public_url(getattr(fetcher, 'url', ''))}{pages}{held}"),
                             warnings=tuple(http.redact(w) for w in http.warnings))
    except LiveError as exc:
        reason = http.redact(str(exc))
    except Exception as exc:  # noqa: BLE001 - a third-party fetcher may raise anything
        reason = http.redact(f"{type(exc).__name__}: {exc}")
    finally:
        if own and client is not None:
            client.close()
    fallback = _fallback_text(src)
    return RefreshResult(source=src.name, status="failed", message=f"{reason}; {fallback}", now_using=fallback,
                         warnings=tuple(http.warnings), error=reason)


def refresh(names: Iterable[str] | None = None, progress: Callable[[str, int, int], None] | None = None, *,
            settings: HttpSettings | None = None, transport: Any = None, catalog: Catalog | None = None,
            sleep: Callable[[float], None] = time.sleep) -> list[RefreshResult]:
    """Refresh the live price sources (all refreshable ones, or ``names``), one result per source.

    ``progress(source, done, total)`` is called before each fetch (``done`` sources finished so far)
    and after it (``done`` + 1). Never raises for a network or data problem."""
    catalog = catalog or runtime.default_catalog()
    sources = plugin_manager.price_sources()
    by_name = {s.name: s for s in sources}
    refreshable = [s for s in sources if s.live is not None]
    results: list[RefreshResult] = []
    if names:
        selected = []
        for n in dict.fromkeys(names):
            s = by_name.get(n)
            if s is None:
                results.append(RefreshResult(source=n, status="skipped", message="no such price source (refreshable: "
                                             f"{', '.join(x.name for x in refreshable) or 'none'})"))
            elif s.live is None:
                results.append(RefreshResult(source=n, status="skipped", message="no public live endpoint: uses its bundled snapshot"))
            else:
                selected.append(s)
    else:
        selected = refreshable
    settings = settings or HttpSettings()
    for i, src in enumerate(selected):
        _progress(progress, src.name, i, len(selected))
        results.append(refresh_source(src, catalog, settings=settings, transport=transport, sleep=sleep))
        _progress(progress, src.name, i + 1, len(selected))
    resolve.invalidate_prices()
    return results


def _progress(progress: Callable[[str, int, int], None] | None, name: str, done: int, total: int) -> None:
    if progress is None:
        return
    try:
        progress(name, done, total)
    except Exception:  # noqa: BLE001 - a broken progress display must not stop the refresh
        pass
