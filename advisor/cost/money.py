"""Money: the one place that turns prices, capacity and traffic into dollars.

$/M tokens of a GPU replica at a utilization, a month of replicas, a per-token API's blended price and
monthly bill, the cheapest API for a model, and the break-even volume between a replica and that API.
Money is Decimal (quantized half-up); the functions return what they used, so the report and the TUI
read the figures instead of re-deriving them. Imports only the domain types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from advisor.domain.prices import ApiPrice, TimeWindow
from advisor.domain.traffic import day_profile, utc_hours
from advisor.domain.workload import HOURS_PER_MONTH, Workload

CENT = Decimal("0.01")
MICRO = Decimal("0.0001")
MILLION = Decimal(1_000_000)
UTILIZATION_POINTS = (0.9, 0.4, 0.1)
"""The seeds' table: $/M tokens of one replica at 90%, 40% and 10% utilization."""


def money(x: float | Decimal, q: Decimal = CENT) -> Decimal:
    """``x`` as Decimal dollars, rounded half-up to ``q``. A Decimal is quantized as it is: ``Decimal(str(d))`` is ``d``
    digit for digit (the same coefficient, exponent and sign), so the text round trip only cost time."""
    return (x if type(x) is Decimal else Decimal(str(x))).quantize(q, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=256)
def _decimal_of(x: float) -> Decimal:
    """``Decimal(str(x))`` of a float, once per value: a ranking divides hundreds of bills by the same month of tokens."""
    return Decimal(str(x))


def usd_per_mtok(hourly_usd: Decimal, output_tokens_per_s: float, blend: float, utilization: float = 1.0) -> Decimal:
    """$/M tokens (input + output) of a replica that costs ``hourly_usd`` and produces
    ``output_tokens_per_s`` at full load, running at ``utilization``; ``blend`` = tokens per request /
    output tokens per request. A replica costs the same per hour whatever it serves, so this scales as
    1/utilization."""
    return money(hourly_usd / Decimal(str(output_tokens_per_s * blend * utilization * 3600)) * MILLION, MICRO)


def monthly_usd(hourly_usd: Decimal) -> Decimal:
    """A month (``HOURS_PER_MONTH``) at ``hourly_usd``, unrounded."""
    return hourly_usd * Decimal(str(HOURS_PER_MONTH))


def usd_per_mtok_of_volume(monthly: Decimal, tokens_per_month: float) -> Decimal:
    """What a monthly bill costs per million of the tokens it served."""
    per = _decimal_of(tokens_per_month) if type(tokens_per_month) is float else Decimal(str(tokens_per_month))
    return (monthly / per * MILLION).quantize(MICRO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ReplicaBill:
    """What GPU replicas cost for a workload, and the figures the cost came from."""

    usd_per_gpu_hour: Decimal
    paid_gpus_per_replica: int
    """GPUs paid for per replica (a whole instance when the provider sells only N-GPU instances)."""
    replicas: int
    hourly_usd: Decimal
    """All replicas, per hour (unrounded)."""
    monthly_usd: Decimal
    """All replicas, a month (unrounded)."""
    usd_per_mtok: Decimal
    """Monthly cost per million of the workload's tokens."""
    utilization_table: tuple[tuple[float, Decimal], ...]
    """(utilization, $/M tokens) of one replica at ``UTILIZATION_POINTS``."""


def replica_bill(hourly_one_usd: Decimal, usd_per_gpu_hour: Decimal, paid_gpus: int, replicas: int,
                 capacity_output_tokens_per_s: float, w: Workload) -> ReplicaBill:
    """The bill of ``replicas`` replicas running all month, each costing ``hourly_one_usd``."""
    hourly = hourly_one_usd * replicas
    monthly = monthly_usd(hourly)
    blend = w.tokens_per_request / w.output_tokens
    table = tuple((u, usd_per_mtok(hourly_one_usd, capacity_output_tokens_per_s, blend, u)) for u in UTILIZATION_POINTS)
    return ReplicaBill(usd_per_gpu_hour=usd_per_gpu_hour, paid_gpus_per_replica=paid_gpus, replicas=replicas, hourly_usd=hourly,
                       monthly_usd=monthly, usd_per_mtok=usd_per_mtok_of_volume(monthly, w.tokens_per_month),
                       utilization_table=table)


# --------------------------------------------------------------------------- per-token APIs


def blended_usd_per_mtok(price: ApiPrice, input_tokens: int, output_tokens: int, cached_fraction: float = 0.0) -> Decimal:
    """USD per million tokens (input + output) for one request shape."""
    cached = price.cached_input_usd_per_mtok if price.cached_input_usd_per_mtok is not None else price.input_usd_per_mtok
    frac = Decimal(str(cached_fraction))
    inp = Decimal(input_tokens)
    cost = inp * (1 - frac) * price.input_usd_per_mtok + inp * frac * cached + Decimal(output_tokens) * price.output_usd_per_mtok
    return cost / Decimal(input_tokens + output_tokens)


@lru_cache(maxsize=64)
def _hour_parts(windows: tuple[TimeWindow, ...]) -> tuple[tuple[float, ...], ...]:
    """Per window, 24 fractions (00:00-01:00 UTC first): the part of each hour that the window prices (where
    windows overlap, the one listed last)."""
    minutes = [[0] * 24 for _ in windows]
    for minute in range(1440):
        i = next((i for i in range(len(windows) - 1, -1, -1) if windows[i].holds(minute)), None)
        if i is not None:
            minutes[i][minute // 60] += 1
    return tuple(tuple(m / 60 for m in per_hour) for per_hour in minutes)


def window_shares(price: ApiPrice, hourly: Sequence[float]) -> tuple[tuple[TimeWindow, float], ...]:
    """(window, share of the day's tokens it prices) for each of the row's time windows. ``hourly``: 24 traffic
    weights, hour 0 = 00:00-01:00 UTC. ``DayProfile.hourly`` counts hours from midnight with no time zone (the
    diurnal shape peaks at 14:00; a ``--traffic`` log gives each timestamp's hour as written, UTC for Unix
    seconds), so the workload's hours are taken as UTC hours."""
    total = sum(hourly) or 1.0  # no traffic at all: no window prices any of it
    return tuple((win, sum(h * f for h, f in zip(hourly, part)) / total)
                 for win, part in zip(price.time_windows, _hour_parts(price.time_windows)))


def time_of_day_price(price: ApiPrice, hourly: Sequence[float]) -> ApiPrice:
    """The row priced as one rate all day: each price weighted by the tokens each hour carries (24 weights,
    00:00 UTC first). Each price is linear in the tokens, so the blend of the hours' prices is the price of the
    blend. A row without time windows is returned as it is."""
    if not price.time_windows:
        return price
    shares = window_shares(price, hourly)

    def blend(base: Decimal, attr: str) -> Decimal:
        return base * Decimal(str(1 + sum(share * (getattr(win, attr) - 1) for win, share in shares)))

    cached = price.cached_input_usd_per_mtok
    return replace(price, input_usd_per_mtok=blend(price.input_usd_per_mtok, "input_multiplier"),
                   output_usd_per_mtok=blend(price.output_usd_per_mtok, "output_multiplier"),
                   cached_input_usd_per_mtok=blend(price.input_usd_per_mtok if cached is None else cached,
                                                   "cached_input_multiplier"), time_windows=())


def workload_usd_per_mtok(price: ApiPrice, w: Workload, hourly: Sequence[float] | None = None) -> Decimal:
    """The workload's blended $/M tokens at ``price``. A row with time-of-day windows is weighted by the
    workload's hours (``hourly``, else ``day_profile(w).hourly``), moved to UTC by ``utc_offset_hours`` (0: read as UTC
    hours)."""
    if price.time_windows:  # (the windows are UTC times: the workload's hours moved by its offset)
        price = time_of_day_price(price, utc_hours(day_profile(w).hourly if hourly is None else hourly, w.utc_offset_hours))
    return blended_usd_per_mtok(price, w.input_tokens, w.output_tokens, w.cached_input_fraction)


def api_monthly_usd(per_mtok: Decimal, w: Workload) -> Decimal:
    return per_mtok * Decimal(str(w.tokens_per_month)) / MILLION


BATCH_API_TURNAROUND_HOURS = 24.0
"""Batch APIs (OpenAI, Anthropic, Together, Fireworks...) promise results within 24 hours."""


def batch_api_applies(price: ApiPrice, w: Workload) -> bool:
    """A batch workload whose deadline allows the provider's batch API turnaround gets its discount."""
    return w.latency == "batch" and price.batch_discount > 0 and w.deadline_hours >= BATCH_API_TURNAROUND_HOURS


def cheapest_api(offers: list[ApiPrice], w: Workload) -> tuple[ApiPrice, Decimal] | None:
    """(offer, blended $/M tokens) of the cheapest of ``offers`` for the workload's request shape, at the batch
    API's discount where the workload's deadline allows it (``batch_api_applies``)."""
    priced = [(workload_usd_per_mtok(p, w) * (1 - Decimal(str(p.batch_discount)) if batch_api_applies(p, w) else 1), p)
              for p in offers]
    return min(priced, key=lambda x: x[0])[::-1] if priced else None


# --------------------------------------------------------------------------- break-even


@dataclass(frozen=True)
class BreakEven:
    """Daily token volume where one replica costs what the cheapest API costs."""

    tokens_per_day: float | None
    """None when the API stays cheaper even with the replica at 100%."""
    usd_per_mtok_at_full: float
    """The replica's $/M tokens at 100% (what "never" is measured against)."""
    workload_tokens_per_day: float


def break_even(hourly_usd: Decimal, replicas: int, output_tokens_per_s: float, w: Workload,
               api_usd_per_mtok: Decimal) -> BreakEven:
    """``hourly_usd`` buys ``replicas`` replicas of ``output_tokens_per_s`` each. A replica provisioned for
    the peak carries at most capacity / peak-to-mean on average (interactive); it beats the API above
    ``hourly / API price`` tokens per second."""
    per_day, full = break_even_of_replica(hourly_usd, replicas, output_tokens_per_s, w, api_usd_per_mtok)
    return BreakEven(tokens_per_day=per_day, usd_per_mtok_at_full=full, workload_tokens_per_day=workload_tokens_per_day(w))


def break_even_of_replica(hourly_usd: Decimal | float, replicas: int, output_tokens_per_s: float, w: Workload,
                          api_usd_per_mtok: Decimal | float) -> tuple[float | None, float]:
    """(``BreakEven.tokens_per_day``, ``BreakEven.usd_per_mtok_at_full``) of ``break_even``: they read the workload's
    request shape, peak and latency, not its volume, so a re-rank may keep them per replica and API price. The two
    prices are read as floats (a Decimal or its float give the same)."""
    api_per_tok = float(api_usd_per_mtok) / 1e6
    hourly_one = float(hourly_usd) / replicas
    capacity_tokens_per_s = output_tokens_per_s * (w.tokens_per_request / w.output_tokens)
    max_mean = capacity_tokens_per_s / (w.peak_to_mean if w.latency == "interactive" else 1.0)
    breakeven_tokens_per_s = hourly_one / (api_per_tok * 3600)
    full = hourly_one / (capacity_tokens_per_s * 3600) * 1e6
    return (None if breakeven_tokens_per_s > max_mean else breakeven_tokens_per_s * 86_400), full


def workload_tokens_per_day(w: Workload) -> float:
    """The workload's tokens a day (``BreakEven.workload_tokens_per_day``): a month's over the days of a month."""
    return w.tokens_per_month / (365 / 12)
