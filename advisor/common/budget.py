"""Calls into third-party code under a time budget, in a daemon thread.

``call(fn, *args, budget_s=..., what=...)`` returns ``fn(*args)`` or raises ``BudgetExceeded`` once the
budget is spent (the call keeps running in its daemon thread, so it never keeps the process alive), and
re-raises whatever ``fn`` raised, BaseException subclasses (SystemExit, KeyboardInterrupt, a plugin's
own) wrapped in ``PluginCrash`` so a host that catches ``Exception`` stays up.

``MOE_ADVISOR_PLUGIN_TIMEOUT_S`` overrides every default budget (tests set 0.2).

While a call runs, what its thread prints goes to stderr (``PluginStdout``): a plugin's ``print()`` must not
corrupt ``--format json`` on stdout.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

TIMEOUT_ENV = "MOE_ADVISOR_PLUGIN_TIMEOUT_S"
HOOK_BUDGET_S = 5.0
"""A registration hook only hands objects over: a few seconds is generous."""
SNAPSHOT_BUDGET_S = 10.0
EVALUATE_BUDGET_S = 30.0
"""One backend on one model."""
FETCH_BUDGET_S = 180.0
"""A live fetcher: the overall limit of one source (``HttpSettings.deadline_s``, docs/plugins.md); a refresh gives
the fetcher what is left of it after the snapshot."""


_local = threading.local()


def in_call() -> bool:
    """True in a thread running a budgeted call (a plugin calling back into the host)."""
    return getattr(_local, "active", False)


class BudgetExceeded(Exception):
    """A call ran over its time budget; ``str()`` names what ran over."""


class PluginCrash(Exception):
    """A call raised a BaseException that is not an Exception (SystemExit, KeyboardInterrupt, ...)."""


class PluginStdout:
    """Stands in for ``sys.stdout``: a write from a thread running a budgeted call goes to ``sys.stderr``, every
    other write to the stream it wraps. Routed by thread, not swapped per call: calls run in their own threads,
    possibly several at once (TUI workers), and a hung one may print after its budget ran out."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        return (sys.stderr if in_call() else self._stream).write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def budget(default_s: float) -> float:
    """``default_s``, or the ``MOE_ADVISOR_PLUGIN_TIMEOUT_S`` override (a positive finite number)."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if raw:
        try:
            value = float(raw)
        except ValueError:
            return default_s
        if 0 < value < 1e6:
            return value
    return default_s


def call(fn: Callable[..., T], *args: Any, budget_s: float, what: str, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` within ``budget_s`` seconds (see the module docstring)."""
    if not isinstance(sys.stdout, PluginStdout):
        sys.stdout = PluginStdout(sys.stdout)
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        _local.active = True
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - carried back to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=run, name=f"moe-advisor: {what}"[:60], daemon=True)
    thread.start()
    if not done.wait(budget_s):
        spent = f"{budget_s:.0f}" if budget_s >= 10 else f"{budget_s:.3g}"  # (a source's budget is what its deadline left)
        raise BudgetExceeded(f"{what} ran over its {spent} s time budget ({TIMEOUT_ENV}); skipped")
    if "error" in box:
        exc = box["error"]
        if isinstance(exc, Exception):
            raise exc
        raise PluginCrash(f"{what} raised {type(exc).__name__}: {exc}") from None
    return box["value"]
