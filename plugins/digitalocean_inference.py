"""DigitalOcean Serverless Inference (Gradient AI platform): per-token prices.

Bundled snapshot: ``catalogs/prices/api_digitalocean.toml`` (USD per million tokens, each row with its
source and as-of date), under the provider id ``digitalocean-serverless`` (told apart from the GPU Droplets of
the ``digitalocean`` plugin; a provider filter ``digitalocean`` matches both). Snapshot only: no live refresh
(DigitalOcean publishes no unauthenticated price feed; ``GET /v1/models`` needs a model access key).
"""

from advisor.hookspecs import hookimpl
from advisor.prices.sources import bundled_price_source

PROVIDER = "digitalocean-serverless"
FILE_NAME = "api_digitalocean.toml"


@hookimpl
def register_api_price_sources(register):
    register(bundled_price_source(PROVIDER, FILE_NAME))
