"""Pure results kept between processes: throughput estimates, fits and sizings are about half of a cold ranking.

A memo here maps a key of plain values (strings, numbers, None, tuples of them; a catalog spec enters a key as
``spec_key(spec)``, a digest of its every field) to a result pickled on its own. The file lives in the user cache
directory, is written atomically when the process exits (only when something was added), and is valid for one
build of the code and one corrections file: its name holds a digest of the package version, every module's size
and modification time, and the stored corrections (``fingerprint``). A catalog or engine.toml edit changes the
specs' digests, so it misses instead of reading a stale result.

Reading never trusts the file: it is unpickled with nothing but plain containers allowed, and each result with
nothing but the frozen dataclasses of ``advisor.domain`` and ``advisor.physics`` (no function, no other class); a
missing, unreadable, corrupt or foreign file is ignored and rebuilt, never a traceback. The file is bounded:
``MAX_ENTRIES`` results, the ones used least recently dropped first.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import os
import pickle
import threading
from pathlib import Path
from typing import Any, Callable

FORMAT = 1
"""Bumped when what is stored changes; a file of another format is ignored."""
PREFIX = "memo-"
MAX_ENTRIES = 12_000
"""About 13 MB at most (read whole at start: ~40 ms); ranking the five presets fills it."""
_ALLOWED_MODULES = ("advisor.domain.", "advisor.physics.", "advisor.catalog.")
_ALLOWED_PLAIN = {("decimal", "Decimal"), ("datetime", "date")}
_MISSING = object()
enabled = True
"""False: every ``get`` computes (``scripts/bench.py`` times a cold ranking this way)."""

_lock = threading.RLock()
_state: dict[str, Any] = {"path": None, "where": None, "entries": None, "used": None, "added": None}
_spec_keys: dict[Any, str] = {}
_fingerprint: dict[Any, str] = {}


class _PlainUnpickler(pickle.Unpickler):
    """The file's container: dicts, tuples, strings, numbers and bytes only."""

    def find_class(self, module: str, name: str):  # noqa: D401 - pickle's hook
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed here")


class _ResultUnpickler(pickle.Unpickler):
    """A stored result: frozen dataclasses of the domain, the physics and the catalog, Decimal and date; nothing
    callable."""

    def find_class(self, module: str, name: str):
        try:
            return _classes[(module, name)]
        except KeyError:
            pass
        import dataclasses
        import importlib

        if (module, name) in _ALLOWED_PLAIN or (module.startswith(_ALLOWED_MODULES) and "." not in name and not name.startswith("_")):
            obj = getattr(importlib.import_module(module), name, None)
            if isinstance(obj, type) and (dataclasses.is_dataclass(obj) or (module, name) in _ALLOWED_PLAIN):
                _classes[(module, name)] = obj
                return obj
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a stored result")


_classes: dict[tuple[str, str], type] = {}


def spec_key(spec: Any) -> str:
    """A digest of every compared field of a frozen catalog spec (its ``repr``), memoized per spec."""
    try:
        return _spec_keys[spec]
    except KeyError:
        key = _spec_keys[spec] = hashlib.sha256(repr(spec).encode("utf-8")).hexdigest()[:32]
        return key


def fingerprint() -> str:
    """The code and corrections this process estimates with: package version, every module's path, size and
    modification time, and the stored corrections' bytes (once per process and catalog directory; ``forget``
    computes it again)."""
    from advisor.common.paths import user_catalog_dir

    where = user_catalog_dir()
    hit = _fingerprint.get(where)
    if hit is not None:
        return hit
    if None not in _fingerprint:
        _fingerprint[None] = _code_digest()
    h = hashlib.sha256(_fingerprint[None].encode())
    try:
        h.update((where / "measurements.toml").read_bytes())
    except OSError:
        h.update(b"-")
    out = _fingerprint[where] = h.hexdigest()[:24]
    return out


def _code_digest() -> str:
    import advisor

    h = hashlib.sha256(f"{FORMAT}:{getattr(advisor, '__version__', '')}".encode())
    root = Path(advisor.__file__).parent
    rows = []
    for dirpath, dirnames, filenames in os.walk(root):  # links (plugins/, catalogs/) are not followed
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for f in filenames:
            if f.endswith(".py"):
                try:
                    st = os.stat(os.path.join(dirpath, f))
                except OSError:
                    continue
                rows.append(f"{os.path.relpath(os.path.join(dirpath, f), root)}:{st.st_size}:{st.st_mtime_ns}")
    h.update("\n".join(sorted(rows)).encode())
    return h.hexdigest()


def _path() -> Path:
    from advisor.common.paths import user_cache_dir

    return user_cache_dir() / f"{PREFIX}{fingerprint()}.pickle"


def _where() -> tuple[str | None, ...]:
    """What the cache directory depends on (cheaper to compare than the path)."""
    env = os.environ
    return (env.get("MOE_ADVISOR_CACHE_DIR"), env.get("MOE_ADVISOR_CATALOG_DIR"), env.get("XDG_CACHE_HOME"),
            env.get("XDG_CONFIG_HOME"), env.get("HOME"))


def _entries() -> dict:
    """This process's view of the file for the current cache directory (read on first use; a change of the
    cache directory saves the old view and reads the new one)."""
    where = _where()
    if _state["entries"] is not None and _state.get("where") == where:
        return _state["entries"]
    path = _path()
    _state["where"] = where
    if _state["path"] != path:
        if _state["path"] is not None:
            _save_locked()
        entries: dict = {}
        try:
            with open(path, "rb") as fh:
                stored = _PlainUnpickler(io.BytesIO(fh.read())).load()
            if isinstance(stored, dict) and stored.get("format") == FORMAT and isinstance(stored.get("entries"), dict):
                entries = stored["entries"]
        except Exception:  # noqa: BLE001 - any unreadable or hostile file is a cold cache, never a traceback
            entries = {}
        _state.update(path=path, entries=entries, used=set(), added={})
    return _state["entries"]


def get(kind: str, key: tuple, compute: Callable[[], Any]) -> Any:
    """The stored result of ``kind`` at ``key``, or ``compute()`` (stored for the next process)."""
    if not enabled:
        return compute()
    full = (kind, *key)
    with _lock:
        blob = _entries().get(full, _MISSING)
    if isinstance(blob, bytes):
        try:
            value = _ResultUnpickler(io.BytesIO(blob)).load()
        except Exception:  # noqa: BLE001 - a corrupt entry is recomputed
            value = _MISSING
        if value is not _MISSING:
            with _lock:
                if _state["used"] is not None:
                    _state["used"].add(full)
            return value
    value = compute()
    with _lock:
        _entries()
        _state["added"][full] = value
    return value


def _save_locked() -> None:
    added, used, entries, path = _state["added"], _state["used"], _state["entries"], _state["path"]
    if not added or path is None:
        return
    try:
        fresh = {k: pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL) for k, v in added.items()}
    except Exception:  # noqa: BLE001 - something unpicklable: keep nothing rather than fail the exit
        return
    # least recently used first, so the cap drops those
    out = {k: v for k, v in entries.items() if k not in used and k not in fresh}
    out.update((k, entries[k]) for k in used if k in entries)
    out.update(fresh)
    if len(out) > MAX_ENTRIES:
        out = dict(list(out.items())[len(out) - MAX_ENTRIES:])
    try:
        from advisor.common.files import atomic_write

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, pickle.dumps({"format": FORMAT, "entries": out}, protocol=pickle.HIGHEST_PROTOCOL))
        for old in path.parent.glob(f"{PREFIX}*.pickle"):  # files of other builds are never read again
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, ValueError):
        return
    _state.update(entries=out, used=set(), added={})


def save() -> None:
    """Write what this process added (at exit; tests call it). Never raises."""
    with _lock:
        _save_locked()


def forget() -> None:
    """Save, then drop this process's view and fingerprint (after the corrections change: the next ``get``
    reads the file of the new fingerprint)."""
    with _lock:
        _save_locked()
        _state.update(path=None, where=None, entries=None, used=None, added=None)
        _fingerprint.clear()


atexit.register(save)
