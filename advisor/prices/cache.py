"""The live price cache: the last good refresh of each source, one JSON file per source in the user
cache directory, written atomically, read back through the bounded reader (``advisor.common.tomlio``: regular
files only, at most ``MAX_CACHE_BYTES``) and the catalog validator (memoized on mtime). A cache that cannot be
used (corrupt, too large or deep, another source's, fetched in the future, over ``MAX_ROWS`` rows) is named in one
line and the bundled snapshot is used instead."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields, is_dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from advisor.catalog.schema import build_price
from advisor.common import paths
from advisor.common.redact import scrub, secret_values
from advisor.domain.prices import ApiPrice, GpuPrice
from advisor.errors import CatalogError
from advisor.prices.book import age_days

CACHE_SCHEMA_VERSION = 1

MAX_ROWS = 5_000
"""Rows one price source may hold (a refresh, a cache or a snapshot; the rest are dropped with a note). The
largest real source is Azure: 4 GPU VM SKUs x ~60 regions x on-demand/spot, about 500 rows; 200,000 plugin rows
made an 83 MB cache that every `recommend` spent 16.6 s reading."""
MAX_CACHE_BYTES = 16 * 2**20
"""A cache of ``MAX_ROWS`` rows is about 2 MB (~400 bytes a row); a bigger file was not written by a refresh."""
FUTURE_SLACK_S = 86_400
"""A fetch time later than now by more than this (a day of clock skew) is refused: 2999 made a cache never stale."""


@dataclass(frozen=True)
class CachedPrices:
    """The last good live refresh of one source."""

    source: str
    kind: str
    fetched_at: str
    """ISO 8601 UTC, e.g. ``2026-11-22T05:30:00Z``."""
    url: str
    prices: tuple[GpuPrice | ApiPrice, ...]

    @property
    def age_days(self) -> int | None:
        return age_days(self.fetched_at[:10])


def cache_dir() -> Path:
    return paths.user_cache_dir() / "prices"


def cache_path(source: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", source).lstrip(".") or "_"
    return cache_dir() / f"{safe}.json"


def _row_dict(p: GpuPrice | ApiPrice) -> dict:
    out = {}
    for f in fields(p):
        v = getattr(p, f.name)
        if v is None:
            continue
        if isinstance(v, tuple):
            v = [asdict(x) if is_dataclass(x) else x for x in v]
        out[f.name] = str(v) if isinstance(v, Decimal) else v
    return out


def write_cache(source: str, kind: str, prices: Iterable[GpuPrice | ApiPrice], fetched_at: str, url: str,
                secrets: Iterable[str] = ()) -> Path:
    """Write the cache of one source atomically: a reader sees the old file or the new one, never a
    half-written one."""
    from advisor.common.files import atomic_write  # here: a run that only reads caches never imports the writer
    from advisor.prices.http import public_url

    path = cache_path(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"schema_version": CACHE_SCHEMA_VERSION, "source": source, "kind": kind, "fetched_at": fetched_at,
           "url": public_url(url), "prices": [_row_dict(p) for p in prices]}
    doc = scrub(doc, [*secret_values(), *secrets])  # a fetcher's rows may carry a key: never cached verbatim
    atomic_write(path, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    _cache_memo.pop(str(path), None)
    return path


_cache_memo: dict[str, tuple[tuple[int, int], CachedPrices | None, str]] = {}


def read_cache(source: str, kind: str) -> tuple[CachedPrices | None, str]:
    """(the last good refresh of ``source``, or None and why not)."""
    path = cache_path(source)
    try:
        st = path.stat()
    except OSError:
        return None, "not refreshed yet"
    stamp = (st.st_mtime_ns, st.st_size)
    hit = _cache_memo.get(str(path))
    if hit and hit[0] == stamp:
        return hit[1], hit[2]
    cached, why = _parse_cache(path, source, kind)
    _cache_memo[str(path)] = (stamp, cached, why)
    return cached, why


def _parse_cache(path: Path, source: str, kind: str) -> tuple[CachedPrices | None, str]:
    from advisor.common import tomlio

    label = f"cache {path.name}"
    try:
        doc = tomlio.load_json(path, str(path), MAX_CACHE_BYTES)
        if not isinstance(doc, dict) or doc.get("schema_version") != CACHE_SCHEMA_VERSION:
            raise ValueError("unknown cache format")
        if doc.get("source") != source or doc.get("kind") != kind:
            raise ValueError(f"written for {doc.get('source')!r}/{doc.get('kind')!r}")
        fetched = _fetched_at(doc.get("fetched_at"))
        rows = doc.get("prices")
        if not isinstance(rows, list) or not rows:
            raise ValueError("no prices")
        if len(rows) > MAX_ROWS:
            raise ValueError(f"{len(rows):,} rows, over the {MAX_ROWS:,} a source may hold")
        prices = tuple(build_price(kind, r, label, f"row {i}") for i, r in enumerate(rows))
    except tomlio.TomlFileError as exc:
        return None, f"live cache unusable ({exc}); using the bundled snapshot"
    except (OSError, ValueError, TypeError, CatalogError) as exc:
        return None, f"live cache unusable ({path}: {exc}); using the bundled snapshot"
    return CachedPrices(source=source, kind=kind, fetched_at=fetched, url=str(doc.get("url", "")), prices=prices), ""


def _fetched_at(value) -> str:
    """The cache's fetch time (``YYYY-MM-DDTHH:MM:SSZ``), checked to be a real time and not in the future (no
    strptime: its first use compiles its patterns, ~5 ms of a start)."""
    import datetime

    from advisor.prices.http import now_utc

    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", value):
        raise ValueError("no fetch time")
    try:
        when = datetime.datetime(*(int(x) for x in re.split(r"[-T:Z]", value)[:6]), tzinfo=datetime.UTC)
    except ValueError:
        raise ValueError(f"fetch time {value} is not a real time") from None
    if (when - now_utc()).total_seconds() > FUTURE_SLACK_S:
        raise ValueError(f"fetch time {value} is in the future")
    return value


# --------------------------------------------------------------------------- quarantine


def quarantine_path(source: str) -> Path:
    return cache_path(source).with_suffix(".refused.json")


def write_quarantine(source: str, refused: Iterable[str], fetched_at: str) -> None:
    """Record what the last refresh of ``source`` refused (nothing: the record is removed)."""
    from advisor.common.files import atomic_write

    refused = [str(r) for r in refused]
    path = quarantine_path(source)
    if not refused:
        try:
            path.unlink()
        except OSError:
            pass
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = scrub({"source": source, "fetched_at": fetched_at, "refused": refused[:200], "count": len(refused)}, secret_values())
    atomic_write(path, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("utf-8"))


def read_quarantine(source: str) -> tuple[str, ...]:
    """What the last refresh of ``source`` refused, one line each ("" lines never)."""
    from advisor.common import tomlio

    try:  # the record of what was refused is a courtesy: an unreadable one is no record
        doc = tomlio.load_json(quarantine_path(source), limit=MAX_CACHE_BYTES)
    except tomlio.TomlFileError:
        return ()
    if not isinstance(doc, dict) or not isinstance(doc.get("refused"), list):
        return ()
    when = str(doc.get("fetched_at", ""))[:20]
    lines = [str(r)[:300] for r in doc["refused"] if str(r).strip()]
    extra = int(doc.get("count", len(lines))) - len(lines) if isinstance(doc.get("count"), int) else 0
    if extra > 0:
        lines.append(f"... and {extra} more")
    return tuple(f"{when}: {line}" if when else line for line in lines)
