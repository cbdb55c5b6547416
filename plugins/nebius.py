"""Nebius AI Cloud GPU instances: on-demand GPU-hour prices.

Bundled snapshot: ``catalogs/prices/gpu_nebius.toml`` (each row with source URL and as-of date).
Snapshot only: no live refresh.
"""

from advisor.hookspecs import hookimpl
from advisor.prices.sources import bundled_price_source


@hookimpl
def register_gpu_price_sources(register):
    register(bundled_price_source("nebius", "gpu_nebius.toml"))
