"""Searches settled for higher volumes: a self-hosted search (``SelfHostedBackend._search``) whose answer a re-rank at a
higher traffic volume can give without searching again.

Why the answer holds: every configuration's bill rises with the volume (more replicas, more replica-hours, longer jobs;
an autoscaled day's scale-ups cost less than an hour each, so losing some never outweighs the replica-hours that removed
them), so a configuration that lost to the winner's bill loses to the same bill at a higher volume. Where the winner
bills exactly the same there (the same fixed replicas), it still wins, with the ties the search breaks the same way.

Two failures are not monotone: a plan that does not exist (an autoscaled day with the same replicas every hour, which a
higher volume makes differ) and a KV cache short for the sequences in flight (more replicas hold fewer each). A search
that saw either (``failed``) is not kept, nor one of interactive work that may not run fixed replicas (``monotone``):
where fixed replicas are allowed, an autoscaled day that appears at a higher volume bills at least the floor's replicas
every hour, no less than the fixed plan it replaces (the peak's replicas, no more than the floor when every hour ran it).

At a lower volume other configurations' bills fall too: the search runs, unless a search kept at a volume no higher
than it (a value typed before) answers it the same way. ``tests/test_speed_settled.py`` ranks rising,
falling and mixed volumes against each volume ranked alone."""

from __future__ import annotations

from advisor.cost import queueing
from advisor.ranking import bounds
from advisor.ranking.context import Context, per_shape
from advisor.ranking.costed import Costed

_FAILS = "volume-fails"
"""``Context.memo`` key: how many configurations of this run failed for the volume (no plan, or a KV cache short for the
sequences in flight)."""
_LATENCY = ("too-slow", "ttft")
"""Rejections a search drops once it has a winner."""


def monotone(w) -> bool:
    """Whether a configuration's bill can only rise with the volume, given it has a plan and fits: batch work, or
    interactive work that may run fixed replicas, unless serverless workers may follow the requests with none kept up
    (``min_replicas`` 0): that plan exists only where the traffic keeps the cold starts rare enough, so a higher volume
    can bring one in under a bill that lost."""
    if w.latency == "batch":
        return True
    return "fixed" in w.scaling_policies and not (w.min_replicas == 0 and "per-request" in w.scaling_policies
                                                  and "serverless" in w.pricing_kinds)


def failed(ctx: Context) -> None:
    """A configuration failed for the volume: the search costing it is not kept."""
    ctx.memo[_FAILS] = ctx.memo.get(_FAILS, 0) + 1


def fails(ctx: Context) -> int:
    return ctx.memo.get(_FAILS, 0)


KEPT = 6
"""Searches kept per search key, the newest: a user who types a volume up and deletes a digit (or steps a value down
and back) returns to a volume ranked before, whose answer settles the search at any volume no lower than it."""


def record(ctx: Context, key: tuple) -> tuple | None:
    """A kept search of ``key`` (the search's sizing key): (volume, bill, engine id, GPU count, KV precision). The one
    of the highest volume no higher than this run's, which may answer (``answer``); where every kept one is higher, the
    lowest of them (it only seeds nothing: the search runs); None where none is kept."""
    kept = per_shape(ctx.shared, "settled").get(key)
    if not kept:
        return None
    volume, below, low = ctx.workload.requests_per_day, None, None
    for r in kept:  # (one pass, no list: asked once per search, hundreds of times an edit)
        if r[0] <= volume:
            if below is None or r[0] > below[0]:
                below = r
        elif low is None or r[0] < low[0]:
            low = r
    return below or low


def keep(ctx: Context, key: tuple, best: Costed) -> None:
    """Keep a search's answer (it saw no failure for the volume): the volume, its winner and its bill, beside the
    ``KEPT - 1`` newest others of the key (any of them answers at a volume no lower than its own: ``answer``)."""
    if monotone(ctx.workload):
        volume = ctx.workload.requests_per_day
        store = per_shape(ctx.shared, "settled")
        kept = tuple(r for r in store.get(key, ()) if r[0] != volume)[-(KEPT - 1):]
        store[key] = kept + ((volume, best.plan.monthly_usd, best.eng.id, best.n, best.kv_prec),)


def answer(backend, ctx: Context, model, gpu, precision: str, price, sized: list, seed: Costed | None, kept: tuple) -> list | None:
    """The search's answer from ``kept`` at a volume at least its own, where its winner bills the same now; else None (then
    the search runs). ``seed``: the winner costed at this volume where the search has it."""
    volume, bill, eng_id, n, kv_prec = kept
    if ctx.workload.requests_per_day < volume:  # (the search does not ask)
        return None
    if seed is not None and seed.eng.id == eng_id and seed.n == n:
        k = seed
    else:
        eng = next((e for e, _ in sized if e.id == eng_id), None)
        if eng is None:
            return None
        k = backend._cost(ctx, model, gpu, n, precision, kv_prec, price, eng)
    if not isinstance(k, Costed) or k.plan.monthly_usd != bill:
        return None
    return _explained(backend, ctx, model, gpu, precision, price, sized, k)


def by_floors(backend, ctx: Context, model, gpu, precision: str, price, sized: list, seed: Costed, key: tuple) -> list | None:
    """The search's answer where every other configuration's bill floor (``bounds.floor_test``) reaches the seed's bill,
    told at once from the least GPUs per planned output token/s among them (``_least_ratio``); else None (then the search
    runs). A floor that reaches a bound reaches any lower one, and the search bounds each configuration by the seed's bill
    times ``SEED_ABOVE`` or less, so it would cost the seed alone, and keep it.

    The floor of ``n`` GPUs planned to carry ``rate`` output tokens/s is, as ``floor_test`` counts it, at least
    ``unit x n x HOURS_PER_MONTH x`` the larger of the replicas every hour (``least_replicas``) and, less the 1e-6 of a
    replica its ceilings take off, the mean rate (interactive: times the within-hour peak, no more than the peak's, per-request
    serverless workers too) over ``rate``; batch work needs its mean rate at least (its deadline's rate is no lower)."""
    least = _least_ratio(backend, ctx, model, gpu, precision, sized, seed, key)
    if least is None or floors_reach(ctx, gpu, least) < float(seed.plan.monthly_usd * bounds.SEED_ABOVE) * (1 - bounds.TIE):
        return None
    before = fails(ctx)
    got = _explained(backend, ctx, model, gpu, precision, price, sized, seed)
    if got is not None and fails(ctx) == before:
        keep(ctx, key, seed)
    return got


def floors_reach(ctx: Context, gpu, least: tuple) -> float:
    """The least bill a month any configuration ``least`` covers (``_least_ratio``) may have, as ``floor_test`` counts
    it: a floor test skips each of them for a bound of at most this over ``1 - TIE``. 0 where there is no price.
    Configurations with no estimate yet (interactive work only) count the replicas every hour alone."""
    unit = bounds._unit(ctx, gpu)
    ratio, n_min, n_max, n_unknown = least
    w = ctx.workload
    least_replicas = 0 if w.latency == "batch" else bounds.least_replicas(w)
    hours = []
    if ratio is not None:
        rate = w.mean_output_tokens_per_s * (1.0 if w.latency == "batch" else ctx.day.within_hour_peak)
        share = w.days_per_week / 7.0  # (the days without traffic run the floor, or no job)
        hours.append(max(least_replicas * n_min, rate * ratio * share - 1e-6 * n_max))
    if n_unknown is not None:
        hours.append(least_replicas * n_unknown)
    return max(0.0, min(hours, default=0.0) * bounds.HOURS_PER_MONTH * unit)


def _least_ratio(backend, ctx: Context, model, gpu, precision: str, sized: list, seed: Costed, key: tuple) -> tuple | None:
    """(least GPUs per planned output token/s, fewest GPUs, most GPUs, fewest GPUs of a configuration not estimated yet)
    over the search's configurations other than the seed and the first engine's smallest count where it is costed to
    explain it (unless it works at any volume), those sold, fitting and planned to carry something (the others cannot win:
    ``_cost`` finds no bill or no working configuration). Worked out once per workload shape and search; the fewest and
    most GPUs are over all of them, the seed's too (which can only lower the floor). None where none is left, or where
    batch work has a configuration not estimated that could not be now."""
    memo = per_shape(ctx.shared, "least-ratio")
    found = memo.get(key)
    if found is None:
        found = memo[key] = _ratios(backend, ctx, model, gpu, precision, sized)
    ratios, n_min, n_max, n_unknown, whole = found
    ratio = next((r for r, eng_id, n in ratios if eng_id != seed.eng.id or n != seed.n), None)
    return None if not whole or (ratio is None and n_unknown is None) else (ratio, n_min, n_max, n_unknown)


def _ratios(backend, ctx: Context, model, gpu, precision: str, sized: list) -> tuple:
    """(each estimated configuration's (GPUs per planned output token/s, engine id, GPUs), least first; their fewest and
    most GPUs; the fewest GPUs of those not estimated; whether every configuration is counted) for ``_least_ratio``.

    Interactive work reads only the estimates the search made (a count it never estimated is priced out by the replicas
    every hour; estimating it here would cost more than the search); batch work estimates what is missing (its search
    estimates every count it tests), except where the lookups hold an adapter plan, which follows the volume."""
    w, ratios, unknown = ctx.workload, [], []
    known_only = w.latency != "batch" or bounds._lora_plan(ctx) is not None
    for i, (eng, (kv, fitting, _static, counts)) in enumerate(sized):
        for n in counts if fitting is not None else ():
            if not bounds.sold(ctx, gpu, n) or (i == 0 and n == fitting and not backend._sure(ctx, model, gpu, n, precision, kv, eng)):
                continue  # not sold; costed to explain it (``_explained``)
            got = bounds.known_bound(ctx, model, gpu, n, precision, kv, eng) if known_only else bounds._bound(ctx, model, gpu, n, precision, kv, eng)
            if got is None:
                if w.latency == "batch":
                    return (), 0, 0, None, False
                unknown.append(n)
                continue
            fits, tokens_per_s, ttft_ms = got
            rate = queueing.planned_output_rate(tokens_per_s, ttft_ms, w, prefill=0.0) if fits else 0.0
            if rate > 0:
                ratios.append((n / rate, eng.id, n))
    ratios.sort()
    counts = [n for _, _, n in ratios]
    return tuple(ratios), min(counts, default=0), max(counts, default=0), min(unknown, default=None), True


def _explained(backend, ctx: Context, model, gpu, precision: str, price, sized: list, seed: Costed) -> list | None:
    """The first engine's volume-free rejections, its smallest count's where costed to explain it (unless the seed, or it
    works at any volume), and the seed's row: the search's answer when only the seed can win; None where that count works
    and bills no more than the seed (then the search decides)."""
    eng0, (kv0, fitting0, static0, _) = sized[0]
    out = [r for r in static0 if r.reasons[0].code not in _LATENCY]
    if fitting0 is not None and not (eng0 is seed.eng and fitting0 == seed.n) and not backend._sure(
            ctx, model, gpu, fitting0, precision, kv0, eng0):
        r = backend._cost(ctx, model, gpu, fitting0, precision, kv0, price, eng0)
        if isinstance(r, Costed):
            if r.plan.monthly_usd <= seed.plan.monthly_usd:
                return None
        elif r.reasons[0].code not in _LATENCY:
            out.append(r)
    return out + [backend._build(ctx, seed)]
