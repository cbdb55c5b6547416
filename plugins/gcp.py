"""Google Cloud Compute Engine GPU machine types: on-demand and spot GPU-hour prices.

Bundled snapshot: ``catalogs/prices/gpu_gcp.toml`` (each row with source URL and as-of date).
Snapshot only: no live refresh.
"""

from advisor.hookspecs import hookimpl
from advisor.prices.sources import bundled_price_source


@hookimpl
def register_gpu_price_sources(register):
    register(bundled_price_source("gcp", "gpu_gcp.toml"))
