"""Cerebras Inference: per-token prices.

Bundled snapshot: ``catalogs/prices/api_cerebras.toml`` (USD per million tokens, each row with
source URL and as-of date). Snapshot only: no live refresh.
"""

from advisor.hookspecs import hookimpl
from advisor.prices.sources import bundled_price_source


@hookimpl
def register_api_price_sources(register):
    register(bundled_price_source("cerebras", "api_cerebras.toml"))
