"""The one atomic writer: a reader sees the old file or the new one, never a half-written one.

The payload goes to a temporary file in the target's directory, is fsynced, then renamed over the
target (or hard-linked into place when the target must not be overwritten); the directory is fsynced
after. On any failure the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def atomic_write(target: Path, payload: bytes, *, overwrite: bool = True, executable: bool = False) -> None:
    """Write ``payload`` to ``target`` atomically.

    A ``target`` that is a symbolic link is written through it: the file it points to is replaced, in that file's
    directory, and the link stays (renaming over the link itself would turn a user's link into a plain file).

    ``executable``: a script (``serve.sh``) gets the execute bits where it has the read bits, as ``chmod +x`` would
    (a new file's read bits are what the umask leaves; a replaced file keeps its own).

    Raises FileExistsError when ``target`` exists and ``overwrite`` is false (also when it appears while
    writing), OSError when it cannot be written."""
    if overwrite and os.path.islink(target):
        target = Path(os.path.realpath(target))
    parent = target.parent
    if target.exists() and not overwrite:
        raise FileExistsError(str(target))
    try:
        mode = target.stat().st_mode & 0o7777 if target.exists() else None
    except OSError:
        mode = None
    _clean_stale_temps(target)
    fd, tmp = _create_temp(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
            if executable:  # the bits the umask left on the new file, or the replaced file's own
                base = mode if mode is not None else os.fstat(fh.fileno()).st_mode & 0o7777
                mode = base | ((base & 0o444) >> 2)
        if mode is not None:
            os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, target)
        else:
            _link_no_clobber(tmp, target)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    _fsync_dir(parent)


STALE_TEMP_S = 600
"""A temporary file this old was left by a writer that was killed (SIGKILL, power loss): the next write
of the same target removes it. Younger ones may belong to a writer still running."""


def _clean_stale_temps(target: Path, now: float | None = None) -> None:
    import time

    now = time.time() if now is None else now
    try:
        candidates = list(target.parent.glob(f".{target.name}.*.tmp"))
    except OSError:
        return
    for tmp in candidates:
        try:
            if tmp.is_file() and not tmp.is_symlink() and now - tmp.stat().st_mtime > STALE_TEMP_S:
                tmp.unlink()
        except OSError:
            continue


def _create_temp(target: Path) -> tuple[int, Path]:
    for _ in range(100):
        tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            # 0o666 and the umask give the permissions a plain new file gets (mkstemp would force 0600).
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise OSError(f"cannot create a temporary file in {target.parent}")  # pragma: no cover - 100 collisions


def _link_no_clobber(tmp: Path, target: Path) -> None:
    """Move ``tmp`` to ``target`` unless ``target`` appeared meanwhile (a hard link fails atomically then)."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise FileExistsError(str(target)) from None
    except (OSError, NotImplementedError):  # no hard links on this filesystem: check, then rename
        if target.exists():
            raise FileExistsError(str(target)) from None
        os.replace(tmp, target)
        return
    tmp.unlink()


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
