"""The one read path for every file a user or a plugin supplies: TOML (catalogs, workloads, reports,
measurements), and the JSON and CSV files read beside them (price caches, benchmark results, traffic logs).

Bounded and total: a size cap (``MOE_ADVISOR_MAX_FILE_BYTES``, default 8 MiB), only regular files (a FIFO,
``/dev/zero`` or a directory is refused without blocking), a UTF-8 BOM accepted, bad UTF-8, malformed
TOML and nesting deeper than ``MAX_DEPTH`` each raised as one ``TomlFileError`` line naming the file.
"""

from __future__ import annotations

import os
import stat
from typing import Any

MAX_BYTES_ENV = "MOE_ADVISOR_MAX_FILE_BYTES"
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 32
"""Tables and arrays nested deeper than this are refused (no real catalog, workload or report nests over 6)."""


class TomlFileError(ValueError):
    """A file that cannot be read as TOML; ``str()`` is one line naming the file."""

    def __init__(self, label: str, reason: str):
        self.label = label
        self.reason = reason
        super().__init__(f"{label}: {reason}")


def max_bytes(default: int = DEFAULT_MAX_BYTES) -> int:
    """``MOE_ADVISOR_MAX_FILE_BYTES`` when set, else ``default`` (a reader of bigger files passes its own)."""
    try:
        return max(1, int(os.environ.get(MAX_BYTES_ENV, "")))
    except ValueError:
        return default


def read_bytes(path: str | os.PathLike, label: str | None = None, limit: int | None = None) -> bytes:
    """The bytes of a regular file, at most ``limit``; never blocks on a FIFO or device."""
    label = label or str(path)
    limit = limit if limit is not None else max_bytes()
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(os.fspath(path), flags)
    except FileNotFoundError:
        raise TomlFileError(label, "file not found") from None
    except OSError as exc:
        raise TomlFileError(label, f"cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise TomlFileError(label, "is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise TomlFileError(label, "not a regular file (a FIFO or device is not read)")
        if st.st_size > limit:
            raise TomlFileError(label, f"too large ({st.st_size:,} bytes; the limit is {limit:,}, {MAX_BYTES_ENV})")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise TomlFileError(label, f"too large (over {limit:,} bytes, {MAX_BYTES_ENV})")
        return b"".join(chunks)
    except OSError as exc:
        raise TomlFileError(label, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def decode(data: bytes, label: str) -> str:
    """UTF-8 text (a leading BOM dropped); bad bytes raise naming the file, line and byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TomlFileError(label, f"not a UTF-8 text file (byte 0x{data[exc.start]:02x} on line {line}); save it as UTF-8") from None


def loads(text: str, label: str) -> dict[str, Any]:
    """Parse TOML text; malformed or too deeply nested input raises one line naming ``label``."""
    import tomllib  # here, not at the top: a start whose catalogs are all in the parse cache never parses TOML

    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlFileError(label, f"malformed TOML: {exc}") from None
    except RecursionError:
        raise TomlFileError(label, f"nested deeper than {MAX_DEPTH} levels") from None
    if depth(data) > MAX_DEPTH:
        raise TomlFileError(label, f"nested deeper than {MAX_DEPTH} levels")
    return data


def read_text(path: str | os.PathLike, label: str | None = None, limit: int | None = None) -> str:
    """``read_bytes`` then ``decode``: the text of a regular UTF-8 file of at most ``limit`` bytes."""
    label = label or str(path)
    return decode(read_bytes(path, label, limit), label)


def load_json(path: str | os.PathLike, label: str | None = None, limit: int | None = None) -> Any:
    """Read and parse one JSON file through the same checks: malformed or too deeply nested JSON (``json`` recurses
    once per level: ``[`` x 200,000 raised RecursionError) is one ``TomlFileError`` line naming ``label``."""
    import json

    label = label or str(path)
    text = read_text(path, label, limit)
    try:
        data = json.loads(text)
    except RecursionError:
        raise TomlFileError(label, f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, and an integer of over 4,300 digits
        raise TomlFileError(label, f"malformed JSON: {exc}") from None
    if depth(data) > MAX_DEPTH:
        raise TomlFileError(label, f"nested deeper than {MAX_DEPTH} levels")
    return data


def load(path: str | os.PathLike, label: str | None = None, limit: int | None = None) -> dict[str, Any]:
    """Read, decode and parse one TOML file through every check above."""
    label = label or str(path)
    return loads(decode(read_bytes(path, label, limit), label), label)


def depth(value: Any) -> int:
    """Nesting depth of dicts and lists, iteratively (never recurses)."""
    best = 0
    stack = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            items = v.values()
        elif isinstance(v, list):
            items = v
        else:
            continue
        best = max(best, d)
        if best > MAX_DEPTH:
            return best
        stack.extend((x, d + 1) for x in items)
    return best

