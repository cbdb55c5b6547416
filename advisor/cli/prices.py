"""``moe-advisor prices [list|refresh]``, ``moe-advisor plugins`` and ``moe-advisor list prices``."""

from __future__ import annotations

import argparse
import re
import sys

from advisor.common import fmt


def _out(text: str) -> None:
    sys.stdout.write(text.rstrip("\n") + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")


def _warn_notes(notes) -> None:
    """The run's notes on stderr, after whatever stdout holds so far (a merged 2>&1 stream keeps them on lines of
    their own, outside the tables)."""
    sys.stdout.flush()
    for n in notes:
        _err(f"moe-advisor: {n}")


def _age(days: int | None, stale: bool) -> str:
    if days is None:
        return "-"
    return f"{days} d" + (" (stale)" if stale else "")


RECHECK_AFTER_DAYS = 120
"""``moe-advisor prices --stale``: rows older than this (or with a guessed date) are listed to re-check; the same age
as ``prices.book.STALE_AFTER_DAYS``, which marks a row stale (a test holds them equal: this module must not import
the price book at start-up)."""
GUESSED_DATE = re.compile(r"as_of\s*(=|is)\s*(the\s+)?date\s+(it\s+was\s+)?read|as_of is (a )?guess|guessed date|date (is )?guessed",
                          re.IGNORECASE)
"""Notes that say the as-of date is not the price's own date (an undated price booked on the day it was read)."""


def print_stale(rows: list[dict], fmt_json: bool = False) -> int:
    """What to re-check: live (not retired) rows older than ``RECHECK_AFTER_DAYS`` or whose date is a guess."""
    todo = []
    for r in rows:
        if r.get("retired_on"):
            continue
        why = []
        if r["age_days"] is None:
            why.append("date unreadable")
        elif r["age_days"] > RECHECK_AFTER_DAYS:
            why.append(f"{r['age_days']} d old")
        if r.get("guessed_date"):
            why.append("date guessed")
        if why:
            todo.append({**r, "why": ", ".join(why)})
    todo.sort(key=lambda r: -(r["age_days"] or 10**6))
    if fmt_json:
        from advisor.common.serialize import dumps_json

        _out(dumps_json({"recheck_after_days": RECHECK_AFTER_DAYS, "stale": todo}))
        return 0
    if not todo:
        _out(f"no price row is older than {RECHECK_AFTER_DAYS} days or has a guessed date")
        return 0
    _out(f"{len(todo)} price rows to re-check (older than {RECHECK_AFTER_DAYS} days or with a guessed date):")
    _out(fmt.table(["provider", "kind", "gpu / model", "price", "as of", "why", "re-check at"],
                   [[r["provider"], r["kind"], r["item"], r["price"], r["as_of"], r["why"], _cut(r["price_source"], 70)]
                    for r in todo], "lllrrll"))
    return 0


def price_rows(sources: list[str] | None = None) -> tuple[list[dict], list, tuple[str, ...]]:
    """(one dict per price with where it comes from and its age, source statuses, plugin notes)."""
    from advisor import api
    from advisor.domain.prices import GpuPrice
    from advisor.prices import resolve
    from advisor.prices.book import STALE_AFTER_DAYS, age_days

    cat = api.catalog()
    entries = resolve.price_entries(cat)
    refused = {id(e): why for e, why in resolve.refused_entries()}  # listed, marked, never used
    entries += [e for e, _ in resolve.refused_entries()]
    status = resolve.source_status(cat)
    wanted = {x.lower() for x in sources} if sources else None
    keep = _selection(entries, status, wanted) if wanted else None
    rows = []
    for e in sorted(entries, key=lambda e: (not isinstance(e.price, GpuPrice), e.price.provider,
                                            getattr(e.price, "gpu", "") or getattr(e.price, "model", ""))):
        p = e.price
        if keep and not keep(e):
            continue
        gpu = isinstance(p, GpuPrice)
        # A live row's age is its refresh's, but a row a refresh kept from the copy before (its new price refused) is as
        # old as its own date: the older of the two.
        age = age_days(min(e.fetched_at[:10], p.as_of[:10] or e.fetched_at[:10]) if e.fetched_at else p.as_of)
        row = {
            "kind": "gpu" if gpu else "api", "provider": p.provider, "item": p.gpu if gpu else p.model,
            "price": (fmt.usd_rate(p.usd_per_gpu_hour) if gpu else
                      f"{fmt.usd_rate(p.input_usd_per_mtok, '')} in / {fmt.usd_rate(p.output_usd_per_mtok, '')} out per M"),
            "pricing": p.pricing if gpu else (f"retired {p.retired_on}" if p.retired_on else
                                              "time-of-day" if p.time_windows else "per-token"),
            "retired_on": "" if gpu else p.retired_on, "guessed_date": bool(GUESSED_DATE.search(p.notes or "")),
            "region": p.region if gpu else "",
            "sku": p.sku if gpu else p.provider_model, "from": "refused" if id(e) in refused else e.used, "source": e.source,
            "plugin": e.plugin, "refused": refused.get(id(e), ""),
            "fetched_at": e.fetched_at, "price_source": p.source, "as_of": p.as_of, "age_days": age,
            "stale": age is not None and age > STALE_AFTER_DAYS,
        }
        if gpu:
            row["usd_per_gpu_hour"] = str(p.usd_per_gpu_hour)
        else:
            row["input_usd_per_mtok"] = str(p.input_usd_per_mtok)
            row["output_usd_per_mtok"] = str(p.output_usd_per_mtok)
            if p.cached_input_usd_per_mtok is not None:
                row["cached_input_usd_per_mtok"] = str(p.cached_input_usd_per_mtok)
            if p.time_windows:
                row["time_windows"] = [{"from_utc": t.utc_times[0], "to_utc": t.utc_times[1], "input_multiplier": t.input_multiplier,
                                        "output_multiplier": t.output_multiplier, "cached_input_multiplier": t.cached_input_multiplier}
                                       for t in p.time_windows]
                row["time_of_day"] = ", ".join(t.label for t in p.time_windows)
            model = cat.models.get(p.model)
            row["api_only"] = bool(model is not None and model.api_only)
        rows.append(row)
    if wanted:
        shown = {r["source"].lower() for r in rows}
        status = [s for s in status if s.name.lower() in wanted or s.name.lower() in shown]
    return rows, status, resolve.notes()


def _selection(entries, status, wanted: set[str]):
    """Which price entries ``--source NAME ...`` shows: a registered source's name selects that source's rows, and
    the rows that replace some of them (another source's or the user catalog's row with the same key: the price in
    use), not every row of a provider of the same name (source ``acme`` is not ``acme-api``); a name that is no
    source selects that provider's rows."""
    from advisor import plugin_manager
    from advisor.domain.prices import price_key
    from advisor.prices import resolve

    names = {s.name.lower() for s in status}
    sources, providers = wanted & names, wanted - names
    keys = {price_key(p) for src in plugin_manager.price_sources() if src.name.lower() in sources
            for p in resolve.source_rows(src)[0]}

    def keep(e) -> bool:
        return e.source.lower() in sources or e.price.provider.lower() in providers or price_key(e.price) in keys
    return keep


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_prices(args: argparse.Namespace) -> int:
    """``moe-advisor prices`` / ``moe-advisor list prices``: every price with its source and age."""
    from advisor.prices.book import STALE_AFTER_DAYS

    wanted = getattr(args, "source", None)
    rows, status, notes = price_rows(wanted)
    if wanted and not rows and not status:
        from advisor.prices import resolve

        _err(f"moe-advisor: no price source or provider named {', '.join(wanted)} "
             f"(sources: {', '.join(sorted(s.name for s in resolve.source_status()))})")
        return 2
    if getattr(args, "stale", False):
        return print_stale(rows, getattr(args, "format", "table") == "json")
    if getattr(args, "format", "table") == "json":
        from advisor.common.serialize import dumps_json

        _out(dumps_json({"sources": status, "prices": rows, "notes": list(notes)}))
        return 0
    _warn_notes(notes)
    src_rows = []
    for s in sorted(status, key=lambda s: (s.kind != "gpu", s.name)):
        used = s.used + (f" ({s.fetched_at})" if s.fetched_at else "")
        src_rows.append([s.name, s.kind, s.plugin, used, str(s.prices), s.as_of or "-", _age(s.age_days, s.stale),
                         "yes" if s.refreshable else "-", s.note])
    if src_rows:
        _out("Price sources")
        _out(fmt.table(["source", "kind", "plugin", "prices from", "rows", "oldest row", "age", "live", "note"], src_rows, "llllrrrll"))
        _out("")
    for s in status:
        if s.refused:
            _out(f"Refused by the last refresh of {s.name} (quarantined, not used):")
            for line in s.refused:
                _out(f"  {line}")
            _out("")
    table = [[r["provider"], r["kind"], r["item"] + (" (API-only)" if r.get("api_only") else ""), r["price"], r["pricing"], _cut(r["region"] or "-", 24), _cut(r["sku"] or "-", 30),
              r["from"], r["as_of"], _age(r["age_days"], r["stale"])] for r in rows]
    _out(fmt.table(["provider", "kind", "gpu / model", "price", "pricing", "region", "offer", "from", "as of", "age"], table,
                   "lllrllllrr"))
    if any(r.get("api_only") for r in rows):
        _out("\nAPI-only = a closed-weights model: sold per token by its vendor only, never self-hosted.")
    if any(r.get("time_of_day") for r in rows):
        _out("\ntime-of-day = the price shown holds outside these times; a recommendation weights each hour by the workload's "
             "traffic (its hours read as UTC):")
        for r in rows:
            if r.get("time_of_day"):
                _out(f"  {r['provider']} {r['item']}: {r['time_of_day']}")
    if any(r["refused"] for r in rows):
        _out("\nrefused = more than 10x off the other providers' median for the same item (a unit slip?): not used; a user "
             "catalog row with that price keeps it.")
    if any(r.get("retired_on") for r in rows):
        _out("\nretired = the provider retired the model: the row is kept for history and never ranked.")
    if any(r["stale"] for r in rows):
        _out(f"\n(stale) = older than {STALE_AFTER_DAYS} days; `moe-advisor prices refresh` updates the sources marked live.")
    return 0


def cmd_prices(args: argparse.Namespace) -> int:
    if args.action == "refresh":
        return refresh(args)
    from advisor.cli.notes import warn_catalog_problems

    warn_catalog_problems()  # a user price row left out is named here, as `recommend` notes it
    return print_prices(args)


def refresh(args: argparse.Namespace) -> int:
    """``moe-advisor prices refresh``: fetch the live sources, one result line per source."""
    from advisor.prices import refresh

    announced: set[str] = set()

    def progress(source: str, done: int, total: int) -> None:
        if source not in announced and done < total:
            announced.add(source)
            _err(f"[{done + 1}/{total}] {source}: fetching ...")

    results = refresh.refresh(args.source, progress=None if args.format == "json" else progress)
    if args.format == "json":
        from advisor.common.serialize import dumps_json

        _out(dumps_json(results))
    else:
        if not results:
            _out("no price source has a live endpoint")
        width = max((len(r.source) for r in results), default=0)
        for r in results:
            _out(f"{r.source:<{width}}  {r.status:<7}  {r.message}")
            for w in r.warnings:
                _out(f"{'':<{width}}  {'':<7}  warning: {w}")
    if results and all(r.status == "skipped" and r.message.startswith("no such price source") for r in results):
        return 2  # only names that are no price source: a usage error, not a network failure
    return 1 if any(r.status == "failed" for r in results) else 0


def cmd_plugins(args: argparse.Namespace) -> int:
    """``moe-advisor plugins``: every plugin with version, hooks and status (failed ones with why)."""
    from advisor.prices import resolve

    infos = resolve.plugin_infos()
    if args.format == "json":
        from advisor.common.serialize import dumps_json

        _out(dumps_json(infos))
        return 0
    rows = [[i.name, i.version or "-", i.status, ", ".join(h.removeprefix("register_") for h in i.hooks) or "-",
             "built-in" if i.builtin else (i.distribution or i.module or "-")] for i in infos]
    _out(fmt.table(["plugin", "version", "status", "hooks", "from"], rows, "lllll"))
    failed = [i for i in infos if i.status == "failed"]
    for i in failed:
        _out(f"\n{i.name}: {i.error}")
    extra = [n for n in resolve.notes() if not n.startswith("plugin '")]
    for n in extra:
        _out(f"\nnote: {n}")
    return 0
