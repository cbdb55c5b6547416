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
from advisor.domain.prices import ApiPrice, GpuPrice
from advisor.errors import CatalogError
from advisor.prices import resolve
from advisor.prices.book import age_days
from advisor.prices.cache import write_cache
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
            snapshot = list(src.source.snapshot())
        except Exception:  # noqa: BLE001 - the fetcher can work without it
            snapshot = []
        rows = fetcher.fetch(http, catalog, snapshot)
        if not isinstance(rows, (list, tuple)):
            raise LiveError(f"the fetcher returned {type(rows).__name__}, not a list")
        good: list[GpuPrice | ApiPrice] = []
        bad = 0
        for i, r in enumerate(rows):
            try:
                p = check_price(r, src.kind, f"live {src.name}", f"row {i}")
            except CatalogError:
                bad += 1
                continue
            known = catalog.gpus if isinstance(p, GpuPrice) else catalog.models
            if (p.gpu if isinstance(p, GpuPrice) else p.model) in known:
                good.append(p)
            else:
                bad += 1
        if bad:
            http.warn(f"dropped {bad} row(s) that failed validation or name no catalog id")
        if not good:
            raise LiveError("no usable prices in the response")
        fetched_at = iso_utc(now_utc())
        write_cache(src.name, src.kind, good, fetched_at, getattr(fetcher, "url", ""))
        pages = f" in {http.pages} pages" if http.pages > 1 else ""
        return RefreshResult(source=src.name, status="ok", prices=len(good), fetched_at=fetched_at, now_using="live",
                             message=http.redact(f"{len(good)} prices from {public_url(getattr(fetcher, 'url', ''))}{pages}"),
                             warnings=tuple(http.warnings))
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
