"""Microsoft Azure ND-series GPU VMs: pay-as-you-go and spot GPU-hour prices.

Bundled snapshot: ``catalogs/prices/gpu_azure.toml``. Live refresh (``moe-advisor prices refresh
--source azure``) reads the public Azure Retail Prices API (USD per VM-hour, divided by the GPUs per
VM; Windows and low-priority rows skipped); see ``advisor.prices.fetchers.AzureRetailPrices``.
"""

from advisor.hookspecs import hookimpl
from advisor.prices.fetchers import AzureRetailPrices
from advisor.prices.sources import bundled_price_source


@hookimpl
def register_gpu_price_sources(register):
    register(bundled_price_source("azure", "gpu_azure.toml", live=AzureRetailPrices()))
