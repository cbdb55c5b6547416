"""Floors under a self-hosted configuration's bill, so the search costs only what could win: what a GPU is
sold as (the allowed, undominated offers and the shapes that hold an engine) and the least any plan over them
can bill a month (``cannot_beat``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

from advisor.cost import billing, queueing
from advisor.domain.specs import GpuSpec
from advisor.domain.workload import DAYS_PER_MONTH, HOURS_PER_MONTH
from advisor.physics.performance import Estimate
from advisor.ranking.context import Context

TIE = 1e-9
"""Relative difference under which two monthly bills are the same (see ``cannot_beat``)."""


def offers_of(ctx: Context, gpu: GpuSpec) -> list:
    """The allowed offers of ``gpu`` worth costing (``billing.undominated``), once per workload shape (``Context.shared``)."""
    offers = ctx.shared.get(("offers", gpu.id))
    if offers is None:
        w = ctx.workload
        offers = ctx.shared[("offers", gpu.id)] = billing.undominated(ctx.prices.gpu_offers(gpu.id, w.providers, w.pricing_kinds))
    return offers


def sold(ctx: Context, gpu: GpuSpec, n: int) -> bool:
    """Whether an allowed offer sells ``gpu`` in a shape that holds an ``n``-GPU engine, within ``max_gpus``
    (the self-hosted backend's test, without the estimate), once per workload shape."""
    key = ("sold", gpu.id, n)
    found = ctx.shared.get(key)
    if found is None:
        most = max(n, ctx.workload.max_gpus)
        found = ctx.shared[key] = any((shape := o.shape_for(n)) is not None and shape[0] * shape[1] <= most for o in offers_of(ctx, gpu))
    return found


def cannot_beat(ctx: Context, gpu: GpuSpec, n: int, best_usd: Decimal, estimate: Callable[[], Estimate]) -> bool:
    """Whether ``n`` GPUs per engine must bill at least ``best_usd`` a month (within ``TIE``), whatever the offer,
    shape or price kind: then costing them cannot change the answer.

    The floor is the replica-hours of the cheaper of the policies ``billing.plans`` prices, counted as if every
    replica were one engine that bills only its own GPUs and starts instantly, at the cheapest allowed
    $/GPU-hour. ``rate`` is what one engine may be planned to carry (``queueing.planned_output_rate``); a
    replica of ``dp`` engines needs ``ceil(x / dp)`` replicas where one engine each needs ``ceil(x)``, and
    ``dp x ceil(x / dp) >= ceil(x)``. Interactive: fixed replicas for the peak, or each hour's replicas (at least
    ``max(1, min_replicas)``), cold starts not counted. Batch: fixed replicas for the deadline, or the job's
    hours alone. Bigger instances, cold starts and billing increments only add; 1e-6 of a replica is taken off
    for float arithmetic. Cheap bounds are tried before the hour-by-hour sum."""
    w = ctx.workload
    if not sold(ctx, gpu, n):
        return True  # no allowed offer sells a shape that holds it: it cannot be billed at all
    unit = ctx.shared.get(("unit", gpu.id))
    if unit is None:
        unit = ctx.shared[("unit", gpu.id)] = float(min((o.usd_per_gpu_hour for o in offers_of(ctx, gpu)), default=0))
    if unit <= 0:
        return False
    need = float(best_usd) * (1 - TIE) / (unit * n)  # replica-hours a month at or above which it cannot win
    floor = max(1, w.min_replicas)
    if w.latency != "batch" and floor * HOURS_PER_MONTH >= need:
        return True  # an interactive deployment runs at least ``floor`` replicas every hour: no estimate needed
    e = estimate()
    if not e.fits:
        return False
    rate = queueing.planned_output_rate(e.output_tokens_per_s, e.ttft_ms, w)
    if rate <= 0:
        return False
    ceil = math.ceil
    if w.latency == "batch":
        return (max(1, ceil(w.required_output_tokens_per_s / rate - 1e-6)) * HOURS_PER_MONTH >= need
                and w.mean_output_tokens_per_s / rate * HOURS_PER_MONTH >= need)
    day, mean = ctx.day, w.mean_output_tokens_per_s
    if max(1, ceil(mean * day.peak_to_mean / rate - 1e-6)) * HOURS_PER_MONTH < need:
        return False  # fixed replicas might
    a = mean * day.within_hour_peak / rate
    if max(floor, a) * HOURS_PER_MONTH >= need:  # every hour runs at least max(floor, its load); the loads average a
        return True
    return sum(max(floor, ceil(a * x - 1e-6)) for x in day.hourly) * DAYS_PER_MONTH >= need
