"""What this process has loaded: the catalog the CLI, the TUI and the API use.

The bundled catalogs, then the entries plugins contribute, then the user catalog directory over them;
built once and kept until the plugins change (``plugin_manager.generation()``) or ``reset_cache()``
is called (after editing catalog files). Sits above the plugin manager and the catalog loader.
"""

from __future__ import annotations

import threading

from advisor import plugin_manager
from advisor.catalog.load import Catalog, load_catalog

_lock = threading.RLock()
_cached: tuple[int, Catalog] | None = None


def _plugin_entries() -> tuple[tuple[str, str, dict, str], ...]:
    """Models, GPUs and scores contributed by plugins (never raises: a broken plugin is reported by
    the plugin manager, and the catalog loads without it)."""
    try:
        return plugin_manager.catalog_entries()
    except Exception:  # noqa: BLE001 - the catalog must load whatever a plugin does
        return ()


def default_catalog() -> Catalog:
    """The catalog the CLI and TUI use: bundled, plugin entries, then the user catalog directory."""
    global _cached
    with _lock:
        entries = _plugin_entries()  # loads the plugins first, so the generation below is current
        gen = plugin_manager.generation()
        if _cached is None or _cached[0] != gen:
            _cached = (gen, load_catalog(extra_entries=entries))
        return _cached[1]


def reset_cache() -> None:
    """Read the catalog files again on the next ``default_catalog()``."""
    global _cached
    with _lock:
        _cached = None
