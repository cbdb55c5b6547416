"""The plugin manager: built-in plugins (``plugins/``, imported as ``advisor.plugins``) and
third-party plugins from the ``moe_advisor`` entry-point group are registered the same way, lazily,
once. ``MOE_ADVISOR_PLUGINS=aws,backends`` loads only the named plugins (unset or empty: all).

Every call into a plugin is isolated: a plugin that fails to import, raises in a hook or returns
malformed data becomes a ``PluginInfo`` with ``status == "failed"`` and a run note naming it and the
reason; the advisor carries on with the others. Nothing here raises because of a plugin.
"""

from __future__ import annotations

import importlib
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pluggy

from advisor import hookspecs
from advisor.catalog.schema import build_entry
from advisor.common import budget
from advisor.common.redact import redact, secret_values
from advisor.ranking import guard
from advisor.errors import CatalogError

ENTRY_POINT_GROUP = hookspecs.PROJECT
PLUGINS_ENV = "MOE_ADVISOR_PLUGINS"

DEFAULT_PLUGINS: tuple[str, ...] = (
    "advisor.plugins.backends",
    "advisor.plugins.digitalocean",
    "advisor.plugins.aws",
    "advisor.plugins.azure",
    "advisor.plugins.gcp",
    "advisor.plugins.lambda_labs",
    "advisor.plugins.runpod",
    "advisor.plugins.nebius",
    "advisor.plugins.tensorwave",
    "advisor.plugins.deepseek",
    "advisor.plugins.together",
    "advisor.plugins.fireworks",
    "advisor.plugins.groq",
    "advisor.plugins.deepinfra",
    "advisor.plugins.openrouter",
    "advisor.plugins.cerebras",
    "advisor.plugins.digitalocean_inference",
    "advisor.plugins.genai_prices",
)
"""Built-in plugins; each one's plugin name is the last part of its module path."""

HOOK_NAMES: tuple[str, ...] = tuple(sorted(n for n in dir(hookspecs) if n.startswith("register_")))

pm = pluggy.PluginManager(hookspecs.PROJECT)
pm.add_hookspecs(hookspecs)


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as loaded (or not): what ``moe-advisor plugins`` prints."""

    name: str
    version: str
    hooks: tuple[str, ...]
    status: str
    """``ok``, ``failed`` (see ``error``) or ``disabled`` (left out by ``MOE_ADVISOR_PLUGINS``)."""
    error: str = ""
    module: str = ""
    builtin: bool = False
    distribution: str = ""
    """The installed distribution that declares the entry point (third-party plugins)."""


@dataclass
class RegisteredSource:
    """A price source and the plugin that registered it."""

    plugin: str
    source: Any
    name: str
    kind: str
    builtin: bool = False
    """Registered by a built-in plugin: this package's own code, called inline (not under a budget in a thread)."""

    @property
    def live(self) -> Any:
        return getattr(self.source, "live", None)


# --------------------------------------------------------------------------- state


@dataclass
class _Record:
    name: str
    module: str = ""
    version: str = ""
    builtin: bool = False
    distribution: str = ""
    plugin: Any = None
    disabled: bool = False
    errors: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        message = redact(message, secret_values())
        if message not in self.errors:
            self.errors.append(message)


@dataclass
class _Registry:
    backends: list[tuple[str, Any]] = field(default_factory=list)
    sources: list[RegisteredSource] = field(default_factory=list)
    entries: list[tuple[str, str, dict, str]] = field(default_factory=list)


_lock = threading.RLock()
_records: dict[str, _Record] = {}
_loaded_for: str | None = None
"""The ``MOE_ADVISOR_PLUGINS`` value the plugins were loaded for (None: not loaded)."""
_registry: _Registry | None = None
_collecting = False
_load_notes: list[str] = []
_generation = 0
"""Bumped whenever the set of plugins changes; caches built on the plugins compare it (``generation()``)."""


def _allowed() -> set[str] | None:
    raw = os.environ.get(PLUGINS_ENV, "")
    names = {n.strip() for n in raw.split(",") if n.strip()}
    return names or None


def _invalidate() -> None:
    global _registry, _generation
    _registry = None
    _generation += 1


def generation() -> int:
    """A number that changes whenever plugins are loaded, registered or unregistered."""
    return _generation


def reset() -> None:
    """Unregister every plugin; the next call loads them again (tests, or after installing one)."""
    global _loaded_for
    with _lock:
        for rec in list(_records.values()):
            if rec.plugin is not None and pm.is_registered(rec.plugin):
                pm.unregister(rec.plugin)
        _records.clear()
        _load_notes.clear()
        _loaded_for = None
        _invalidate()


def _register(name: str, load: Callable[[], Any], *, module: str, version: str, builtin: bool, distribution: str = "",
              filtered: bool = True) -> _Record:
    rec = _Record(name=name, module=module, version=version, builtin=builtin, distribution=distribution)
    _records[name] = rec
    allowed = _allowed()
    if filtered and allowed is not None and name not in allowed:
        rec.disabled = True
        return rec
    try:
        # Built-in plugins are this package's own code: imported inline. Third-party ones run under a budget in
        # a daemon thread, so one that hangs cannot hang the advisor.
        plugin = load() if builtin else budget.call(load, budget_s=budget.budget(budget.HOOK_BUDGET_S), what=f"plugin {name!r}: import")
    except Exception as exc:  # noqa: BLE001 - BaseExceptions arrive as budget.PluginCrash
        rec.fail(f"import failed: {type(exc).__name__}: {exc}")
        return rec
    try:
        pm.register(plugin, name=name)
    except Exception as exc:
        rec.fail(f"registration refused: {type(exc).__name__}: {exc}")
        return rec
    rec.plugin = plugin
    callers = pm.get_hookcallers(plugin) or []
    unknown = sorted(hc.name for hc in callers if not hc.has_spec())
    if unknown:
        rec.fail(f"implements unknown hook(s) {', '.join(unknown)} (known: {', '.join(HOOK_NAMES)})")
    elif not callers:
        rec.fail("implements no moe_advisor hook (missing @hookimpl?)")
    return rec


def load_plugins() -> None:
    """Register the built-in plugins, then the entry-point plugins (idempotent; reloads only when
    ``MOE_ADVISOR_PLUGINS`` changed)."""
    global _loaded_for
    env = os.environ.get(PLUGINS_ENV, "")
    with _lock:
        if _loaded_for == env:
            return
        if _loaded_for is not None:
            reset()
        _loaded_for = env
        from advisor import __version__

        modules = {}
        for path in DEFAULT_PLUGINS:
            name = path.rsplit(".", 1)[-1]
            modules[path] = name
            _register(name, lambda path=path: importlib.import_module(path), module=path, version=__version__, builtin=True)
        for dist, ep in _entry_points():
            if ep.value in modules or (ep.name in _records and _records[ep.name].module == ep.value):
                continue  # a built-in declared in our own pyproject, or the same distribution seen twice
            dist_name = (dist.metadata["Name"] if dist is not None else "") or ""
            if ep.name in _records:
                other = _records[ep.name]
                clash = _Record(name=f"{ep.name} ({dist_name or ep.value})", module=ep.value, distribution=dist_name,
                                version=dist.version if dist is not None else "")
                clash.fail(f"plugin name {ep.name!r} is already used by {other.module or other.name}; not loaded")
                _records[clash.name] = clash
                continue
            modules[ep.value] = ep.name
            _register(ep.name, ep.load, module=ep.value, version=dist.version if dist is not None else "", builtin=False,
                      distribution=dist_name)
        allowed = _allowed()
        if allowed:
            for name in sorted(allowed - set(_records)):
                _load_notes.append(f"{PLUGINS_ENV} names {name!r}, which is not an installed plugin "
                                   f"(installed: {', '.join(sorted(_records))})")
        _invalidate()


def _foreign_entry_points_possible() -> bool:
    """Whether an installed distribution may declare a ``moe_advisor`` entry point besides the built-ins: a look
    at the ``*.dist-info`` / ``*.egg-info`` folders on ``sys.path`` (about a millisecond), so the usual case skips
    importing ``importlib.metadata`` (45 ms of a cold start). What it cannot read plainly (a zip on the path, an
    unreadable folder) answers yes, and the full scan decides."""
    import os
    import sys

    builtin, header = set(DEFAULT_PLUGINS), f"[{ENTRY_POINT_GROUP}]"
    for path in (entry or "." for entry in sys.path):
        if not os.path.isdir(path):
            if os.path.exists(path):
                return True  # a zip or egg file: importlib.metadata can read it, this look cannot
            continue
        try:
            names = [e.name for e in os.scandir(path) if e.name.endswith((".dist-info", ".egg-info"))]
        except OSError:
            return True
        for name in names:
            try:
                with open(os.path.join(path, name, "entry_points.txt"), encoding="utf-8") as fh:
                    text = fh.read()
            except FileNotFoundError:
                continue
            except (OSError, UnicodeDecodeError):
                return True
            section = text.split(header, 1)[1].split("\n[", 1)[0] if header in text else ""
            if any(v and v not in builtin for v in (ln.partition("=")[2].strip() for ln in section.splitlines())):
                return True
    return False


def _entry_points() -> list[tuple[Any, Any]]:
    if not _foreign_entry_points_possible():
        return []
    from importlib.metadata import distributions

    out = []
    try:
        for dist in distributions():
            try:
                eps = [ep for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP]
            except Exception:  # noqa: BLE001 - a broken distribution must not stop the others
                continue
            out.extend((dist, ep) for ep in eps)
    except Exception as exc:  # noqa: BLE001
        _load_notes.append(f"could not scan installed plugins: {type(exc).__name__}: {exc}")
    return out


def register_plugin(plugin: Any, name: str, version: str = "") -> PluginInfo:
    """Register a plugin object (a module or any object with ``@hookimpl`` methods) at run time,
    with the same checks as installed plugins (``MOE_ADVISOR_PLUGINS`` does not filter it). Returns
    its ``PluginInfo``."""
    with _lock:
        load_plugins()
        if name in _records:
            unregister_plugin(name)
        rec = _register(name, lambda: plugin, module=getattr(plugin, "__name__", type(plugin).__name__), version=version,
                        builtin=False, filtered=False)
        _invalidate()
        return _info(rec)


def unregister_plugin(name: str) -> None:
    with _lock:
        rec = _records.pop(name, None)
        if rec is not None and rec.plugin is not None and pm.is_registered(rec.plugin):
            pm.unregister(rec.plugin)
        _invalidate()


# --------------------------------------------------------------------------- calling hooks, isolated


def _check_backend(obj: Any) -> str | None:
    for attr in ("name", "deployment"):
        if not isinstance(getattr(obj, attr, None), str) or not getattr(obj, attr):
            return f"cost backend {obj!r} has no {attr} string"
    if not callable(getattr(obj, "evaluate", None)):
        return f"cost backend {getattr(obj, 'name', obj)!r} has no evaluate(ctx, model) method"
    return None


def _collect() -> _Registry:
    global _registry, _collecting
    if _collecting and budget.in_call():  # a plugin asked for the catalog while registering (its own thread)
        return _registry or _Registry()
    with _lock:
        load_plugins()
        if _registry is not None:
            return _registry
        if _collecting:  # a plugin asked for the catalog while registering: give it the plugins so far
            return _Registry()
        _collecting = True
        try:
            reg = _Registry()
            names = {}
            for hook in HOOK_NAMES:
                impls = {impl.plugin_name: impl for impl in getattr(pm.hook, hook).get_hookimpls()}
                for rec in list(_records.values()):
                    impl = impls.get(rec.name)
                    if impl is not None and rec.plugin is not None:
                        _call_one(hook, impl, rec, reg, names)
            _registry = reg
            return reg
        finally:
            _collecting = False


def _call_one(hook: str, impl: Any, rec: _Record, reg: _Registry, names: dict[str, tuple[str, str]]) -> None:
    got: list[Any] = []
    closed = threading.Event()
    """Set when the hook returned or ran over its budget: a late register() call is ignored."""

    def register(*args: Any) -> None:
        if closed.is_set():
            return
        if hook == "register_catalog_entries":
            if len(args) != 3:
                rec.fail(f"{hook}: register(kind, entry_id, fields) takes 3 arguments, got {len(args)}")
                return
            kind, entry_id, fields = args
            label = f"plugin {rec.name}"
            try:
                build_entry(kind, entry_id, fields, label)
            except CatalogError as exc:
                rec.fail(f"{hook}: {exc}")
                return
            got.append((kind, entry_id, dict(fields), label))
            return
        if len(args) != 1:
            rec.fail(f"{hook}: register() takes one object, got {len(args)} arguments")
            return
        obj = args[0]
        if hook == "register_cost_backends":
            problem = _check_backend(obj)
            if problem:
                rec.fail(f"{hook}: {problem}")
                return
            got.append((rec.name, obj))
            return
        kind = "gpu" if hook == "register_gpu_price_sources" else "api"
        name = getattr(obj, "name", None)
        problem = (f"a price source without a name: {obj!r}" if not isinstance(name, str) or not name.strip() else
                   f"source {name!r} has kind {getattr(obj, 'kind', None)!r}, expected {kind!r}" if getattr(obj, "kind", kind) != kind
                   else f"source {name!r} has no snapshot() method" if not callable(getattr(obj, "snapshot", None))
                   else f"source name {name!r} is already registered by plugin {names[name][0]!r}; skipped"
                   if names.get(name, (rec.name, kind)) != (rec.name, kind) else "")  # another's, or its own of another kind
        if problem:
            rec.fail(f"{hook}: {problem}")
            return
        if name in names:  # its own source again: it is used (the first), so not a failure
            _load_notes.append(redact(f"plugin {rec.name!r}: {hook}: source {name!r} is registered twice; the first "
                                      "registration is used", secret_values()))
            return
        names[name] = (rec.name, kind)
        got.append(RegisteredSource(plugin=rec.name, source=obj, name=name, kind=kind, builtin=rec.builtin))

    if impl.hookwrapper or impl.wrapper:
        rec.fail(f"{hook}: hook wrappers are not supported")
        return
    try:
        kwargs = {arg: register for arg in impl.argnames}
        if rec.builtin:  # our own code, inline (see _register)
            returned = impl.function(**kwargs)
        else:
            returned = budget.call(impl.function, budget_s=budget.budget(budget.HOOK_BUDGET_S), what=f"plugin {rec.name!r}: {hook}",
                                   **kwargs)
        if returned is not None:
            raise TypeError(f"returned {type(returned).__name__}; pass objects to register() instead")
    except Exception as exc:  # noqa: BLE001 - BaseExceptions arrive as budget.PluginCrash, hangs as BudgetExceeded
        closed.set()
        for item in got:  # a hook that raised contributes nothing
            if isinstance(item, RegisteredSource):
                names.pop(item.name, None)
        if isinstance(exc, budget.BudgetExceeded):
            rec.fail(f"{hook}: {exc}")
        else:
            rec.fail(f"{hook} raised {type(exc).__name__}: {redact(str(exc), secret_values())}")
        return
    closed.set()
    if hook == "register_cost_backends":
        reg.backends.extend(got)
    elif hook == "register_catalog_entries":
        reg.entries.extend(got)
    else:
        reg.sources.extend(got)


def cost_backends() -> tuple[Any, ...]:
    """The cost backends every loaded plugin registered, in plugin order."""
    return tuple(b for _, b in _collect().backends)


def catalog_entries() -> tuple[tuple[str, str, dict, str], ...]:
    """``(kind, id, fields, label)`` of every valid plugin catalog entry (for ``load_catalog``)."""
    return tuple(_collect().entries)


def price_sources() -> list[RegisteredSource]:
    return list(_collect().sources)


# --------------------------------------------------------------------------- reporting


def _info(rec: _Record) -> PluginInfo:
    hooks = ()
    if rec.plugin is not None and pm.is_registered(rec.plugin):
        hooks = tuple(sorted(hc.name for hc in (pm.get_hookcallers(rec.plugin) or [])))
    status = "disabled" if rec.disabled else ("failed" if rec.errors else "ok")
    return PluginInfo(name=rec.name, version=rec.version, hooks=hooks, status=status, error="; ".join(rec.errors),
                      module=rec.module, builtin=rec.builtin, distribution=rec.distribution)


def plugin_infos() -> list[PluginInfo]:
    """Every plugin found, with its status (``advisor.prices.resolve.plugin_infos`` also reads the price
    sources, so a source returning malformed data shows up as a failed plugin)."""
    _collect()
    with _lock:
        return [_info(r) for r in _records.values()]


def plugin_of(obj: Any) -> str:
    """The name of the plugin that registered cost backend ``obj`` ("" when none did)."""
    with _lock:
        reg = _registry
    for name, b in (reg.backends if reg else ()):
        if b is obj:
            return name
    return ""


guard.set_plugin_lookup(plugin_of)


def record_failure(plugin: str, message: str) -> None:
    """Mark ``plugin`` failed with ``message`` (for failures seen after registration, e.g. a snapshot)."""
    with _lock:
        rec = _records.get(plugin)
        if rec is not None:
            rec.fail(message)


def last_error(plugin: str) -> str:
    """The latest failure recorded for ``plugin`` ("" when none)."""
    with _lock:
        rec = _records.get(plugin)
        return rec.errors[-1] if rec and rec.errors else ""


def add_load_note(message: str) -> None:
    with _lock:
        _load_notes.append(message)


def notes(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Run notes: each failed plugin by name with its reason, ``MOE_ADVISOR_PLUGINS`` names that match
    no plugin, then ``extra`` (the price resolution's notes)."""
    _collect()
    with _lock:
        out = [f"plugin {r.name!r} failed: {'; '.join(r.errors)}" for r in _records.values() if r.errors]
        out += list(_load_notes)
        out += list(extra)
        out = [redact(n, secret_values()) for n in out]
        if not _registry or not _registry.backends:
            out.append(f"no cost backend is loaded (the built-in 'backends' plugin is off or failed; {PLUGINS_ENV}="
                       f"{os.environ.get(PLUGINS_ENV, '')!r}): nothing can be costed")
    return tuple(out)
