"""Parsed catalog files, kept between processes: parsing the bundled TOML is about a third of a cold start.

The cache maps the SHA-256 of a file's bytes to its parsed table, stored as JSON (plain data; a hostile or
corrupt cache can only fail to parse) in the user cache directory, written atomically. A changed file has a
new hash and is parsed again; a table holding something JSON cannot store (a TOML date or time) is not
cached; a missing, unreadable or corrupt cache file is ignored and rewritten. Validation always runs on the table,
cached or not, so a cache can only save parsing, never change what loads.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

FILE_NAME = "parsed-catalogs.json"
FORMAT = 1
"""Bumped when what is stored changes; a cache of another format is ignored."""

_lock = threading.Lock()
_tables: dict[str, str] | None = None
"""Content hash -> the table as JSON text (parsed on every ``get``: each caller gets its own copy)."""
_used: set[str] = set()
_dirty = False


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _path() -> Path:
    from advisor.common.paths import user_cache_dir

    return user_cache_dir() / FILE_NAME


def _load() -> dict[str, str]:
    global _tables
    if _tables is None:
        from advisor.common import tomlio

        try:  # bounded, regular files only (a FIFO in the cache directory must not hang a start)
            stored = json.loads(tomlio.read_bytes(_path()))
            ok = isinstance(stored, dict) and stored.get("format") == FORMAT and isinstance(stored.get("tables"), dict)
            _tables = stored["tables"] if ok else {}
        except (OSError, ValueError, TypeError, RecursionError):  # TomlFileError is a ValueError
            _tables = {}
    return _tables


def get(key: str) -> dict[str, Any] | None:
    """The parsed table of the file whose bytes hash to ``key``, or None."""
    with _lock:
        blob = _load().get(key)
    if not isinstance(blob, str):
        return None
    try:
        table = json.loads(blob)
    except (ValueError, TypeError, RecursionError):
        return None
    if not isinstance(table, dict):
        return None
    with _lock:
        _used.add(key)
    return table


def put(key: str, table: dict[str, Any]) -> None:
    global _dirty
    try:
        blob = json.dumps(table, separators=(",", ":"))
    except (TypeError, ValueError):  # a TOML date or time: parsed again next time
        return
    with _lock:
        _load()[key] = blob
        _used.add(key)
        _dirty = True


def save() -> None:
    """Write the tables read since the last save (and no others: edited files do not pile up). Never raises."""
    global _dirty
    from advisor.common.files import atomic_write

    with _lock:
        if not _dirty or _tables is None:
            return
        kept = {k: v for k, v in _tables.items() if k in _used}
        try:
            path = _path()
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps({"format": FORMAT, "tables": kept}, separators=(",", ":")).encode("utf-8"))
        except (OSError, ValueError):
            return
        _dirty = False


def forget() -> None:
    """Drop what this process read of the cache (tests; after the cache directory changes)."""
    global _tables, _dirty
    with _lock:
        _tables, _dirty = None, False
        _used.clear()
