"""Which price each provider has right now: every registered source's last good live refresh, else its
validated snapshot, with the user catalog's price files merged over them.

Reads the plugin registry (``advisor.plugin_manager``); nothing below it imports this module.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from advisor import plugin_manager, runtime
from advisor.catalog.load import Catalog
from advisor.catalog.schema import check_price
from advisor.common import budget
from advisor.domain.prices import ApiPrice, GpuPrice, price_key
from advisor.errors import CatalogError, UnknownIdError
from advisor.plugin_manager import RegisteredSource
from advisor.prices import cache
from advisor.prices.book import (
    STALE_AFTER_DAYS,
    PriceBook,
    age_days,
    implausible,
    implausible_text,
)
from advisor.prices.sources import TomlPriceSource


@dataclass(frozen=True)
class SourceStatus:
    """Where one price source's prices come from right now, and how old they are."""

    name: str
    kind: str
    """``gpu`` or ``api``."""
    plugin: str
    used: str
    """``live cache``, ``bundled snapshot`` or ``none`` (the source failed)."""
    prices: int
    as_of: str
    """Oldest ``as_of`` among the rows in effect (the fetch date for a live cache): rows of retired models and rows
    another source replaces do not make a source stale; "" when none is in effect."""
    age_days: int | None
    stale: bool
    refreshable: bool
    fetched_at: str = ""
    """ISO UTC time of the last good live refresh, when the live cache is used."""
    note: str = ""
    """Why the live cache is not used (unreadable, absent), or the source's failure."""
    refused: tuple[str, ...] = ()
    """What the last live refresh refused (quarantined): a shrunken response, prices at zero or moved over 10x."""


_lock = threading.RLock()
_snapshots: dict[str, tuple[list[GpuPrice | ApiPrice], str]] = {}
_price_notes: dict[str, None] = {}
_generation = -1
"""The plugin-registry generation the memo above was filled for."""


def _sync() -> None:
    """Forget what was read for an older set of plugins."""
    global _generation
    gen = plugin_manager.generation()
    if gen != _generation:
        _snapshots.clear()
        _price_notes.clear()
        _generation = gen


def _snapshot_rows(src: RegisteredSource) -> tuple[list[GpuPrice | ApiPrice], str]:
    """(validated snapshot rows, ``bundled snapshot`` or ``none``), computed once per source."""
    hit = _snapshots.get(src.name)
    if hit is None:
        label = f"plugin {src.plugin}, source {src.name}"
        try:
            if src.builtin:  # our own code: inline (a thread per source cost ~1 ms each)
                raw = src.source.snapshot()
            else:
                raw = budget.call(src.source.snapshot, budget_s=budget.budget(budget.SNAPSHOT_BUDGET_S),
                                  what=f"price source {src.name!r} (plugin {src.plugin!r}): snapshot()")
            if not isinstance(raw, (list, tuple)):
                raise TypeError(f"snapshot() returned {type(raw).__name__}, not a list")
            if len(raw) > cache.MAX_ROWS:  # 300,000 rows took every run seconds to validate
                _price_notes[f"price source {src.name!r} (plugin {src.plugin}): kept the first {cache.MAX_ROWS:,} of "
                             f"{len(raw):,} snapshot rows (a source holds at most {cache.MAX_ROWS:,})"] = None
                raw = raw[:cache.MAX_ROWS]
        except Exception as exc:  # noqa: BLE001 - BaseExceptions arrive as budget.PluginCrash
            plugin_manager.record_failure(src.plugin, f"source {src.name!r}: snapshot failed: {type(exc).__name__}: {exc}")
            hit = ([], "none")
        else:
            rows: list[GpuPrice | ApiPrice] = []
            bad: list[str] = []
            # A built-in bundled file's rows were validated by the same rules as they were read (read_price_file):
            # not built a second time.
            checked = GpuPrice if src.kind == "gpu" else ApiPrice
            checked = checked if type(src.source) is TomlPriceSource and src.builtin else ()
            for i, row in enumerate(raw):
                if isinstance(row, checked):
                    rows.append(row)
                    continue
                try:
                    rows.append(check_price(row, src.kind, label, f"row {i}{_row_name(row)}"))
                except CatalogError as exc:
                    bad.append(str(exc))
            if bad and not rows:  # nothing left: the plugin sells nothing, which `plugins` must not call ok (trial 38)
                more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
                plugin_manager.record_failure(src.plugin, f"source {src.name!r}: every row skipped ({len(bad)}): {bad[0]}{more}")
            elif bad:  # the source's valid rows are in use: a note, not a failed plugin
                more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
                _price_notes[f"price source {src.name!r} (plugin {src.plugin}): {len(bad)} row{'s' if len(bad) > 1 else ''} "
                             f"skipped: {bad[0]}{more}"] = None
            hit = (rows, "bundled snapshot")
        _snapshots[src.name] = hit
    return list(hit[0]), hit[1]


def _row_name(row) -> str:
    """`` (h100-sxm, sku gpu.h100.1x)``: what a malformed row prices, so a note names it ("" when unreadable)."""
    if not isinstance(row, dict):
        return ""
    parts = [str(row[k])[:40] for k in ("gpu", "model") if isinstance(row.get(k), str)]
    parts += [f"{k} {str(row[k])[:40]}" for k in ("sku", "region") if isinstance(row.get(k), str) and row[k]]
    return f" ({', '.join(parts)})" if parts else ""


def unknown_id_note(src: RegisteredSource, what: str, pid: str, known) -> str:
    """The note for a row naming an id the catalog lacks, with the closest known ids (``h100`` -> ``h100-sxm``):
    ids it prefixes first, then the most similar spellings."""
    import difflib

    names = sorted(known)
    close = sorted((k for k in names if k.startswith(f"{pid}-")), key=lambda k: (len(k), k))[:2] or difflib.get_close_matches(str(pid), names, n=2, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"price source {src.name!r} (plugin {src.plugin}): unknown {what} {pid!r} (row skipped{hint})"


def source_rows(src: RegisteredSource) -> tuple[list[GpuPrice | ApiPrice], str, str]:
    """(rows, used, note): the last good live cache, else the validated snapshot. A snapshot newer
    than the cache (a package upgrade after an old refresh) wins over it."""
    with _lock:
        _sync()
        return _source_rows(src)


def _source_rows(src: RegisteredSource) -> tuple[list[GpuPrice | ApiPrice], str, str]:
    rows, used = _snapshot_rows(src)
    note = ""
    if src.live is not None:
        cached, why = cache.read_cache(src.name, src.kind)
        if cached is None:
            note = why
        elif not cache_in_use(cached, rows):
            note = (f"the bundled snapshot (as of {max(p.as_of[:10] for p in rows)}) is newer than the live cache "
                    f"({cached.fetched_at})")
        else:
            return list(cached.prices), "live cache", cached.fetched_at
    return rows, used, note


def cache_in_use(cached, snapshot_rows) -> bool:
    """Whether a source's live cache is the copy its prices come from, beside its validated snapshot rows: unless the
    snapshot is newer (a package upgrade after an old refresh)."""
    return max((p.as_of[:10] for p in snapshot_rows), default="") <= cached.fetched_at[:10]


@dataclass(frozen=True)
class PriceEntry:
    """One price in the run's price book, and where it comes from."""

    price: GpuPrice | ApiPrice
    source: str
    """The price source's name, or ``user catalog``."""
    plugin: str
    """The plugin that registered the source ("" for the user catalog)."""
    used: str
    """``live cache``, ``bundled snapshot`` or ``user catalog``."""
    fetched_at: str = ""
    """ISO UTC time of the live refresh the price comes from."""


def _resolve(catalog: Catalog) -> tuple[list[tuple[RegisteredSource, list, str, str]], dict[tuple, PriceEntry]]:
    _sync()
    results = []
    merged: dict[tuple, PriceEntry] = {}
    for src in plugin_manager.price_sources():
        rows, used, note = _source_rows(src)
        if note.startswith("live cache unusable"):  # a refresh the ranking cannot read: said with it, not only by `prices`
            _price_notes[f"price source {src.name!r} (plugin {src.plugin}): {note}"] = None
        kept = []
        for p in rows:
            known = catalog.gpus if isinstance(p, GpuPrice) else catalog.models
            pid = p.gpu if isinstance(p, GpuPrice) else p.model
            if pid not in known:
                what = "gpu" if isinstance(p, GpuPrice) else "model"
                _price_notes[unknown_id_note(src, what, pid, known)] = None
                continue
            kept.append(p)
            merged[price_key(p)] = PriceEntry(p, src.name, src.plugin, used, note if used == "live cache" else "")
        results.append((src, kept, used, note))
    for p in getattr(catalog, "user_prices", ()):
        merged[price_key(p)] = PriceEntry(p, "user catalog", "", "user catalog")
    _refuse_implausible(merged)
    return results, merged


_implausible: dict[str, list[tuple[PriceEntry, str]]] = {}
"""Source name -> (entry, why) of its rows the last resolution refused as implausible (``_refuse_implausible``)."""


def refused_entries() -> list[tuple[PriceEntry, str]]:
    """(entry, why) of every price the last resolution refused as implausible (shown by ``moe-advisor prices``)."""
    with _lock:
        return [x for rows in _implausible.values() for x in rows]


def _refuse_implausible(merged: dict[tuple, PriceEntry]) -> None:
    """Name in a note each price of ``merged`` far off the other providers' median (``book.implausible``: source, item,
    both figures), and drop a plugin's or snapshot's price past ``book.REFUSED_SPREAD`` (10x for a GPU-hour, 100x
    for an API amount): the live refresh refuses a price that moved 10x (it is quarantined, the run goes on without
    it), and a $0.0001/GPU-h unit slip would otherwise rank first. A user catalog row is the user's own figure (owned
    hardware can be far below the market): it stays, with the note, and is the way to keep a refused price."""
    _implausible.clear()
    for p, name, value, median, refuse in implausible([e.price for e in merged.values()]):
        e = merged.get(price_key(p))
        if e is None or e.price is not p:  # its other amount already refused it
            continue
        text = implausible_text(p, name, value, median, refuse)
        where = "user catalog" if e.used == "user catalog" else f"price source {e.source!r}" + (f" (plugin {e.plugin})" if e.plugin else "")
        if not refuse or e.used == "user catalog":
            _price_notes[f"{where}: {text}: used as written; check its unit"] = None
            continue
        del merged[price_key(p)]
        _implausible.setdefault(e.source, []).append((e, text))
        _price_notes[f"{where}: {text}: not used (a unit slip?), as a live refresh refuses a price that moves that far; a "
                     f"user catalog row with the same price keeps it"] = None


def price_entries(catalog: Catalog | None = None) -> list[PriceEntry]:
    """Every price the advisor uses, with its source (see ``price_book``)."""
    catalog = catalog or runtime.default_catalog()
    with _lock:
        _, merged = _resolve(catalog)
    return list(merged.values())


def price_book(catalog: Catalog | None = None) -> PriceBook:
    """Every plugin price source (its live cache when refreshed, else its bundled snapshot), with the
    user catalog's price files merged over them (same provider/gpu/pricing/region/sku replaces)."""
    entries = price_entries(catalog)
    origin: dict[str, str] = {}
    for e in entries:
        if e.used == "live cache":
            what = f"live refresh {e.fetched_at} (source {e.source}, plugin {e.plugin})"
        elif e.used == "bundled snapshot":
            what = f"bundled snapshot (source {e.source}, plugin {e.plugin})"
        else:
            what = "user catalog"
        prev = origin.get(e.price.provider)
        if prev is None:
            origin[e.price.provider] = what
        elif what not in prev:
            origin[e.price.provider] = f"{prev} + {what}"
    gpu = tuple(e.price for e in entries if isinstance(e.price, GpuPrice))
    api = tuple(e.price for e in entries if isinstance(e.price, ApiPrice))
    return PriceBook(gpu_prices=gpu, api_prices=api, origin=origin)


def source_status(catalog: Catalog | None = None) -> list[SourceStatus]:
    """One line per registered price source: live cache or snapshot, count, as-of, age."""
    catalog = catalog or runtime.default_catalog()
    out = []
    with _lock:
        results, merged = _resolve(catalog)
    for src, kept, used, note in results:
        if used == "live cache":
            as_of = note[:10]
            fetched, why = note, ""
        else:
            in_effect, aside = _in_effect(src.name, kept, merged)
            dates = sorted(p.as_of for p in in_effect)
            as_of = dates[0] if dates else ""
            fetched, why = "", "; ".join(x for x in (note, aside) if x)
        if refused := _implausible.get(src.name):
            why = "; ".join(x for x in (why, f"refused as implausible: {'; '.join(t for _, t in refused)}") if x)
        if used == "none":
            why = plugin_manager.last_error(src.plugin) or "no prices"
        age = age_days(as_of) if as_of else None
        out.append(SourceStatus(name=src.name, kind=src.kind, plugin=src.plugin, used=used, prices=len(kept), as_of=as_of,
                                age_days=age, stale=age is not None and age > STALE_AFTER_DAYS, refreshable=src.live is not None,
                                fetched_at=fetched, note=why,
                                refused=cache.read_quarantine(src.name) if src.live is not None else ()))
    return out


def _in_effect(name: str, kept: list, merged: dict[tuple, PriceEntry]) -> tuple[list, str]:
    """(the rows of source ``name`` the price book uses for a live model, what the others are): a row another source
    (or the user catalog) replaces, or a row of a retired model, is history, not a price to re-check."""
    in_effect, replaced, retired = [], {}, 0
    for p in kept:
        entry = merged.get(price_key(p))
        if entry is not None and entry.source != name:
            replaced[entry.source] = replaced.get(entry.source, 0) + 1
        elif getattr(p, "retired_on", ""):
            retired += 1
        else:
            in_effect.append(p)
    parts = [f"{n} row{'s' if n > 1 else ''} replaced by {by}" for by, n in sorted(replaced.items())]
    if retired:
        parts.append(f"{retired} row{'s' if retired > 1 else ''} of retired models")
    if parts and not in_effect:
        parts.append("none in effect")
    return in_effect, ", ".join(parts)


def invalidate_prices() -> None:
    """Forget cached snapshots and live caches read so far (after a refresh)."""
    with _lock:
        _snapshots.clear()
        _price_notes.clear()


def notes() -> tuple[str, ...]:
    """Run notes: the plugins' (``plugin_manager.notes``) and unknown ids met in price sources."""
    with _lock:
        price_notes = list(_price_notes)
    return plugin_manager.notes(extra=price_notes)


def plugin_infos(check_prices: bool = True) -> list[plugin_manager.PluginInfo]:
    """Every plugin found, with its status. With ``check_prices`` the price sources are read too, so a
    source returning malformed data shows up as a failed plugin."""
    if check_prices:
        try:
            price_book()
        except Exception as exc:  # noqa: BLE001 - e.g. a broken catalog: report, do not raise
            plugin_manager.add_load_note(f"could not check price sources: {type(exc).__name__}: {exc}")
    return plugin_manager.plugin_infos()


def unknown_provider(name: str, known: list[str]) -> UnknownIdError:
    """The error for a provider no price row names, and where a plugin failed to load, that plugin with its error: the
    provider may be one it sells (trial 38: a broken price plugin's provider read as a typo, "Did you mean: openrouter")."""
    exc = UnknownIdError("provider", name, known)
    failed = [i for i in plugin_manager.plugin_infos() if i.status == "failed"]
    if failed:
        exc.args = (f"{exc}; a plugin that failed to load may sell it: "
                    + "; ".join(f"{i.name!r} ({i.error[:160]})" for i in failed) + " (`moe-advisor plugins`)",)
    return exc
