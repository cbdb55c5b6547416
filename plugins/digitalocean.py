"""DigitalOcean GPU Droplets: on-demand GPU-hour list prices (H100 $3.39, H200 $3.44, MI300X $1.99
as quoted by DigitalOcean's MoE inference-cost tutorial, and L40S).

Bundled snapshot: ``catalogs/prices/gpu_digitalocean.toml`` (each row with source URL and as-of
date). Snapshot only: no live refresh.
"""

from advisor.hookspecs import hookimpl
from advisor.prices.sources import bundled_price_source


@hookimpl
def register_gpu_price_sources(register):
    register(bundled_price_source("digitalocean", "gpu_digitalocean.toml"))
