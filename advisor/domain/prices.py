"""Domain types of prices: an hourly GPU price and a per-token API price (money as Decimal)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PRICING_KINDS = ("on-demand", "spot", "reserved-1y", "reserved-3y", "committed", "serverless")
"""How a GPU price is sold: pay as you go, preemptible, a 1/3-year (or contract) commitment, or serverless (a
worker billed per second only while it runs, scaled to zero when idle, on whichever card of the provider's tier
is free: RunPod Serverless flex workers, https://docs.runpod.io/serverless/pricing)."""
COMMITMENT_YEARS = {"reserved-1y": 1, "reserved-3y": 3}


@dataclass(frozen=True)
class GpuPrice:
    """An hourly price for one GPU of a type from a provider, and the shapes it is sold in."""

    provider: str
    gpu: str
    usd_per_gpu_hour: Decimal
    pricing: str
    """One of ``PRICING_KINDS``."""
    source: str
    as_of: str
    region: str = ""
    sku: str = ""
    gpus_per_instance: int = 1
    """GPUs in the instance this row prices (a replica needing fewer still pays for all of them)."""
    instance_gpu_counts: tuple[int, ...] = ()
    """Instance sizes sold at this per-GPU price when there are several (RunPod 1-8, Lambda 1/2/4/8); empty:
    only ``gpus_per_instance``."""
    multi_node: bool = False
    """The provider offers a cluster interconnect between instances of this shape, so one replica may span
    several instances (tensor/expert parallelism across nodes). Without it, a replica fits one instance."""
    cluster_gbps: float = 0.0
    """Scale-out bandwidth per GPU per direction between instances (GB/s; 0 = the GPU's typical figure)."""
    billing_increment_s: int = 3600
    """Billing granularity: 1 (per second), 60 (per minute) or 3600 (per hour)."""
    minimum_billed_s: int = 0
    """Minimum charge per start, in seconds."""
    storage_gbps: float = 0.0
    """Weight-loading rate from the provider's storage into a replica (GB/s; 0 = the default assumption)."""
    notes: str = ""

    @property
    def shapes(self) -> tuple[int, ...]:
        """GPU counts per instance sold at this price, smallest first."""
        return tuple(sorted(set(self.instance_gpu_counts))) if self.instance_gpu_counts else (self.gpus_per_instance,)

    def shape_for(self, gpus: int) -> tuple[int, int] | None:
        """(GPUs per instance, instances) for one replica of ``gpus`` GPUs: the smallest instance that holds
        it, else several of the largest over the cluster interconnect; None when neither is sold."""
        for c in self.shapes:
            if c >= gpus:
                return c, 1
        if self.multi_node:
            return self.shapes[-1], -(-gpus // self.shapes[-1])
        return None


@dataclass(frozen=True)
class RateLimit:
    """A published API rate-limit tier."""

    tier: str
    requests_per_min: float = 0.0
    """0 = not limited (or not published) on requests."""
    tokens_per_min: float = 0.0
    """0 = not limited (or not published) on tokens."""


@dataclass(frozen=True)
class TimeWindow:
    """A time of day at which a per-token price differs from the row's: each price of the row times a multiplier.

    Minutes are counted from 00:00 UTC every day; the window holds from ``start_minute_utc`` (included) to
    ``end_minute_utc`` (excluded), past midnight when the end is the smaller (22:00-02:00 = 1320 to 120), all day
    when the two are equal. Where windows overlap the one listed last applies (the rule of the genai-prices
    data). DeepSeek's V4 peak, 09:00-12:00 Beijing time at twice the price, is ``60, 240, 2, 2, 2``."""

    start_minute_utc: int
    end_minute_utc: int
    input_multiplier: float
    output_multiplier: float
    cached_input_multiplier: float
    """Applied to the row's cached-input price (to its input price when the row has none)."""

    def holds(self, minute: int) -> bool:
        """Whether the window holds at ``minute`` (0-1439 after 00:00 UTC)."""
        start, end = self.start_minute_utc, self.end_minute_utc % 1440
        return start <= minute < end if start < end else (minute >= start or minute < end)

    @property
    def utc_times(self) -> tuple[str, str]:
        """(start, end) as ``HH:MM`` UTC."""
        return f"{self.start_minute_utc // 60:02d}:{self.start_minute_utc % 60:02d}", \
            f"{self.end_minute_utc // 60 % 24:02d}:{self.end_minute_utc % 60:02d}"

    @property
    def label(self) -> str:
        """``2x from 01:00 to 04:00 UTC`` (``2x/3x in/out`` when the multipliers differ)."""
        ms = (self.input_multiplier, self.output_multiplier)
        times = "x/".join(f"{m:g}" for m in dict.fromkeys(ms)) + ("x in/out" if ms[0] != ms[1] else "x")
        return f"{times} from {self.utc_times[0]} to {self.utc_times[1]} UTC"


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
    """The provider's context limit for this model (0 = not published: treated as the typical 128K)."""
    batch_discount: float = 0.0
    """Discount of the provider's batch API (0.5 = half price), for work that can wait for it."""
    batch_source: str = ""
    rate_limits: tuple[RateLimit, ...] = ()
    """Published tiers, lowest first (empty: not published)."""
    rate_limits_source: str = ""
    ttft_ms: float = 0.0
    """Measured time to first token (0 = not measured)."""
    output_tokens_per_s: float = 0.0
    """Measured output speed per stream (0 = not measured)."""
    speed_source: str = ""
    """Where the measured TTFT and speed come from, and when."""
    retired_on: str = ""
    """Set when the provider retired the model: the row is kept for history, never ranked."""
    modes: tuple[str, ...] = ()
    """The answering modes the provider's endpoint serves (``reasoning``, ``non-reasoning``; empty: every mode of the
    model). A ``...-Instruct-2507`` endpoint of a hybrid-thinking model answers without thinking only."""
    fine_tuned_serving: str = ""
    """What tuned weights the provider serves per token for this model: ``lora`` (adapters on the shared base),
    ``full`` (custom weights too) or "" (the base model only)."""
    fine_tuned_source: str = ""
    notes: str = ""
    time_windows: tuple[TimeWindow, ...] = ()
    """Times of day priced differently (DeepSeek's V4 peak hours); the prices above hold the rest of the day.
    Empty: one price all day."""


def price_key(p: GpuPrice | ApiPrice) -> tuple:
    """The identity of a price row: a later row with the same key replaces an earlier one."""
    if isinstance(p, GpuPrice):
        return ("gpu", p.provider, p.gpu, p.pricing, p.region, p.sku)
    return ("api", p.provider, p.model)
