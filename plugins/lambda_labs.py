"""Lambda Cloud on-demand GPU instances: GPU-hour list prices.

Bundled snapshot: ``catalogs/prices/gpu_lambda.toml`` (each row with source URL and as-of date).
Snapshot only: no live refresh.
"""

from advisor.hookspecs import hookimpl
from advisor.prices.sources import bundled_price_source


@hookimpl
def register_gpu_price_sources(register):
    register(bundled_price_source("lambda", "gpu_lambda.toml"))
