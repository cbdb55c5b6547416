"""The plugin hooks. Every hook is named ``register_*`` and receives one ``register`` callback, so a
plugin never constructs or mutates the advisor's internal collections: it hands objects (or plain
dicts in the catalog schema) to ``register`` and the host validates them.

A plugin implements a hook with the ``hookimpl`` marker::

    from advisor.hookspecs import hookimpl

    @hookimpl
    def register_gpu_price_sources(register):
        register(MySource())

Each hook is documented in ``docs/plugins.md`` (a test checks that every hook here is described there).
"""

from __future__ import annotations

import pluggy

PROJECT = "moe_advisor"
"""pluggy project name, also the entry-point group third-party plugins declare."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_cost_backends(register):
    """Register cost backends: objects with ``name`` (str), ``deployment`` (str, e.g. ``self-hosted``
    or ``api``: the workload's ``self_hosting`` setting filters on it) and
    ``evaluate(ctx, model) -> Iterable[Candidate | Rejection]`` (see ``advisor.ranking.context``).

    ``register(backend)`` once per backend. The built-in ``backends`` plugin registers the self-hosted
    GPU backend and the serverless per-token API backend this way.
    """


@hookspec
def register_gpu_price_sources(register):
    """Register sources of GPU hourly prices.

    ``register(source)`` where ``source`` has ``name`` (str, unique), ``kind == "gpu"`` (optional here)
    and ``snapshot() -> list[GpuPrice | dict]``: rows in the ``prices/gpu_<provider>.toml`` schema
    (``provider``, ``gpu`` catalog id, ``usd_per_gpu_hour`` as a Decimal or decimal string, ``pricing``,
    ``region``, ``sku``, ``gpus_per_instance``, ``source``, ``as_of``). A source that can refresh itself
    over the network also has ``live``: a fetcher with ``fetch(http, catalog, snapshot) -> list`` (see
    ``advisor.prices.fetchers``); it is only called by ``moe-advisor prices refresh``.
    """


@hookspec
def register_api_price_sources(register):
    """Register sources of per-token API prices.

    ``register(source)`` where ``source`` has ``name``, ``kind == "api"`` (optional here) and
    ``snapshot() -> list[ApiPrice | dict]``: rows in the ``prices/api_<provider>.toml`` schema
    (``provider``, ``model`` catalog id, ``input_usd_per_mtok``, ``output_usd_per_mtok``, optional
    ``cached_input_usd_per_mtok`` and ``context_tokens``, ``source``, ``as_of``). An optional ``live``
    fetcher works as for GPU price sources.
    """


@hookspec
def register_catalog_entries(register):
    """Register extra catalog entries: models, GPUs or quality scores.

    ``register(kind, entry_id, fields)`` where ``kind`` is ``"models"``, ``"gpus"`` or ``"quality"`` and
    ``fields`` is a dict in the schema of ``catalogs/SCHEMA.md`` (the same fields as a TOML table).
    Entries are validated by the catalog validator, merged over the bundled catalog (same id
    replaces) and under the user catalog directory.
    """
