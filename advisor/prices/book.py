"""Prices the engine uses: GPU-hours and per-token API prices, each with provider, source and date."""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from advisor.catalog.load import Catalog
from advisor.common import fmt
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
                if (not pricing or p.pricing in pricing) and (not providers or provider_allowed(p.provider, providers))]

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
                if not p.retired_on and (not providers or provider_allowed(p.provider, providers))]

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
        return any(provider_allowed(p, (name,)) for p in self.providers())

    def providers(self) -> list[str]:
        return sorted({p.provider for p in self.gpu_prices} | {p.provider for p in self.api_prices})


def provider_allowed(provider: str, allowed: tuple[str, ...]) -> bool:
    """Whether a workload's ``providers`` entries allow ``provider``: the same name, or one contained in it, alphanumerics
    only and case-blind (``runpod`` allows ``RunPod``; ``aws`` allows ``aws-bedrock``)."""
    key = _norm(provider)
    return any(_norm(a) == key or _norm(a) in key for a in allowed)


def _norm(s: str) -> str:
    return "".join(ch for ch in s.lower() if ch.isalnum())


PLAUSIBLE_SPREAD = Decimal(10)
"""A price more than this many times above or below the median of the other providers' prices for the same GPU (or
the same model's API amount) is implausible and named in a note: a unit slip (cents for dollars, per second for per
hour) rather than a market price. The factor by which the live refresh refuses a price that moved
(``refresh.MAX_MOVE``). In the bundled catalogs (2026-12-04) the GPU-hour prices of one type spread at most ~4x
across kinds and providers (spot to serverless), the API prices of one model ~7x (llama-3.1-8b input)."""
REFUSED_SPREAD = {"gpu": Decimal(10), "api": Decimal(100)}
"""Past these factors an implausible price is refused (not used), as the live refresh refuses its 10x moves. A GPU-hour
is a commodity: 10x. An API price is the provider's own product (its quantization, batching, speed tier) and one
model's prices already spread 7x, so a 10x gap may be real: it is named, and refused from 100x, where only a unit
slip (cents for dollars, per thousand for per million) lands."""
MIN_OTHERS = 2
"""Providers besides a row's own that must price the same item for the median to judge it: with one, either could
be the wrong one."""


def _median(values: list[float]) -> float:
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


_LAST: list = [(), []]
"""The rows ``implausible`` last screened (held, so their ids stay theirs) and its answer: a price book is resolved on
every ranking and TUI edit from the same row objects (snapshots and the price cache are read once), so the screen runs
once per set of rows."""


def implausible(prices: Iterable[GpuPrice | ApiPrice]) -> list[tuple[GpuPrice | ApiPrice, str, Decimal, Decimal, bool]]:
    """(price, amount name, amount, median of the other providers, refused?) for each amount more than
    ``PLAUSIBLE_SPREAD`` times off the median of the other providers' medians for the same GPU (``usd_per_gpu_hour``)
    or model (input and output per M tokens), where at least ``MIN_OTHERS`` other providers price it; refused past
    ``REFUSED_SPREAD``. A provider's own rows (regions, shapes, kinds) count once, as their median, so one provider
    with many rows does not set the yardstick. Compared as floats (it screens every price book: about 1 ms for the
    bundled 150 rows; the same rows again: the answer kept in ``_LAST``)."""
    prices = tuple(prices)
    seen, found = _LAST
    if len(seen) == len(prices) and all(map(operator.is_, seen, prices)):
        return list(found)
    groups: dict[tuple, dict[str, list]] = {}
    for p in prices:
        if isinstance(p, GpuPrice):
            groups.setdefault(("gpu", p.gpu, "usd_per_gpu_hour"), {}).setdefault(p.provider, []).append((p, float(p.usd_per_gpu_hour)))
        else:
            for name in ("input_usd_per_mtok", "output_usd_per_mtok"):
                groups.setdefault(("api", p.model, name), {}).setdefault(p.provider, []).append((p, float(getattr(p, name))))
    out = []
    spread = float(PLAUSIBLE_SPREAD)
    for (kind, _, name), by_provider in groups.items():
        if len(by_provider) <= MIN_OTHERS:
            continue
        refuse = float(REFUSED_SPREAD[kind])
        medians = {prov: _median([v for _, v in rows]) for prov, rows in by_provider.items()}
        for prov, rows in by_provider.items():
            ref = _median([m for other, m in medians.items() if other != prov])
            out += [(p, name, getattr(p, name), Decimal(f"{ref:.6g}"), not ref / refuse <= v <= ref * refuse) for p, v in rows
                    if ref > 0 and not ref / spread <= v <= ref * spread]
    _LAST[:] = [prices, out]
    return list(out)


def implausible_text(p: GpuPrice | ApiPrice, name: str, value: Decimal, median: Decimal, refused: bool = False) -> str:
    """``mycloud h100-sxm $0.0001/GPU-h is over 10x below the median of the other providers' prices ($4.41/GPU-h)``."""
    unit = "/GPU-h" if name == "usd_per_gpu_hour" else "/M " + name.split("_")[0]
    item = p.gpu if isinstance(p, GpuPrice) else p.model
    side = "below" if value < median else "above"
    factor = REFUSED_SPREAD["gpu" if isinstance(p, GpuPrice) else "api"] if refused else PLAUSIBLE_SPREAD
    return (f"{p.provider} {item} ${value}{unit} is over {factor}x {side} the median of the other providers' "
            f"prices ({fmt.usd_rate(median, unit)})")


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
    for pattern in ("%Y-%m-%d", "%Y-%m"):
        try:
            d = datetime.datetime.strptime(text[: len("2026-01-01") if pattern == "%Y-%m-%d" else 7], pattern).date()
            return (today - d).days
        except ValueError:
            continue
    return None
