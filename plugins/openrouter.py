"""OpenRouter: per-token prices of the default route for each catalog model.

Bundled snapshot: ``catalogs/prices/api_openrouter.toml``. Live refresh (``moe-advisor prices refresh
--source openrouter``) reads the public ``GET /api/v1/models`` list (USD per token as strings); see
``advisor.prices.fetchers.OpenRouterModels``.

The fields read (``data[].id``, ``context_length``, ``pricing.prompt`` / ``completion`` / ``input_cache_read`` as
USD-per-token strings, -1 for router pseudo-models) were checked on 2026-12-03 against the endpoint's shape as
genai-prices' own OpenRouter updater reads it (github pydantic/genai-prices prices/src/prices/source_openrouter.py,
commit 47df840a of 2026-08-21): no change needed. ``hugging_face_id`` (an optional fallback match) is not in that
model of the response and was not re-checked.
"""

from advisor.hookspecs import hookimpl
from advisor.prices.fetchers import OpenRouterModels
from advisor.prices.sources import bundled_price_source


@hookimpl
def register_api_price_sources(register):
    register(bundled_price_source("openrouter", "api_openrouter.toml", live=OpenRouterModels()))
