"""The methods ``dataclasses`` writes for each class, compiled once and kept beside the package's bytecode.

``@dataclass`` writes the source of ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` and, for a frozen class,
``__setattr__`` and ``__delattr__``, and hands each text to ``exec``, which compiles it at every start: Python's
bytecode cache keeps the modules' own code, not these texts. A ``recommend`` process creates ~66 dataclasses, ~380
texts, and compiling them was ~34 ms of its ~230 ms of CPU (2-core development machine, Python 3.11, 2026-12-04;
CPython ``Lib/dataclasses.py``, ``_create_fn``, https://github.com/python/cpython/blob/3.11/Lib/dataclasses.py, read
2026-12-04). ``install`` gives the ``dataclasses`` module an ``exec`` of its own (a module global comes before the
builtin of that name) that compiles each text as the builtin would (file name ``<string>``, no ``__future__`` flags
inherited, the interpreter's optimization level), keeps the code by its text, and runs it the same way. So every
generated method has the same code as before; a text never seen (an edited class, another Python) is compiled then.

The codes are kept in one file in the package's ``__pycache__`` folder, written as Python writes its ``.pyc`` files:
not when bytecode is not written (``-B``, ``PYTHONDONTWRITEBYTECODE``) or a ``pycache_prefix`` is set, nothing when the
folder is not writable, atomically (a temporary file renamed), and it trusts the file as Python trusts a ``.pyc`` there.
Its name holds the interpreter's cache tag and optimization level, and it starts with the bytecode magic number; a file
that does not read back is ignored and rewritten. It holds at most ``MAX_CODES`` texts (those of the last process that
wrote it once it would hold more).
"""

from __future__ import annotations

import builtins
import marshal
import os
import sys
from importlib._bootstrap_external import MAGIC_NUMBER
from types import CodeType
from typing import Any

MAX_CODES = 4_000
"""Texts kept in the file: ~380 for one version of the package's classes, so a few versions' worth of edits."""

_codes: dict[str, CodeType] = {}
_used: dict[str, None] = {}
_state: dict[str, Any] = {"installed": False, "path": None, "read": 0, "save_registered": False}


def install() -> None:
    """Route the ``dataclasses`` module's ``exec`` through the kept codes (once per process)."""
    if _state["installed"]:
        return
    _state["installed"] = True
    import dataclasses

    path = _path()
    if path is not None:
        _codes.update(_read(path))
        _state["path"], _state["read"] = path, len(_codes)
    dataclasses.exec = _exec  # a global of the module: ``exec(txt, globals, ns)`` in it finds this one first


def _exec(source: Any, globals: dict | None = None, locals: dict | None = None, /) -> None:
    """``exec`` for the texts ``dataclasses`` writes: the kept code of ``source``, compiled the first time."""
    if type(source) is not str:
        return builtins.exec(source, globals, locals)  # noqa: S102 - what dataclasses asked for
    code = _codes.get(source)
    if code is None:
        code = _codes[source] = compile(source, "<string>", "exec", dont_inherit=True)
        if _state["path"] is not None and not _state["save_registered"]:
            _state["save_registered"] = True
            import atexit

            atexit.register(save)
    _used[source] = None
    return builtins.exec(code, globals, locals)  # noqa: S102 - the code of its own text


def _path() -> str | None:
    """The file beside the package's bytecode, or None where Python would not write bytecode."""
    tag = sys.implementation.cache_tag
    if tag is None or sys.pycache_prefix:
        return None
    opt = f".opt-{sys.flags.optimize}" if sys.flags.optimize else ""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(package, "__pycache__", f"dataclass-methods.{tag}{opt}.marshal")


def _read(path: str) -> dict[str, CodeType]:
    """The kept codes (empty when the file is missing, of another interpreter, or does not read back)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(MAGIC_NUMBER):
            return {}
        codes = marshal.loads(data[len(MAGIC_NUMBER):])
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if type(codes) is not dict or not all(type(k) is str and type(v) is CodeType for k, v in codes.items()):
        return {}
    return codes


def save() -> None:
    """Write the kept codes when this process compiled a text the file did not hold (at exit)."""
    path = _state["path"]
    if path is None or sys.dont_write_bytecode or len(_codes) == _state["read"]:
        return
    codes = _codes if len(_codes) <= MAX_CODES else {k: _codes[k] for k in _used}
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(MAGIC_NUMBER + marshal.dumps(codes))
        os.replace(tmp, path)
    except OSError:  # a read-only installation: compiled at each start, as before
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return
    _state["read"] = len(codes)
