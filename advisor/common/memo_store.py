"""Pure results kept between processes: throughput estimates, fits and sizings are about half of a cold ranking.

A memo here maps a key of plain values (strings, numbers, None, tuples of them; a catalog spec enters a key as
``spec_key(spec)``, a digest of its every field) to a result pickled on its own. The file lives in the user cache
directory, is written atomically when the process exits (only when something was added), and is valid for one
build of the code and one corrections file: its name holds a digest of the package version, every module's size
and modification time, and the stored corrections (``fingerprint``). A catalog or engine.toml edit changes the
specs' digests, so it misses instead of reading a stale result.

The file is an index and the pickled results after it (``_encode``): a header, the entry count, a compression
dictionary, one 16-byte id per entry (4 bytes of the kind, then 12 of a BLAKE2b digest of the key's ``repr``), one
length per entry, the results. Opening it reads the index only (the results are mapped, not read), and a result is
unpickled when a ``get`` asks for it: a warm ``recommend`` reads ~50 results, not the file's 12,000.

A result under ``PACK_UP_TO`` bytes is stored deflated (zlib, level 1) when that is smaller, against the file's
dictionary: 32 KB of its own results (``_dictionary``), so the field and class names every pickled dataclass repeats
cost a few bytes each (an estimate: 2.3 KB -> ~0.45 KB). The workload shapes' lookups (~250 KB each) stay as pickled:
a warm ranking reads ~6 of them, and inflating them took ~4-8 ms of a ~190 ms process. The five presets' file: 18.9
-> 10.4 MB (2-core development machine, 2026-12-04). The deflate and inflate streams are zlib's
(https://docs.python.org/3/library/zlib.html, read 2026-12-04: ``zdict``, negative ``wbits`` for a raw stream).

Reading never trusts the file: an index that does not add up to the file's size is a cold cache, and each result is
unpickled with nothing but the frozen dataclasses of ``advisor.domain``, ``advisor.physics`` and ``advisor.catalog``
(no function, no other class); a missing, unreadable, corrupt or foreign file is ignored and rebuilt, never a
traceback. The file is bounded: ``MAX_ENTRIES`` results, the ones used least recently dropped first.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import os
import pickle
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from itertools import accumulate
from pathlib import Path
from typing import Any

FORMAT = 3
"""Bumped when what is stored changes; a file of another format is ignored."""
MAGIC = b"moe-advisor memo %d\n" % FORMAT
PREFIX = "memo-"
MAX_ENTRIES = 14_000
"""Ranking the five presets keeps 12,723 results: estimates, sizings and bounds, and their 30 workload shapes' lookups
(``Context.shared``, one result a shape), 10.4 MB (18.9 MB before results were deflated), 2026-12-04; only the index is
read at start."""
KEEP_OTHER_BUILDS = 1
"""Files of other builds kept beside this one's (the most recently written): two checkouts used in turn stay warm,
about 21 MB in all after the five presets."""
DICTIONARY_BYTES = 32_768
"""The compression dictionary's size: deflate looks back 32 KB at most, so a longer one would not be used."""
PACK_FROM = 64
"""Results shorter than this many bytes are stored as pickled (a bound's three numbers gain nothing)."""
PACK_UP_TO = 65_536
"""Results this long or longer (a workload shape's lookups, the parsed catalog) are stored as pickled: read at every
warm start, where inflating them would cost more than the bytes saved."""
_PLAIN, _DEFLATED = 0, 1
_ALLOWED_MODULES = ("advisor.domain.", "advisor.physics.", "advisor.catalog.")
_ALLOWED_PLAIN = {("decimal", "Decimal"), ("datetime", "date")}
_MISSING = object()
enabled = True
"""False: every ``get`` computes (``scripts/bench.py`` times a cold ranking this way)."""

_lock = threading.RLock()
_state: dict[str, Any] = {"path": None, "where": None, "entries": None, "data": b"", "offsets": [0], "used": None,
                          "added": None, "zdict": b""}
_spec_keys: dict[Any, str] = {}
_fingerprint: dict[Any, str] = {}


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
    from advisor.common import tomlio

    try:  # bounded, regular files only: a FIFO named measurements.toml hung every command here
        h.update(tomlio.read_bytes(where / "measurements.toml"))
    except tomlio.TomlFileError as exc:
        h.update(f"-{exc.reason}".encode())
    out = _fingerprint[where] = h.hexdigest()[:24]
    return out


def _code_digest() -> str:
    import advisor

    h = hashlib.sha256(f"{FORMAT}:{getattr(advisor, '__version__', '')}".encode())
    root = os.path.abspath(Path(advisor.__file__).parent)
    skip = len(root) + 1  # a path under it, relative to it (``os.path.relpath`` costs ~1 ms over the package)
    rows = []
    for dirpath, dirnames, filenames in os.walk(root):  # links (plugins/, catalogs/) are not followed
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for f in filenames:
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                rows.append(f"{path[skip:]}:{st.st_size}:{st.st_mtime_ns}")
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


def entry_id(kind: str, key: tuple) -> bytes:
    """The 16 bytes that name a result in the file: the kind's first 4 bytes (readable in the index), then a
    digest of the whole key."""
    return kind.encode()[:4].ljust(4, b"\0") + hashlib.blake2b(repr((kind, *key)).encode(), digest_size=12).digest()


class _Index:
    """A file's ids as a read-only mapping id -> entry number, answering as the dict of them would (the last of equal
    ids). The first ``SEARCHES`` look-ups search the ids' bytes (``bytes.rfind``, then the next match down until one
    starts at a multiple of 16); the next one builds the dict. A warm start asks ~50 (the catalog, ~26 price files,
    ~6 workload shapes, a few estimates: ~0.5 ms in a 12,000-entry index) where building the dict took ~1.5 ms; a cold
    ranking's ~2,000 misses use the dict."""

    __slots__ = ("_dict", "_ids", "_left")
    SEARCHES = 64

    def __init__(self, ids: bytes):
        self._ids, self._dict, self._left = ids, None, self.SEARCHES

    def _mapping(self) -> dict[bytes, int]:
        if self._dict is None:
            ids = self._ids
            self._dict = {ids[i:i + 16]: i >> 4 for i in range(0, len(ids), 16)}
        return self._dict

    def get(self, ident: bytes, default: Any = None) -> Any:
        if self._dict is None and self._left > 0 and type(ident) is bytes and len(ident) == 16:
            self._left -= 1
            j = self._ids.rfind(ident)
            while j > 0 and j & 15:  # a match across two ids: look lower
                j = self._ids.rfind(ident, 0, j + 15)
            return j >> 4 if j >= 0 else default
        return self._mapping().get(ident, default)

    def __getitem__(self, ident: bytes) -> int:
        return self._mapping()[ident]

    def __contains__(self, ident: object) -> bool:
        return self.get(ident) is not None  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._ids) >> 4

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._mapping())

    def items(self):
        return self._mapping().items()


def _decode(data: Any) -> tuple[_Index, list[int], bytes]:
    """(id -> entry number, offsets: entry i is ``data[offsets[i]:offsets[i + 1]]``, the compression dictionary) of a
    file's bytes; ValueError when they are not a whole file of this format."""
    head = len(MAGIC)
    if data[:head] != MAGIC or len(data) < head + 8:
        raise ValueError("not a memo file of this format")
    n = int.from_bytes(data[head:head + 4], "little")
    z = int.from_bytes(data[head + 4:head + 8], "little")
    ids_at = head + 8 + z
    lengths_at = ids_at + 16 * n
    start = lengths_at + 4 * n
    if n > 4 * MAX_ENTRIES + 1000 or z > DICTIONARY_BYTES or start > len(data):
        raise ValueError("index larger than the file")
    zdict = bytes(data[head + 8:ids_at])
    ids = data[ids_at:lengths_at]
    offsets = list(accumulate(struct.unpack(f"<{n}I", data[lengths_at:start]), initial=start))
    if offsets[-1] != len(data):
        raise ValueError("lengths do not add up to the file's size")
    return _Index(bytes(ids)), offsets, zdict


def _encode(blobs: list[tuple[bytes, bytes]], zdict: bytes) -> bytes:
    """The file holding ``(id, stored result)`` pairs in this order (see ``_decode``)."""
    n = len(blobs)
    return b"".join([MAGIC, n.to_bytes(4, "little"), len(zdict).to_bytes(4, "little"), zdict, *(i for i, _ in blobs),
                     struct.pack(f"<{n}I", *(len(b) for _, b in blobs)), *(b for _, b in blobs)])


def _dictionary(pickled: dict[bytes, bytes]) -> bytes:
    """A compression dictionary for a new file: about 8 KB of each kind's results (evenly spaced, those worth deflating),
    the kinds with the most results last (deflate reaches the dictionary's end most cheaply), at most
    ``DICTIONARY_BYTES``."""
    by_kind: dict[bytes, list[bytes]] = {}
    for ident, blob in pickled.items():
        if len(blob) >= PACK_FROM:
            by_kind.setdefault(ident[:4], []).append(blob)
    parts = []
    for blobs in sorted(by_kind.values(), key=len):
        room = DICTIONARY_BYTES // 4
        for blob in blobs[::max(1, len(blobs) // 16)]:
            parts.append(blob[:room])
            room -= len(parts[-1])
            if room <= 0:
                break
    return b"".join(parts)[-DICTIONARY_BYTES:]


def _pack(pickled: bytes, zdict: bytes) -> bytes:
    """A result as stored: a flag byte, then the pickle deflated against ``zdict`` when that is smaller (and it is not one
    of the long results read at every start), else as it is."""
    if PACK_FROM <= len(pickled) < PACK_UP_TO:
        c = zlib.compressobj(1, zlib.DEFLATED, -15, zdict=zdict) if zdict else zlib.compressobj(1, zlib.DEFLATED, -15)
        packed = c.compress(pickled) + c.flush()
        if len(packed) + 1 < len(pickled):
            return bytes((_DEFLATED,)) + packed
    return bytes((_PLAIN,)) + pickled


def _unpack(data: Any, start: int, end: int, zdict: bytes) -> bytes:
    """The pickle the result stored at ``data[start:end]`` holds (``_pack``), copied once from the mapped file;
    ValueError or zlib.error when it is not one."""
    if end <= start:
        raise ValueError("an empty entry")
    flag = data[start]
    if flag == _PLAIN:
        return data[start + 1:end]
    if flag != _DEFLATED:
        raise ValueError("an unknown flag")
    d = zlib.decompressobj(-15, zdict=zdict) if zdict else zlib.decompressobj(-15)
    out = d.decompress(data[start + 1:end], PACK_UP_TO)  # only shorter results are deflated: a longer one is not ours
    if not d.eof:
        raise ValueError("a cut or overlong deflate stream")
    return out


def read_entries(path: Path) -> dict[bytes, bytes]:
    """Every ``id -> pickled result`` in the file at ``path`` (tests and a look at the file; ValueError, zlib.error or
    OSError when it is not a whole file of this format)."""
    data = path.read_bytes()
    index, offsets, zdict = _decode(data)
    return {k: _unpack(data, offsets[i], offsets[i + 1], zdict) for k, i in index.items()}


def write_entries(path: Path, entries: dict[bytes, bytes]) -> None:
    """Write ``id -> pickled result`` as the file at ``path``, in this order (oldest first), with a dictionary of its own."""
    zdict = _dictionary(entries)
    _write(path, [(k, _pack(v, zdict)) for k, v in entries.items()], zdict)


def _write(path: Path, blobs: list[tuple[bytes, bytes]], zdict: bytes) -> None:
    from advisor.common.files import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, _encode(blobs, zdict))


def _open(path: Path) -> tuple[Any, _Index | dict[bytes, int], list[int], bytes]:
    """The file's bytes (mapped where the platform allows: only the results read are paged in), index, offsets and
    compression dictionary; empty when it is missing or not a whole file of this format."""
    try:
        with open(path, "rb") as fh:
            if os.name == "nt":  # a mapped file cannot be replaced there; read it whole
                data: Any = fh.read()
            else:
                import mmap

                try:
                    data = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                except (ValueError, OSError):  # empty, or a file system without mapping
                    data = fh.read()
        index, offsets, zdict = _decode(data)
        return data, index, offsets, zdict
    except Exception:  # noqa: BLE001 - any unreadable or hostile file is a cold cache, never a traceback
        return b"", {}, [0], b""


def _entries() -> _Index | dict[bytes, int]:
    """This process's index of the file for the current cache directory (read on first use; a change of the
    cache directory saves the old view and reads the new one)."""
    where = _where()
    if _state["entries"] is not None and _state.get("where") == where:
        return _state["entries"]
    path = _path()
    _state["where"] = where
    if _state["path"] != path:
        if _state["path"] is not None:
            _save_locked()
        data, index, offsets, zdict = _open(path)
        _state.update(path=path, data=data, offsets=offsets, entries=index, used={}, added={}, zdict=zdict)
    return _state["entries"]


_pin: dict[str, Any] = {"depth": 0, "view": None}


@contextmanager
def pinned() -> Iterator[None]:
    """Inside it, ``get`` reads the view of the cache directory found on entry instead of looking the directory
    up again (five environment lookups, ~10 ms over a ranking's ~2,000 gets); a ranking runs inside one. A change
    of the cache directory is seen by the next ranking."""
    with _lock:
        view = _view() if enabled else None
        _pin["depth"] += 1
        _pin["view"] = view
    try:
        yield
    finally:
        with _lock:
            _pin["depth"] -= 1
            if not _pin["depth"]:
                _pin["view"] = None


def _view() -> tuple[_Index | dict[bytes, int], Any, list[int], dict | None, dict | None, bytes]:
    index = _entries()
    return index, _state["data"], _state["offsets"], _state["used"], _state["added"], _state["zdict"]


def get(kind: str, key: tuple, compute: Callable[[], Any]) -> Any:
    """The stored result of ``kind`` at ``key``, or ``compute()`` (stored for the next process)."""
    if not enabled:
        return compute()
    ident = entry_id(kind, key)
    view = _pin["view"]
    if view is None:
        with _lock:
            view = _view()
    index, data, offsets, used, added, zdict = view
    i = index.get(ident)
    if i is not None:
        try:
            value = _ResultUnpickler(io.BytesIO(_unpack(data, offsets[i], offsets[i + 1], zdict))).load()
        except Exception:  # noqa: BLE001 - a corrupt entry is recomputed
            value = _MISSING
        if value is not _MISSING:
            if used is not None:
                used[ident] = None  # in order of first use: the save keeps the latest
            return value
    value = compute()
    with _lock:  # kept in the view's file (a cold ranking misses ~2,000 times: no directory look-up for each)
        if added is None or added is not _state["added"]:  # a save or a forget since the view was taken
            _entries()
            added = _state["added"]
        added[ident] = value
    return value


def put(kind: str, key: tuple, value: Any) -> None:
    """Keep ``value`` as the result of ``kind`` at ``key`` (replacing a stored one): for a value that grows after
    ``get`` returned it (a ranking's lookups per workload shape), handed over again when it has. It is pickled at
    exit, as it is then."""
    if not enabled:
        return
    ident = entry_id(kind, key)
    with _lock:
        _entries()
        _state["added"][ident] = value


def _pickled(added: dict) -> dict[bytes, bytes]:
    """Each added result pickled; one that cannot be (something unpicklable in it, or changed while pickled) is
    left out, the others kept."""
    fresh = {}
    for k, v in list(added.items()):
        with suppress(Exception):  # never fail the exit
            fresh[k] = pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)
    return fresh


def _save_locked() -> None:
    added, used, index, path = _state["added"], _state["used"], _state["entries"], _state["path"]
    if not added or path is None:
        return
    data, offsets = _state["data"], _state["offsets"]
    fresh = _pickled(added)
    if not fresh:
        return
    zdict = _state["zdict"] if index else _dictionary(fresh)  # the results kept are deflated against the file's own
    fresh = {k: _pack(v, zdict) for k, v in fresh.items()}
    # least recently used first, so the cap drops those
    order = sorted(index.items(), key=lambda kv: kv[1])
    out = {k: data[offsets[i]:offsets[i + 1]] for k, i in order if k not in used and k not in fresh}
    out.update((k, data[offsets[index[k]]:offsets[index[k] + 1]]) for k in used if k in index and k not in fresh)
    out.update(fresh)
    if len(out) > MAX_ENTRIES:
        out = dict(list(out.items())[len(out) - MAX_ENTRIES:])
    try:
        _write(path, list(out.items()), zdict)
        _prune_other_builds(path)
    except (OSError, ValueError):
        return
    _state.update(data=b"", offsets=[0], entries={}, used={}, added={}, zdict=b"")
    data_new, index_new, offsets_new, zdict_new = _open(path)
    _state.update(data=data_new, offsets=offsets_new, entries=index_new, zdict=zdict_new)


def _prune_other_builds(path: Path) -> None:
    """Delete the files of other builds (other code or corrections) but the ``KEEP_OTHER_BUILDS`` written most
    recently: two checkouts or versions used in turn keep each other's results instead of wiping them at every
    exit; older builds' files are never read again."""
    others = []
    for old in path.parent.glob(f"{PREFIX}*.pickle"):
        if old != path:
            try:
                others.append((old.stat().st_mtime_ns, old))
            except OSError:
                continue
    for _, old in sorted(others, reverse=True)[KEEP_OTHER_BUILDS:]:
        old.unlink(missing_ok=True)


_before_save: list[Callable[[], None]] = []


def before_save(fn: Callable[[], None]) -> None:
    """Call ``fn`` before each ``save`` (it may ``put`` what grew since it was read)."""
    _before_save.append(fn)


def save() -> None:
    """Write what this process added (at exit; tests call it). Never raises."""
    for fn in _before_save:
        with suppress(Exception):  # never fail the exit
            fn()
    with _lock:
        _save_locked()


def forget() -> None:
    """Save, then drop this process's view and fingerprint (after the corrections change: the next ``get``
    reads the file of the new fingerprint)."""
    with _lock:
        _save_locked()
        _state.update(path=None, where=None, entries=None, data=b"", offsets=[0], used=None, added=None, zdict=b"")
        _pin["view"] = None  # a ranking under way reads the directory again
        _fingerprint.clear()


atexit.register(save)
