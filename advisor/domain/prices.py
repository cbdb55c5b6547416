"""Domain types of prices: an hourly GPU price and a per-token API price (money as Decimal)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class GpuPrice:
    """An hourly price for one GPU of a type from a provider."""

    provider: str
    gpu: str
    usd_per_gpu_hour: Decimal
    pricing: str
    source: str
    as_of: str
    region: str = ""
    sku: str = ""
    gpus_per_instance: int = 1
    notes: str = ""


@dataclass(frozen=True)
class ApiPrice:
    """A per-token API price for one model from a provider."""

    provider: str
    model: str
    input_usd_per_mtok: Decimal
    output_usd_per_mtok: Decimal
    source: str
    as_of: str
    provider_model: str = ""
    cached_input_usd_per_mtok: Decimal | None = None
    context_tokens: int = 0
    notes: str = ""


def price_key(p: GpuPrice | ApiPrice) -> tuple:
    """The identity of a price row: a later row with the same key replaces an earlier one."""
    if isinstance(p, GpuPrice):
        return ("gpu", p.provider, p.gpu, p.pricing, p.region, p.sku)
    return ("api", p.provider, p.model)
