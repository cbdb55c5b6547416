"""Prices the engine uses: GPU-hours and per-token API prices, each with provider, source and date."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from advisor.catalog.load import Catalog
from advisor.domain.prices import ApiPrice, GpuPrice

SERVING_PRICING = ("on-demand",)
"""Pricing types a serving deployment is costed at by default (spot can be reclaimed mid-request)."""

STALE_AFTER_DAYS = 120
"""A price older than this is stale: a row priced from it carries a ``stale-price`` warning, ``prices`` marks it and
``prices --stale`` lists it to re-check (one threshold for all three; the bundled catalog is re-read within it)."""


@dataclass(frozen=True)
class PriceBook:
    """All prices known for a run, indexed for the engine."""

    gpu_prices: tuple[GpuPrice, ...]
    api_prices: tuple[ApiPrice, ...]
    origin: dict[str, str] = field(default_factory=dict)
    """provider -> where its prices came from (bundled snapshot, live refresh at <time>, plugin)."""

    def gpu_offers(self, gpu: str, providers: tuple[str, ...] = (), pricing: tuple[str, ...] = SERVING_PRICING) -> list[GpuPrice]:
        """Every price row for a GPU type from the allowed providers, of the allowed price kinds."""
        return [p for p in self._gpu_index.get(gpu, ())
                if (not pricing or p.pricing in pricing) and (not providers or _provider_allowed(p.provider, providers))]

    def cheapest_gpu(self, gpu: str, providers: tuple[str, ...] = (), pricing: tuple[str, ...] = SERVING_PRICING) -> GpuPrice | None:
        """The lowest per-GPU-hour offer for a GPU type (whatever its instance size)."""
        return min(self.gpu_offers(gpu, providers, pricing), key=lambda p: p.usd_per_gpu_hour, default=None)

    def gpu_offer(self, gpu: str, count: int, providers: tuple[str, ...] = (),
                  pricing: tuple[str, ...] = SERVING_PRICING) -> tuple[GpuPrice, int, Decimal] | None:
        """Cheapest way to rent ``count`` GPUs of a type for one replica, in a shape the provider sells:
        (offer, GPUs paid for, USD per hour). An instance larger than ``count`` is paid whole; a replica
        spans instances only over a provider's cluster interconnect (``GpuPrice.multi_node``)."""
        best = None
        for p in self.gpu_offers(gpu, providers, pricing):
            shape = p.shape_for(count)
            if shape is None:
                continue
            paid = shape[0] * shape[1]
            cost = p.usd_per_gpu_hour * paid
            if best is None or cost < best[2]:
                best = (p, paid, cost)
        return best

    def api_offers(self, model: str, providers: tuple[str, ...] = ()) -> list[ApiPrice]:
        """The APIs serving ``model`` from the allowed providers (rows of retired models left out)."""
        return [p for p in self._api_index.get(model, ())
                if not p.retired_on and (not providers or _provider_allowed(p.provider, providers))]

    def _index(self, attr: str, rows: tuple, key: str) -> dict:
        """Rows grouped by ``key``, built once per PriceBook (it is frozen, so the cache goes in __dict__)."""
        idx = self.__dict__.get(attr)
        if idx is None:
            idx = {}
            for p in rows:
                idx.setdefault(getattr(p, key), []).append(p)
            object.__setattr__(self, attr, idx)
        return idx

    @property
    def _gpu_index(self) -> dict[str, list[GpuPrice]]:
        return self._index("_gi", self.gpu_prices, "gpu")

    @property
    def _api_index(self) -> dict[str, list[ApiPrice]]:
        return self._index("_ai", self.api_prices, "model")

    def knows_provider(self, name: str) -> bool:
        """Whether ``name`` selects any provider of this book (the matching the workload's filter uses)."""
        return any(_provider_allowed(p, (name,)) for p in self.providers())

    def providers(self) -> list[str]:
        return sorted({p.provider for p in self.gpu_prices} | {p.provider for p in self.api_prices})


def _provider_allowed(provider: str, allowed: tuple[str, ...]) -> bool:
    key = _norm(provider)
    return any(_norm(a) == key or _norm(a) in key for a in allowed)


def _norm(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


def from_catalog(catalog: Catalog) -> PriceBook:
    """The bundled snapshot (and user catalog prices), without plugins."""
    return PriceBook(gpu_prices=catalog.gpu_prices, api_prices=catalog.api_prices,
                     origin={p: "bundled snapshot" for p in {x.provider for x in catalog.gpu_prices} | {x.provider for x in catalog.api_prices}})


def age_days(as_of: str, today: datetime.date | None = None) -> int | None:
    """Days since a price's as-of date (None when the date cannot be read)."""
    today = today or datetime.date.today()
    text = as_of.strip()[:10]
    digits = text[:4] + text[5:7] + text[8:]
    if len(text) == 10 and text[4] == text[7] == "-" and digits.isascii() and digits.isdigit():
        try:  # the usual YYYY-MM-DD without strptime (whose first use compiles its patterns: ~5 ms of a start)
            return (today - datetime.date(int(text[:4]), int(text[5:7]), int(text[8:]))).days
        except ValueError:
            pass  # e.g. a 31st of a 30-day month: read as its month below, as before
    for fmt in ("%Y-%m-%d", "%Y-%m"):
        try:
            d = datetime.datetime.strptime(text[: len("2026-01-01") if fmt == "%Y-%m-%d" else 7], fmt).date()
            return (today - d).days
        except ValueError:
            continue
    return None
