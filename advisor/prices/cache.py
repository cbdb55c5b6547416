"""The live price cache: the last good refresh of each source, one JSON file per source in the user
cache directory, written atomically, read back through the catalog validator (memoized on mtime)."""

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
    label = f"cache {path.name}"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or doc.get("schema_version") != CACHE_SCHEMA_VERSION:
            raise ValueError("unknown cache format")
        if doc.get("source") != source or doc.get("kind") != kind:
            raise ValueError(f"written for {doc.get('source')!r}/{doc.get('kind')!r}")
        fetched = doc.get("fetched_at")
        if not isinstance(fetched, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", fetched):
            raise ValueError("no fetch time")
        rows = doc.get("prices")
        if not isinstance(rows, list) or not rows:
            raise ValueError("no prices")
        prices = tuple(build_price(kind, r, label, f"row {i}") for i, r in enumerate(rows))
    except (OSError, ValueError, CatalogError) as exc:
        return None, f"live cache unusable ({exc}); using the bundled snapshot"
    return CachedPrices(source=source, kind=kind, fetched_at=fetched, url=str(doc.get("url", "")), prices=prices), ""


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
    try:
        doc = json.loads(quarantine_path(source).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ()
    if not isinstance(doc, dict) or not isinstance(doc.get("refused"), list):
        return ()
    when = str(doc.get("fetched_at", ""))[:20]
    lines = [str(r)[:300] for r in doc["refused"] if str(r).strip()]
    extra = int(doc.get("count", len(lines))) - len(lines) if isinstance(doc.get("count"), int) else 0
    if extra > 0:
        lines.append(f"... and {extra} more")
    return tuple(f"{when}: {line}" if when else line for line in lines)
