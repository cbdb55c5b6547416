"""OpenRouter: per-token prices of the default route for each catalog model.

Bundled snapshot: ``catalogs/prices/api_openrouter.toml``. Live refresh (``moe-advisor prices refresh
--source openrouter``) reads the public ``GET /api/v1/models`` list (USD per token as strings); see
``advisor.prices.fetchers.OpenRouterModels``.
"""

from advisor.hookspecs import hookimpl
from advisor.prices.fetchers import OpenRouterModels
from advisor.prices.sources import bundled_price_source


@hookimpl
def register_api_price_sources(register):
    register(bundled_price_source("openrouter", "api_openrouter.toml", live=OpenRouterModels()))
