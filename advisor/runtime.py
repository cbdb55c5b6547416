"""What this process has loaded: the catalog the CLI, the TUI and the API use.

The bundled catalogs, then the entries plugins contribute, then the user catalog directory over them;
built once and kept until the plugins change (``plugin_manager.generation()``) or ``reset_cache()``
is called (after editing catalog files). Sits above the plugin manager and the catalog loader.
"""

from __future__ import annotations

import dataclasses
import threading

from advisor import plugin_manager
from advisor.catalog.load import Catalog, CatalogProblem, load_catalog

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
            cat = load_catalog(extra_entries=entries)
            odd = size_problems(cat)
            _cached = (gen, dataclasses.replace(cat, problems=cat.problems + odd) if odd else cat)
        return _cached[1]


SIZE_TOLERANCE = 0.10
"""How far (relative) a model's parameter count, computed from its architecture, may be from its ``published_total_params``
before the catalog says so: the bundled models are within 5% (phi-4, whose published 14B is rounded)."""


def size_problems(cat: Catalog) -> tuple[CatalogProblem, ...]:
    """A user or plugin model whose architecture gives a parameter count far from its published one (a typo in
    ``num_hidden_layers`` made a 14B model 137B, and its memory and bill with it): named with its file, never fatal.
    (Here, not in the loader: counting parameters is the physics layer's, above the catalog's.)"""
    from advisor.common import fmt
    from advisor.physics.sizing import param_breakdown

    out = []
    for mid, where in cat.origins.items():
        m = cat.models[mid]
        if not m.published_total_params or not m.num_hidden_layers:
            continue
        try:
            total = param_breakdown(m).total
        except (ValueError, ArithmeticError):
            continue
        if abs(total / m.published_total_params - 1) > SIZE_TOLERANCE:
            out.append(CatalogProblem(where, f"{where}: model '{mid}': its architecture gives {fmt.params(total)} parameters, "
                                             f"published_total_params says {fmt.params(m.published_total_params)}: check "
                                             f"num_hidden_layers, hidden_size and the expert sizes (memory and costs follow the "
                                             f"architecture)"))
    return tuple(out)


def reset_cache() -> None:
    """Read the catalog files again on the next ``default_catalog()``."""
    global _cached
    with _lock:
        _cached = None
