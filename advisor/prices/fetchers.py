"""Live price fetchers for two public, unauthenticated endpoints.

- OpenRouter ``GET /api/v1/models``: per-token prices as strings in USD per token.
- Azure Retail Prices ``GET /api/retail/prices``: USD per VM-hour, OData ``$filter``, paged by
  ``NextPageLink``; divided by the GPUs per VM, Windows and low-priority rows skipped.

A fetcher has ``fetch(http, catalog, snapshot)`` returning price rows; schema checks on what comes back
raise ``LiveError`` (the whole response is unusable) or skip a malformed row with a warning.
"""

from __future__ import annotations

import math
import os
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from advisor.catalog.load import Catalog
from advisor.domain.prices import ApiPrice, GpuPrice

if TYPE_CHECKING:
    from advisor.prices.http import Http

# The HTTP client (``advisor.prices.http``) is imported when a fetch runs: every start registers these fetchers with
# the built-in price sources, and only `moe-advisor prices refresh` (or the TUI's refresh) calls them.

OPENROUTER_URL_ENV = "MOE_ADVISOR_OPENROUTER_URL"
AZURE_URL_ENV = "MOE_ADVISOR_AZURE_PRICES_URL"
OPENROUTER_KEY_ENV = "OPENROUTER_API_KEY"
DEFAULT_OPENROUTER_URL = "https://openrouter.ai/api/v1/models"
DEFAULT_AZURE_URL = "https://prices.azure.com/api/retail/prices"


def _money(value: Any, what: str) -> Decimal:
    """A price from JSON: a decimal string (or a plain number), finite."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{what} must be a decimal string, got {type(value).__name__}")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{what} is not a number: {value!r}") from None
    if not d.is_finite():
        raise ValueError(f"{what} is not finite: {value!r}")
    return d


def _plain(d: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent notation."""
    return Decimal(format(d.normalize(), "f"))


def _need(data: Any, key: str, typ: type, where: str) -> Any:
    from advisor.prices.http import LiveError

    if not isinstance(data, dict):
        raise LiveError(f"unexpected response from {where}: a JSON {type(data).__name__}, expected an object with '{key}'")
    if key not in data:
        keys = ", ".join(repr(k) for k in list(data)[:5]) or "none"
        raise LiveError(f"unexpected response from {where}: no '{key}' key (its keys: {keys})")
    value = data[key]
    if not isinstance(value, typ):
        raise LiveError(f"unexpected response from {where}: '{key}' is {type(value).__name__}, expected {typ.__name__}")
    return value


# --------------------------------------------------------------------------- fetchers


class OpenRouterModels:
    """OpenRouter's public model list: the default (routed) price of each catalog model.

    Catalog models are matched by the ``provider_model`` of the bundled OpenRouter snapshot, then by
    the Hugging Face repository (``hugging_face_id`` vs the catalog's ``hf_repo``). Variants with a
    ``:tag`` (``:free``, ``:nitro``) and router entries with negative prices are skipped.
    """

    provider = "openrouter"
    kind = "api"
    url_env = OPENROUTER_URL_ENV
    api_key_env = OPENROUTER_KEY_ENV
    """Optional: sent as a bearer token when set (the endpoint does not need one)."""

    def __init__(self, base_url: str | None = None):
        self._base_url = base_url

    @property
    def url(self) -> str:
        return self._base_url or os.environ.get(self.url_env) or DEFAULT_OPENROUTER_URL

    def secrets(self) -> tuple[str, ...]:
        key = os.environ.get(self.api_key_env, "")
        return (key,) if key else ()

    def fetch(self, http: Http, catalog: Catalog, snapshot: list) -> list[ApiPrice]:
        from advisor.prices.http import LiveError, now_utc, public_url

        headers = {"Authorization": f"Bearer {k}" for k in self.secrets()}
        where = public_url(self.url)
        data = http.get_json(self.url, headers=headers or None)
        http.pages += 1
        items = _need(data, "data", list, where)
        if not items:
            raise LiveError(f"{where} returned an empty model list")
        by_slug = {p.provider_model.lower(): p.model for p in snapshot if isinstance(p, ApiPrice) and p.provider_model}
        by_hf = {m.hf_repo.lower(): m.id for m in catalog.models.values() if m.hf_repo}
        today = now_utc().date().isoformat()
        found: dict[str, tuple[int, ApiPrice]] = {}
        malformed = below = 0
        first_bad = first_below = ""
        for i, item in enumerate(items):
            try:
                if not isinstance(item, dict):
                    raise ValueError(f"item {i} is a {type(item).__name__}")
                oid = item.get("id")
                if not isinstance(oid, str) or not oid:
                    raise ValueError(f"item {i} has no 'id' string")
                if ":" in oid:
                    continue
                slug_hit = by_slug.get(oid.lower())
                hf = item.get("hugging_face_id")
                model = slug_hit or (by_hf.get(hf.lower()) if isinstance(hf, str) and hf else None)
                if model is None or model not in catalog.models:
                    continue
                pricing = item.get("pricing")
                if not isinstance(pricing, dict):
                    raise ValueError(f"{oid}: 'pricing' is {type(pricing).__name__}, expected an object")
                prompt = _money(pricing.get("prompt"), f"{oid}: pricing.prompt")
                completion = _money(pricing.get("completion"), f"{oid}: pricing.completion")
                cache_read = pricing.get("input_cache_read")
                cached = _money(cache_read, f"{oid}: pricing.input_cache_read") if cache_read not in (None, "") else None
                if prompt < 0 or completion < 0 or (cached is not None and cached < 0):
                    below, first_below = below + 1, first_below or oid  # a router entry's price varies by route: no price
                    continue
                ctx = item.get("context_length")
                context = ctx if isinstance(ctx, int) and not isinstance(ctx, bool) and ctx > 0 else 0
            except ValueError as exc:
                malformed += 1
                first_bad = first_bad or str(exc)
                continue
            row = ApiPrice(
                provider=self.provider, model=model, provider_model=oid,
                input_usd_per_mtok=_plain(prompt * 1_000_000), output_usd_per_mtok=_plain(completion * 1_000_000),
                cached_input_usd_per_mtok=_plain(cached * 1_000_000) if cached is not None else None,
                context_tokens=context, source=f"{where} (live refresh)", as_of=today,
                notes="OpenRouter default route price (USD per token x 1e6)",
            )
            rank = 0 if slug_hit else 1
            if model not in found or rank < found[model][0]:
                found[model] = (rank, row)
        if malformed:
            http.warn(f"skipped {malformed} malformed model entr{'y' if malformed == 1 else 'ies'} (first: {first_bad})")
        negative = (f"{below} catalog model{'s' if below != 1 else ''} priced below zero, as a router entry whose price varies by "
                    f"route is (first: {first_below})")
        if below and found:
            http.warn(f"skipped {negative}")
        if not found:
            raise LiveError(f"none of the {len(items)} models from {where} has a usable price: {negative}" if below else
                            f"none of the {len(items)} models from {where} is a catalog model" + (f" ({malformed} malformed)" if malformed else ""))
        return [row for _, row in found.values()]


AZURE_GPU_SKUS: dict[str, tuple[str, int]] = {
    "Standard_ND96isr_H100_v5": ("h100-sxm", 8),
    "Standard_ND96isr_H200_v5": ("h200", 8),
    "Standard_ND96amsr_A100_v4": ("a100-80gb", 8),
    "Standard_ND96isr_MI300X_v5": ("mi300x", 8),
}
"""Azure GPU VM SKU -> (catalog GPU id, GPUs per VM)."""

AZURE_REGION = re.compile(r"[a-z][a-z0-9]{1,39}")
"""An ``armRegionName``: lower case, no spaces (``westeurope``, ``eastus2``, ``westus3``), as the response rows of
https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices give it (read 2026-12-04)."""


class AzureRetailPrices:
    """Azure Retail Prices API: Linux pay-as-you-go and spot VM-hour prices of the GPU VMs in
    ``AZURE_GPU_SKUS``, per GPU, one row per region."""

    provider = "azure"
    kind = "gpu"
    url_env = AZURE_URL_ENV

    def __init__(self, base_url: str | None = None, skus: dict[str, tuple[str, int]] | None = None):
        self._base_url = base_url
        self.skus = dict(skus or AZURE_GPU_SKUS)

    @property
    def url(self) -> str:
        return self._base_url or os.environ.get(self.url_env) or DEFAULT_AZURE_URL

    def secrets(self) -> tuple[str, ...]:
        return ()

    def odata_filter(self, catalog: Catalog | None = None) -> str:
        skus = [s for s, (gpu, _) in sorted(self.skus.items()) if catalog is None or gpu in catalog.gpus]
        ors = " or ".join(f"armSkuName eq '{s}'" for s in skus)
        return f"serviceName eq 'Virtual Machines' and priceType eq 'Consumption' and ({ors})"

    def fetch(self, http: Http, catalog: Catalog, snapshot: list) -> list[GpuPrice]:
        from advisor.prices.http import LiveError, now_utc, public_url

        base = self.url
        where = public_url(base)
        base_host = urlsplit(base).hostname
        url: str | None = base
        params: dict | None = {"currencyCode": "USD", "$filter": self.odata_filter(catalog)}
        seen: set[str] = set()
        today = now_utc().date().isoformat()
        best: dict[tuple, GpuPrice] = {}
        malformed, first_bad, rows_seen = 0, "", 0
        while url:
            if http.pages >= http.settings.max_pages:
                http.warn(f"stopped after {http.pages} pages (limit {http.settings.max_pages}); later pages not read")
                break
            seen.add(url)
            data = http.get_json(url, params=params)
            http.pages += 1
            params = None  # the next-page link carries the query
            items = _need(data, "Items", list, where)
            for item in items:
                rows_seen += 1
                try:
                    row = self._row(item, catalog, where, today)
                except ValueError as exc:
                    malformed += 1
                    first_bad = first_bad or str(exc)
                    continue
                if row is None:
                    continue
                key = (row.gpu, row.pricing, row.region, row.sku)
                if key not in best or row.usd_per_gpu_hour < best[key].usd_per_gpu_hour:
                    best[key] = row
            nxt = data.get("NextPageLink")
            if nxt in (None, ""):
                break
            if not isinstance(nxt, str):
                raise LiveError(f"unexpected response from {where}: 'NextPageLink' is {type(nxt).__name__}")
            if urlsplit(nxt).hostname != base_host or urlsplit(nxt).scheme not in ("http", "https"):
                http.warn(f"not following a next-page link to another host ({public_url(nxt)}); later pages not read")
                break
            if nxt in seen:
                http.warn("the next-page link repeats a page already read; stopped")
                break
            url = nxt
        if malformed:
            http.warn(f"skipped {malformed} malformed row{'s' if malformed > 1 else ''} (first: {first_bad})")
        if not best:
            raise LiveError(f"no usable GPU VM price in {rows_seen} row(s) from {where}")
        return list(best.values())

    def _row(self, item: Any, catalog: Catalog, where: str, today: str) -> GpuPrice | None:
        if not isinstance(item, dict):
            raise ValueError(f"a {type(item).__name__} where a price row was expected")
        sku = item.get("armSkuName")
        if not isinstance(sku, str):
            raise ValueError("row without an 'armSkuName' string")
        if sku not in self.skus:
            return None
        gpu, per_vm = self.skus[sku]
        if gpu not in catalog.gpus:
            return None
        meter = str(item.get("meterName") or "")
        sku_name = str(item.get("skuName") or "")
        product = str(item.get("productName") or "")
        if "windows" in product.lower():
            return None
        if "low priority" in meter.lower() or "low priority" in sku_name.lower():
            return None
        if item.get("type", "Consumption") != "Consumption":
            return None
        if item.get("unitOfMeasure", "1 Hour") != "1 Hour":
            return None
        if item.get("currencyCode", "USD") != "USD":
            return None
        price = item.get("retailPrice")
        if isinstance(price, bool) or not isinstance(price, (int, float)) or not math.isfinite(price):
            raise ValueError(f"{sku}: 'retailPrice' is {price!r}, expected a number")
        if price <= 0:
            raise ValueError(f"{sku}: 'retailPrice' is {price!r}, expected more than zero")
        region = item.get("armRegionName")
        if not isinstance(region, str) or not region:
            raise ValueError(f"{sku}: no 'armRegionName'")
        if not AZURE_REGION.fullmatch(region):  # rows are keyed by region: free text made 200,000 distinct "regions"
            raise ValueError(f"{sku}: 'armRegionName' {region[:40]!r} is not an Azure region name")
        spot = meter.lower().endswith(" spot") or "spot" in sku_name.lower()
        vm_hour = Decimal(str(price))
        return GpuPrice(
            provider=self.provider, gpu=gpu, usd_per_gpu_hour=_plain(vm_hour / per_vm),
            pricing="spot" if spot else "on-demand", region=region, sku=f"{sku} (Spot)" if spot else sku,
            gpus_per_instance=per_vm, source=f"{where} (live refresh, Linux {'spot' if spot else 'pay-as-you-go'})",
            as_of=today, notes=f"${vm_hour}/VM-hour / {per_vm} GPUs",
        )
