"""What a provider actually bills for GPU replicas.

Shapes: a replica of ``n`` GPUs runs in the smallest instance the provider sells that holds ``n`` GPUs;
several replicas pack into one instance when it holds several (``instance // n`` each), so a 2-GPU replica
on a provider that sells 1 or 8 GPUs is a quarter of an 8-GPU instance, never two 1-GPU machines joined
by a network. A replica spans instances only where the provider offers a cluster interconnect
(``multi_node``).

Policies, over the workload's day (``advisor.domain.traffic``):

- ``fixed``: the peak's replicas, all month (billed GPUs x ``HOURS_PER_MONTH``).
- ``autoscale`` (interactive): each hour runs the replicas that hour's traffic needs (at least
  ``min_replicas``); a scale-up bills the new instances while they load weights (the cold start, rounded
  to the billing increment).
- ``scale-to-zero`` (batch): each day the job's replicas start, run until the day's volume is done, and
  stop: billed for the run plus the cold start, rounded to the provider's billing increment and minimum.
  For interactive work it would make the first request after an idle spell wait the whole cold start.

Reserved and committed prices are fixed capacity (a commitment cannot follow the traffic); spot prices
apply to work that tolerates preemption (batch, unless the workload allows spot for interactive work).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal

from advisor.domain.prices import GpuPrice
from advisor.domain.traffic import DayProfile
from advisor.domain.workload import DAYS_PER_MONTH, HOURS_PER_MONTH, Workload

LOAD_GBPS = 1.5
"""Weight-loading rate from network storage into one replica (GB/s) when the provider publishes none."""
ENGINE_START_S = 90.0
"""Engine start-up besides loading weights (process, CUDA graphs, warm-up)."""
FIXED_ONLY = ("reserved-1y", "reserved-3y", "committed")


@dataclass(frozen=True)
class Plan:
    """One way to buy a candidate's capacity: a price row, a scaling policy, and what it bills."""

    price: GpuPrice
    policy: str
    """``fixed``, ``autoscale`` or ``scale-to-zero``."""
    instance_gpus: int
    """GPUs in each instance bought."""
    instances_per_replica: int
    """More than 1 when a replica spans instances over the provider's cluster interconnect."""
    replicas_per_instance: int
    """Replicas packed into one instance (1 when a replica fills or spans instances)."""
    replicas_peak: int
    replicas_min: int
    billed_gpu_hours_per_month: float
    monthly_usd: Decimal
    """``billed_gpu_hours_per_month`` x ``usd_per_gpu_hour`` (unrounded)."""
    replica_hours_per_month: float
    """Hours replicas run (for the utilization they average)."""
    cold_start_s: float
    run_hours_per_day: float = 0.0
    """Batch under ``scale-to-zero``: hours the job runs each day (cold start included)."""

    @property
    def pricing_kind(self) -> str:
        return self.price.pricing

    @property
    def usd_per_gpu_hour(self) -> Decimal:
        return self.price.usd_per_gpu_hour

    @property
    def gpus_billed_at_peak(self) -> int:
        return self.billed_gpus(self.replicas_peak)

    @property
    def hourly_one_usd(self) -> Decimal:
        """What one replica costs per hour running all the time: the instances the peak's replicas fill,
        shared among them (a lone 2-GPU replica on an 8-GPU instance pays for all 8)."""
        return self.price.usd_per_gpu_hour * Decimal(self.billed_gpus(self.replicas_peak)) / Decimal(self.replicas_peak)

    def billed_gpus(self, replicas: int) -> int:
        return billed_gpus(replicas, self.instance_gpus, self.instances_per_replica, self.replicas_per_instance)


def billed_gpus(self, replicas: int) -> int:
        return billed_gpus(replicas, self.instance_gpus, self.instances_per_replica, self.replicas_per_instance)


def shape_for(price: GpuPrice, gpus: int) -> tuple[int, int] | None:
    """(instance GPUs, instances per replica) for a replica of ``gpus`` GPUs, or None when the provider
    sells no instance that holds it and offers no cluster interconnect."""
    for c in price.shapes:
        if c >= gpus:
            return c, 1
    if price.multi_node:
        c = price.shapes[-1]
        return c, -(-gpus // c)
    return None


def billed_gpus(replicas: int, instance_gpus: int, instances_per_replica: int, replicas_per_instance: int) -> int:
    if replicas <= 0:
        return 0
    if instances_per_replica > 1:
        return replicas * instances_per_replica * instance_gpus
    return -(-replicas // replicas_per_instance) * instance_gpus


def billed_seconds(seconds: float, price: GpuPrice) -> float:
    """``seconds`` rounded up to the billing increment, and at least the minimum charge."""
    inc = max(1, price.billing_increment_s)
    return max(float(price.minimum_billed_s), math.ceil(seconds / inc - 1e-9) * inc)


def cold_start_s(weights_bytes_per_replica: float, price: GpuPrice) -> float:
    rate = price.storage_gbps or LOAD_GBPS
    return weights_bytes_per_replica / (rate * 1e9) + ENGINE_START_S


def _replicas(need: float, capacity: float) -> int:
    return max(0, math.ceil(need / capacity - 1e-9))


@lru_cache(maxsize=4096)
def _hourly_replicas(capacity: float, mean: float, day: DayProfile, floor: int) -> tuple[int, ...]:
    """Replicas each hour of the day needs (the same for every price row of a configuration)."""
    peak, ceil = day.within_hour_peak, math.ceil
    return tuple([max(floor, 0, ceil(mean * x * peak / capacity - 1e-9)) for x in day.hourly])


def plans(price: GpuPrice, gpus: int, capacity: float, w: Workload, day: DayProfile, weights_bytes: float) -> list[Plan]:
    """Every policy this price row allows for replicas of ``gpus`` GPUs producing ``capacity`` output
    tokens/s each (the cheapest is the candidate's bill)."""
    shape = price.shape_for(gpus)
    if shape is None or capacity <= 0:
        return []
    c, k = shape
    per_instance = c // gpus if k == 1 else 1
    unit = price.usd_per_gpu_hour
    cold = cold_start_s(weights_bytes, price)
    allowed = w.scaling_policies
    out: list[Plan] = []

    def plan(policy: str, peak: int, low: int, gpu_hours: float, replica_hours: float, run_h: float = 0.0) -> Plan:
        return Plan(price=price, policy=policy, instance_gpus=c, instances_per_replica=k, replicas_per_instance=per_instance,
                    replicas_peak=peak, replicas_min=low, billed_gpu_hours_per_month=gpu_hours,
                    monthly_usd=unit * Decimal(str(gpu_hours)), replica_hours_per_month=replica_hours, cold_start_s=cold,
                    run_hours_per_day=run_h)

    if w.latency == "batch":
        peak = max(1, _replicas(w.required_output_tokens_per_s, capacity))
        g = billed_gpus(peak, c, k, per_instance)
        if "fixed" in allowed:
            out.append(plan("fixed", peak, peak, g * HOURS_PER_MONTH, peak * HOURS_PER_MONTH))
        if "scale-to-zero" in allowed and price.pricing not in FIXED_ONLY:
            run_s = w.requests_per_day * w.output_tokens / (peak * capacity) + cold
            billed_h = billed_seconds(run_s, price) / 3600.0
            if billed_h < 24.0:
                out.append(plan("scale-to-zero", peak, 0, g * billed_h * DAYS_PER_MONTH, peak * billed_h * DAYS_PER_MONTH,
                                run_s / 3600.0))
        return out

    mean = w.mean_output_tokens_per_s
    peak = max(1, _replicas(mean * day.peak_to_mean, capacity))
    if "fixed" in allowed:
        out.append(plan("fixed", peak, peak, billed_gpus(peak, c, k, per_instance) * HOURS_PER_MONTH, peak * HOURS_PER_MONTH))
    if "autoscale" in allowed and price.pricing not in FIXED_ONLY:
        hourly = list(_hourly_replicas(capacity, mean, day, max(1, w.min_replicas)))
        if min(hourly) < max(hourly):
            gpus_h = [billed_gpus(r, c, k, per_instance) for r in hourly]
            ups = sum(max(0, gpus_h[h] - gpus_h[h - 1]) for h in range(24))  # h - 1 wraps: the day repeats
            gpu_hours_day = sum(gpus_h) + ups * billed_seconds(cold, price) / 3600.0
            out.append(plan("autoscale", max(hourly), min(hourly), gpu_hours_day * DAYS_PER_MONTH,
                            sum(hourly) * DAYS_PER_MONTH))
    return out


def _dominates(a: GpuPrice, b: GpuPrice) -> bool:
    """Whether offer ``a`` bills every plan ``b`` could at most what ``b`` would, and wins a tie with it: the same
    kind of price, the same shapes and cluster interconnect, a price per GPU-hour no higher, a billing increment
    that divides ``b``'s, a minimum charge no longer and a cold start no slower."""
    if (a.pricing != b.pricing or a.shapes != b.shapes or a.multi_node != b.multi_node or a.usd_per_gpu_hour > b.usd_per_gpu_hour
            or a.minimum_billed_s > b.minimum_billed_s or (a.storage_gbps or LOAD_GBPS) < (b.storage_gbps or LOAD_GBPS)):
        return False
    inc_a, inc_b = max(1, a.billing_increment_s), max(1, b.billing_increment_s)
    if inc_b % inc_a:
        return False
    return a.usd_per_gpu_hour < b.usd_per_gpu_hour or a.provider <= b.provider


def undominated(offers: list[GpuPrice]) -> list[GpuPrice]:
    """The offers worth costing: those no other offer dominates (see ``_dominates``), in their order. The
    cheapest plan over them is the cheapest plan over all the offers."""
    keep: list[GpuPrice] = []
    for i, b in enumerate(offers):
        if not any(_dominates(a, b) and (a.usd_per_gpu_hour < b.usd_per_gpu_hour or a.provider < b.provider or j < i)
                   for j, a in enumerate(offers) if j != i):
            keep.append(b)
    return keep


def best(candidates: list[Plan]) -> Plan | None:
    """The cheapest plan; at equal cost on-demand before spot before commitments, fixed before scaling."""
    if len(candidates) < 2:
        return candidates[0] if candidates else None
    kinds, policies = _KIND_ORDER, _POLICY_ORDER
    return min(candidates, key=lambda p: (p.monthly_usd, kinds.get(p.pricing_kind, 2), policies.get(p.policy, 3),
                                          p.price.provider))


_KIND_ORDER = {"on-demand": 0, "spot": 1}
_POLICY_ORDER = {"fixed": 0, "autoscale": 1, "scale-to-zero": 2}
