"""Floors under a self-hosted configuration's bill, so the search costs only what could win: what a GPU is
sold as (the allowed, undominated offers and the shapes that hold an engine), the least any plan over them
can bill a month (``cannot_beat``), and what a configuration is whatever the traffic volume (``_prelude``: its
estimate, whether it works, its sold shapes; ``_bound``: the three numbers the floor reads)."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache

from advisor.cost import billing, queueing
from advisor.domain.precision import resolve_precision
from advisor.domain.serving import ServingProfile
from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.domain.workload import HOURS_PER_MONTH
from advisor.physics import lora
from advisor.physics.performance import Estimate
from advisor.physics.sizing import weight_bytes
from advisor.ranking.context import (
    Context,
    cached_tokens,
    memo_bound,
    memo_estimate,
    memoized,
    ttft_target,
)
from advisor.ranking.fitting import GPU_COUNTS, PIPELINE_GPUS, _sizing, pipeline_sold

TIE = 1e-9
"""Relative difference under which two monthly bills are the same (see ``cannot_beat``)."""
SEED_ABOVE = Decimal("1.000000004")
"""A seeded search (``SelfHostedBackend._search``) bounds the counts before the seed by its bill times this: above it by
more than ``TIE``, so one that bills the same is still costed (and, coming first, wins as unseeded), yet far under a cent."""


def offers_of(ctx: Context, gpu: GpuSpec) -> list:
    """The allowed offers of ``gpu`` worth costing (``billing.undominated``), once per workload shape (``Context.shared``)."""
    offers = ctx.shared.get(("offers", gpu.id))
    if offers is None:
        w = ctx.workload
        offers = ctx.shared[("offers", gpu.id)] = billing.undominated(ctx.prices.gpu_offers(gpu.id, w.providers, w.pricing_kinds))
    return offers


def per_request_priced(ctx: Context, gpu: GpuSpec) -> bool:
    """Whether a ``per-request`` plan may be priced for ``gpu``: interactive work that allows the policy, and an allowed
    serverless offer of the GPU."""
    w = ctx.workload
    return (w.latency == "interactive" and "per-request" in w.scaling_policies
            and any(o.pricing == "serverless" for o in offers_of(ctx, gpu)))


def sold(ctx: Context, gpu: GpuSpec, n: int) -> bool:
    """Whether an allowed offer sells ``gpu`` in a shape that holds an ``n``-GPU engine, within ``max_gpus``
    (the self-hosted backend's test, without the estimate), for every searched count at once per workload shape."""
    found = ctx.shared.get(("sold", gpu.id))
    if found is None:
        most, offers = ctx.workload.max_gpus, offers_of(ctx, gpu)
        found = ctx.shared[("sold", gpu.id)] = {c: any((shape := o.shape_for(c)) is not None and shape[0] * shape[1] <= max(c, most)
                                                       for o in offers) for c in GPU_COUNTS}
    hit = found.get(n)
    if hit is None:  # not a searched count
        return any((shape := o.shape_for(n)) is not None and shape[0] * shape[1] <= max(n, ctx.workload.max_gpus)
                   for o in offers_of(ctx, gpu))
    return hit


def _unit(ctx: Context, gpu: GpuSpec) -> float:
    """The cheapest allowed $/GPU-hour of ``gpu``, once per workload shape."""
    unit = ctx.shared.get(("unit", gpu.id))
    if unit is None:
        unit = ctx.shared[("unit", gpu.id)] = float(min((o.usd_per_gpu_hour for o in offers_of(ctx, gpu)), default=0))
    return unit


def least_run(ctx: Context, gpu: GpuSpec) -> tuple[float, float]:
    """(the cheapest allowed $/GPU-hour, the replica-hours a month an interactive deployment runs at least) that
    ``priced_out`` reads; (0, 0) for batch work, which no count is priced out of. A search reads them once and tests
    ``unit > 0 and hours >= best_usd * (1 - TIE) / (unit * n)`` per count, as ``priced_out`` does. Both read the
    workload's shape alone (latency, ``min_replicas``, the allowed offers), so the pair is kept per shape."""
    if ctx.workload.latency == "batch":
        return 0.0, 0.0
    found = ctx.shared.get(key := ("least-run", gpu.id))
    if found is None:
        found = ctx.shared[key] = (_unit(ctx, gpu), least_replicas(ctx.workload) * HOURS_PER_MONTH)
    return found


def least_replicas(w) -> int:
    """The fewest replicas an interactive plan runs every hour: ``min_replicas``, the floor of autoscaling (0: none in
    the hours the day's profile gives no traffic) and, at least 1, of a fixed plan (the peak's replicas)."""
    return w.min_replicas


def priced_out(ctx: Context, gpu: GpuSpec, n: int, best_usd: Decimal | float) -> bool:
    """Whether ``n`` GPUs per engine, and so any larger count, must bill at least ``best_usd`` a month (within ``TIE``)
    on the least an interactive deployment runs: ``least_replicas`` every hour at the cheapest
    $/GPU-hour (``cannot_beat``'s first floor, which grows with the count: a search over rising counts stops there)."""
    unit, hours = least_run(ctx, gpu)  # (0, 0) for batch work: never priced out
    return unit > 0 and hours >= float(best_usd) * (1 - TIE) / (unit * n)


def cannot_beat(ctx: Context, gpu: GpuSpec, n: int, best_usd: Decimal | float, estimate: Callable[[], tuple[bool, float, float]]) -> bool:
    """Whether ``n`` GPUs per engine must bill at least ``best_usd`` a month (within ``TIE``), whatever the offer,
    shape or price kind: then costing them cannot change the answer. ``estimate()`` gives the configuration's
    (fits, output tokens/s, TTFT ms).

    The floor is the replica-hours of the cheaper of the policies ``billing.plans`` prices, counted as if every
    replica were one engine that bills only its own GPUs and starts instantly, at the cheapest allowed
    $/GPU-hour. ``rate`` is what one engine may be planned to carry (``queueing.planned_output_rate``); a
    replica of ``dp`` engines needs ``ceil(x / dp)`` replicas where one engine each needs ``ceil(x)``, and
    ``dp x ceil(x / dp) >= ceil(x)``. Interactive: fixed replicas for the peak, or each hour's replicas (at least
    ``min_replicas``), cold starts not counted, or per-request workers (a serverless offer: each hour at least its
    burst's load over ``rate``, not rounded up: ``per_request.floor_hours``). Batch: fixed replicas for the deadline, or the job's
    hours alone. Bigger instances, cold starts and billing increments only add; 1e-6 of a replica is taken off
    for float arithmetic. Cheap bounds are tried before the hour-by-hour sum."""
    return floor_test(ctx, gpu, lambda _n: estimate())(n, float(best_usd))


def floor_test(ctx: Context, gpu: GpuSpec, estimate_of: Callable[[int], tuple[bool, float, float]]) -> Callable[[int, float], bool]:
    """``cannot_beat`` for one search's GPU, as ``test(n, best_usd)`` (``estimate_of(n)``: the count's (fits, output
    tokens/s, TTFT ms)): what it reads of the workload, its day and the GPU's offers is read once, not per count (a
    batch-pipeline edit tests ~2,300 counts)."""
    w, ceil = ctx.workload, math.ceil
    read = ctx.memo.get(("floor", gpu.id))  # once per run and GPU
    if read is None:
        sold(ctx, gpu, GPU_COUNTS[0])  # the GPU's sold counts, worked out once per workload shape
        day = ctx.day
        read = ctx.memo[("floor", gpu.id)] = (
            ctx.shared[("sold", gpu.id)], _unit(ctx, gpu), w.min_replicas, least_replicas(w), w.latency == "batch",
            w.required_output_tokens_per_s, w.mean_output_tokens_per_s, day.peak_to_mean, day.within_hour_peak, day.lightest,
            day.busiest, day.hourly, per_request_priced(ctx, gpu), w.traffic_days, w.idle_days)
    found, unit, floor, least, batch, required, mean, peak, in_hour, lightest, busiest, hourly, per_req, busy, idle = read

    def test(n: int, best_usd: float) -> bool:
        if not found.get(n, False) if n in found else not sold(ctx, gpu, n):
            return True  # no allowed offer sells a shape that holds it: it cannot be billed at all
        if unit <= 0:
            return False
        need = best_usd * (1 - TIE) / (unit * n)  # replica-hours a month at or above which it cannot win
        if not batch and least * HOURS_PER_MONTH >= need:
            return True  # an interactive deployment runs at least ``least`` replicas every hour: no estimate needed
        fits, tokens_per_s, ttft_ms = estimate_of(n)
        if not fits:
            return False
        rate = queueing.planned_output_rate(tokens_per_s, ttft_ms, w, prefill=0.0)  # no prefill time: the most it may carry
        if rate <= 0:
            return False
        if batch:
            return (max(1, ceil(required / rate - 1e-6)) * HOURS_PER_MONTH >= need
                    and mean / rate * 24 * busy >= need)
        if max(1, ceil(mean * peak / rate - 1e-6)) * HOURS_PER_MONTH < need:
            return False  # fixed replicas might
        a = mean * in_hour / rate
        rest = 24 * floor * idle  # the days without traffic run the floor
        if per_req and sum(max(floor, a * x - 1e-6) for x in hourly) * busy + rest < need:
            return False  # serverless workers that follow the requests might (``per_request.floor_hours``: no ceilings)
        if max(floor, a) * 24 * busy + rest >= need:  # every hour runs at least max(floor, its load); the loads average a
            return True
        # The hours' replicas lie between those of the lightest and the busiest hour: where 24 of either settle it, no sum.
        if 24 * max(floor, ceil(a * busiest - 1e-6)) * busy + rest < need:
            return False
        if 24 * max(floor, ceil(a * lightest - 1e-6)) * busy + rest >= need:
            return True
        return sum(max(floor, ceil(a * x - 1e-6)) for x in hourly) * busy + rest >= need
    return test


def engine_priced_out(ctx: Context, deployment: str, model: ModelSpec, gpu: GpuSpec, precision: str, price, eng: ServingProfile,
                      best, seed, size: tuple | None = None) -> bool:
    """Whether the self-hosted search's ``_evaluate_precision`` (not explaining) stops at this engine's smallest count,
    priced out (``priced_out``) by the bound it would get: ``best`` (the search's best ``Costed`` so far) and the
    ``seed``'s cap. Then it returns nothing, and the search skips the call. ``size``: the engine's ``sizing``, where the
    search has it."""
    if ctx.workload.latency == "batch" or (precision == "mxfp4-experts" and not model.is_moe):
        return False
    counts = (size or sizing(ctx, deployment, model, gpu, precision, eng, price.provider))[3]
    if not counts:
        return False
    beat = best.plan.monthly_usd if best is not None else None
    if seed is not None:
        cap = seed.plan.monthly_usd * SEED_ABOVE if seed.eng is not eng or counts[0] <= seed.n else seed.plan.monthly_usd
        beat = cap if beat is None else min(beat, cap)
    return beat is not None and priced_out(ctx, gpu, counts[0], beat)


def _lora_plan(ctx: Context) -> lora.LoraPlan | None:
    """``lora.plan_for`` the run's workload, once per run: its GPU slots follow the sequences in flight, so the volume,
    and the ``Context.shared`` entries made with adapters carry the plan in their keys."""
    plan = ctx.memo.get("lora", False)
    return (ctx.memo.setdefault("lora", lora.plan_for(ctx.workload))) if plan is False else plan


def _bound(ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, kv_prec: str, eng: ServingProfile) -> tuple:
    """(fits, output tokens/s, TTFT ms) of a configuration, for the bill floor (``bounds.cannot_beat``), once per workload
    shape: from its prelude where made (or where LoRA adapters change the estimate), else ``memo_bound``'s three numbers."""
    key = ("bound", model.id, gpu.id, n, precision, kv_prec, eng.id, _lora_plan(ctx))
    found = ctx.shared.get(key)
    if found is None:
        made, w = ctx.shared.get(("prelude", model.id, gpu.id, n, precision, kv_prec, eng.id, _lora_plan(ctx))), ctx.workload
        if made is not None:  # read from the prelude, not kept twice (nor a reason for the shape to be stored again)
            return made[0].fits, made[0].output_tokens_per_s, made[0].ttft_ms
        if _lora_plan(ctx) is None:
            found = memo_bound(model, gpu, n, precision, w.input_tokens, w.output_tokens, kv_prec, w.tpot_limit_ms, eng, cached_tokens(w),
                               ttft_target(w))
        else:
            e = _prelude(ctx, model, gpu, n, precision, kv_prec, eng)[0]
            found = (e.fits, e.output_tokens_per_s, e.ttft_ms)
        ctx.shared[key] = found
    return found


def known_bound(ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, kv_prec: str, eng: ServingProfile) -> tuple | None:
    """``_bound``'s three numbers where this workload shape has them already (from the bound or the prelude), else None:
    nothing is estimated."""
    key = (model.id, gpu.id, n, precision, kv_prec, eng.id, _lora_plan(ctx))
    found = ctx.shared.get(("bound", *key))
    if found is None and (made := ctx.shared.get(("prelude", *key))) is not None:
        found = made[0].fits, made[0].output_tokens_per_s, made[0].ttft_ms
    return found


def sizing(ctx: Context, deployment: str, model: ModelSpec, gpu: GpuSpec, precision: str, eng: ServingProfile,
           provider: str) -> tuple:
    """(KV precision, smallest GPU count that fits or None, static rejections, the GPU counts to search) of a
    configuration, once per workload shape (``Context.shared``)."""
    key = ("sizing", model.id, gpu.id, precision, eng.id, provider, _lora_plan(ctx))
    found = ctx.shared.get(key)
    if found is None:
        w = ctx.workload
        kv_prec, fitting, static = _sizing(deployment, model, gpu, precision, eng, w.context_max_tokens, w.max_gpus, provider,
                                           _lora_plan(ctx))
        if fitting == PIPELINE_GPUS:  # PP3: only where the provider sells 3 GPUs
            fitting, static = pipeline_sold(model, gpu, precision, deployment, provider, offers_of(ctx, gpu), static)
        counts = () if fitting is None else tuple(c for c in sorted({fitting, *GPU_COUNTS}) if fitting <= c <= w.max_gpus)
        found = ctx.shared[key] = (kv_prec, fitting, static, counts)
    return found


def _prelude(ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, kv_prec: str,
             eng: ServingProfile) -> tuple[Estimate, bool, float, tuple, tuple[int, int]]:
    """The part of ``_cost`` that does not depend on the traffic volume, kept per workload shape (``Context.shared``):
    the estimate; whether it works at all (fits; interactive: meets the TPOT limit and the TTFT target); the output
    tokens/s one engine may be planned to carry (``queueing.planned_output_rate``, headroom for queueing); and the
    allowed offers with a shape that holds the engine, each with its engines per replica; and the tokens a running
    sequence holds in the KV cache (``admission_context``) with their KV bytes.

    A replica is what one sold instance (or one group of instances over a cluster interconnect) runs: an 8-GPU
    instance holding a 2-GPU engine runs 4 engines side by side (data parallel), never one engine with 6 idle GPUs,
    and never an engine split over separate small instances."""
    key = ("prelude", model.id, gpu.id, n, precision, kv_prec, eng.id, _lora_plan(ctx))
    found = ctx.shared.get(key)
    if found is None:
        w = ctx.workload
        e = _estimate(model, gpu, n, precision, w.input_tokens, w.output_tokens, kv_prec, w.tpot_limit_ms, eng, _lora_plan(ctx),
                      cached_tokens(w), ttft_target(w))
        works = e.fits and not (w.latency == "interactive" and (not e.meets_tpot_limit or e.ttft_ms >= w.ttft_ms))
        planned = queueing.planned_of(e, w) if e.fits else 0.0
        shaped = []
        most = max(n, w.max_gpus)
        for o in offers_of(ctx, gpu):
            shape = o.shape_for(n)
            if shape is None or shape[0] * shape[1] > most:
                continue  # not sold in a shape that holds the replica, or a bigger machine than the workload allows
            if n == PIPELINE_GPUS and (shape[0] * shape[1]) % n:
                continue  # PP3 on a 4-GPU instance bills a GPU it leaves idle: the 4-GPU engine, searched too, uses it (trial 35)
            shaped.append((o, max(1, shape[0] // n) if shape[1] == 1 else 1))
        adm_ctx = admission_context(e, eng)
        found = ctx.shared[key] = (e, works, planned, tuple(shaped), (adm_ctx, e.kv_bytes(adm_ctx)))
    return found


def slowed(ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, kv_prec: str, eng: ServingProfile,
           err: float) -> Estimate:
    """The configuration's estimate were its engine ``err`` slower than estimated, under the workload's TPOT target: a
    step that much slower at the same batch is a TPOT ``1 / (1 - err)`` times the estimate's, so the batch is the one
    whose estimated TPOT meets ``1 - err`` times the target (``explain.slower_engine_reason``; its throughput is then
    ``1 - err`` times the estimate's at that batch)."""
    w = ctx.workload
    return _estimate(model, gpu, n, precision, w.input_tokens, w.output_tokens, kv_prec, w.tpot_limit_ms * (1 - err), eng,
                     _lora_plan(ctx), cached_tokens(w), ttft_target(w))


def _estimate(model: ModelSpec, gpu: GpuSpec, n: int, precision: str, inp: int, out: int, kv: str, tpot: float | None,
              eng: ServingProfile, plan: lora.LoraPlan | None, cached: int = 0, ttft: float | None = None) -> Estimate:
    """``memo_estimate``, or with LoRA adapters planned the estimate with their memory and their overhead."""
    if plan is None:
        return memo_estimate(model, gpu, n, precision, inp, out, kv, tpot, eng, cached, ttft)
    return _lora_estimate(model, gpu, n, precision, inp, out, kv, tpot, eng, plan, cached, ttft)


@memoized
@lru_cache(maxsize=65536)
def _lora_estimate(model: ModelSpec, gpu: GpuSpec, n: int, precision: str, inp: int, out: int, kv: str, tpot: float | None,
                   eng: ServingProfile, plan: lora.LoraPlan, cached: int = 0, ttft: float | None = None) -> Estimate:
    ratio = lora.overhead(model, plan, weight_bytes(model, resolve_precision(precision, gpu.vendor)).total)[0]
    return memo_estimate(model, gpu, n, precision, inp, out, kv, tpot, lora.profile_for(eng, model, n, plan, ratio), cached, ttft)


def admission_context(e, profile: ServingProfile) -> int:
    """Tokens a running sequence holds in the KV cache when the batch is admitted: what the estimate sized
    its batch on (``Estimate.admission_context_tokens`` where the estimate states it)."""
    stated = getattr(e, "admission_context_tokens", None)
    if stated:
        return int(stated)
    if profile.efficiency.kv_admission == "average":
        return int(e.input_tokens + e.output_tokens / 2.0)
    return e.input_tokens + e.output_tokens
