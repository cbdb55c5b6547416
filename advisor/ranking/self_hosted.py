"""Rented GPUs: the cheapest on-demand price per GPU type, replicas provisioned for the peak (or the
deadline), each candidate explained with the numbers that decided it."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from functools import partial

from advisor import cost
from advisor.common import fmt
from advisor.cost import billing, queueing, stall
from advisor.domain.precision import ranked_precisions
from advisor.domain.recommendation import Candidate, LazyReasons, MemoryBreakdown, Reason, Rejection
from advisor.domain.serving import ServingProfile
from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.domain.workload import HOURS_PER_MONTH
from advisor.physics import lora
from advisor.physics.engines import engines_for, precision_rejection
from advisor.physics.moe import experts_touched
from advisor.physics.performance import Estimate
from advisor.physics.sizing import weight_bytes
from advisor.ranking import bounds, engine_support, settled
from advisor.ranking.bounds import (  # noqa: F401 - _estimate, admission_context: imported from here too
    _bound,
    _estimate,
    _lora_plan,
    _prelude,
    admission_context,
)
from advisor.ranking.context import BILLS, Context, kept_fields, memo_fit, per_shape, prefix_cache_reason, row_base
from advisor.ranking.costed import Costed, bill_fields, replica_memory, shortfall, volume_fields
from advisor.ranking.explain import billing_reasons, capacity_text, latency_reason, near_miss, slower_engine_reason, stall_reason, unpriced
from advisor.ranking.fitting import GPU_COUNTS, _sizing, min_gpus_at
from advisor.ranking.serverless_text import Costing
from advisor.ranking.ties import DENSE_FIRST_UP_TO

SHORT_CONTEXT_TOKENS = 8192
"""The context the "KV cache sets the GPU count" reason compares against."""
LOW_UTILIZATION = 0.35
"""Below this average utilization the GPUs mostly idle (a decisive reason)."""
VERY_LOW_UTILIZATION = 0.15
UNEXPLAINED = Rejection(model="", deployment="self-hosted", reasons=(Reason(
    "unexplained", "does not work (not explained: the search explains the smallest GPU count's failure only)", "info"),))
"""What ``_cost`` returns for a configuration that does not work when no one will read why."""
_WON = "won"
"""``Context.shared`` key head: the (engine id, GPU count) that won a search last (``SelfHostedBackend._search``)."""
_VOLUME_READS = "volume-reads"
"""``Context.memo`` key: how many configurations of this run reached a bill (the first step that reads the volume)."""



class SelfHostedBackend:
    """Rented GPUs: for each GPU type and count, the cheapest way to buy the capacity (a provider's
    sold shape, a price kind, a scaling policy; see ``advisor.cost.billing``)."""

    name = "self-hosted-gpu"
    deployment = "self-hosted"

    def evaluate(self, ctx: Context, model: ModelSpec) -> Iterable[Candidate | Rejection]:
        w = ctx.workload
        gpus = [g for g in ctx.catalog.gpus.values() if not w.gpu_types or g.id in w.gpu_types]
        out: list[Candidate | Rejection] = []
        plan = _lora_plan(ctx)
        refused: dict[str, ServingProfile] = {}
        served, screens = False, per_shape(ctx.shared, "engine-screens")
        for gpu in gpus:
            price = ctx.shared.get(("cheapest", gpu.id), False)
            if price is False:
                price = ctx.shared[("cheapest", gpu.id)] = ctx.prices.cheapest_gpu(gpu.id, w.providers, w.pricing_kinds)
            if price is None:
                if w.gpu_types:  # a GPU the user named: say why it is not ranked (no price of an allowed kind, provider)
                    out.append(unpriced(ctx, model, gpu, self.deployment))
                continue
            profiles = ctx.shared.get(("engines", gpu.id))
            if profiles is None:
                profiles = ctx.shared[("engines", gpu.id)] = engines_for(ctx.catalog, gpu, w.engines)
            if plan is not None:  # adapters: only the engines that serve them on this model
                refused.update((p.id, p) for p in profiles if not lora.serves(p, model, plan))
                profiles = tuple(p for p in profiles if lora.serves(p, model, plan))
                served = served or bool(profiles)
            hit = screens.get(key := (model.id, gpu.id, price.provider, profiles))  # what the screens read (and the catalog)
            if hit is None:  # the engines left, the results' screen, each precision's engines (native's too): once per shape
                left, screened = engine_support.screen(model, gpu, profiles, price.provider, self.deployment)
                hit = screens[key] = (left, screened, [(p, e, tuple(x.id for x in e)) for p in ranked_precisions(w.precisions, model.native_precision)
                                                       for e in (engine_support.for_precision(model, gpu, p, left),)])  # ids: for keys
            profiles, screened, by_precision = hit
            for precision, engines, ids in by_precision if profiles else ():
                out.extend(screened(self._best_engine(ctx, model, gpu, precision, price, engines, ids)))
            out.extend(() if profiles else screened([]))  # no engine left: the rejection saying which refuses it
        if plan is not None and refused and not served:
            out.append(lora.rejection(model, plan, refused))
        return out

    def _best_engine(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, precision: str, price,
                     profiles: tuple[ServingProfile, ...], ids: tuple[str, ...]) -> list[Candidate | Rejection]:
        """Each allowed engine that serves the precision on this GPU, and the cheapest candidate among them (the
        rejections explained are the default engine's: the first that serves the precision). An outcome that never read the traffic volume (no configuration got as far as a bill: none fits, is fast
        enough or is sold) is the same for any volume, so it is kept per workload shape (``Context.shared``). ``ids``: the
        profiles' ids, which stand for them in the lookups' keys (a profile is resolved for the GPU in the key, and
        hashing the id's string costs a tenth of hashing the profile; so for ``eng.id`` in the search's keys)."""
        key = ("outcome", model.id, gpu.id, precision, price.provider, ids, _lora_plan(ctx))
        kept = ctx.shared.get(key)
        if kept is not None:
            return list(kept)
        reads = ctx.memo.get(_VOLUME_READS, 0)
        out = self._search(ctx, model, gpu, precision, price, profiles, ids)
        if ctx.memo.get(_VOLUME_READS, 0) == reads:
            ctx.shared[key] = tuple(out)
        return out

    def _search(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, precision: str, price,
                profiles: tuple[ServingProfile, ...], ids: tuple[str, ...]) -> list[Candidate | Rejection]:
        """The cheapest configuration over the engines and GPU counts (``_evaluate_precision``), seeded with the last winner
        of this (model, GPU, precision, provider) for the workload shape costed at this volume (``_seed``; kept for a winner
        that is not the first configuration costed): bounded from just above its bill, the answer is the unseeded one's."""
        best: Costed | None = None
        rejections: list[Rejection] | None = None
        costed: dict[int, tuple[float, int]] = {}
        key = ("serves", gpu.id, precision, ids)
        why = ctx.shared.get(key)
        if why is None:
            why = ctx.shared[key] = ("" if any(e.serves(precision) for e in profiles) else
                                     precision_rejection(ctx.catalog, gpu, precision, ctx.workload.engines))
        if why:  # no allowed engine serves these weights on this GPU (engine profiles' hardware needs)
            return [Rejection(model=model.id, deployment=self.deployment, provider=price.provider, gpu=gpu.id, precision=precision,
                              reasons=(Reason("precision-unsupported", why, "decisive"),))]
        if precision == "mxfp4-experts" and not model.is_moe:  # what every engine's ``_evaluate_precision`` gives
            return []
        won = (_WON, model.id, gpu.id, precision, price.provider)
        sized = ctx.shared.get(skey := ("sized", model.id, gpu.id, precision, price.provider, ids, _lora_plan(ctx)))
        if sized is None:  # each engine serving the weights, with its sizing: once per workload shape
            sized = ctx.shared[skey] = [(e, bounds.sizing(ctx, self.deployment, model, gpu, precision, e, price.provider))
                                        for e in profiles if e.serves(precision)]
        # A search kept at a volume no higher than this one (``settled.record``): its winner seeds the search and may answer
        # it. Below every kept volume the search runs from the last winner of its own kind (the floors seldom settle a lower
        # volume of interactive work, every bill falling with it; a batch job's floors are tight enough to try).
        record = settled.record(ctx, skey)
        rising = record is not None and ctx.workload.requests_per_day >= record[0]
        seed = self._seed(ctx, model, gpu, precision, price, profiles, record[2:4] if rising else ctx.shared.get(won), sized)
        if rising and (kept := settled.answer(self, ctx, model, gpu, precision, price, sized, seed, record)) is not None:
            return kept
        if (rising or record is None or ctx.workload.latency == "batch") and seed is not None and (
                kept := settled.by_floors(self, ctx, model, gpu, precision, price, sized, seed, skey)) is not None:
            return kept
        fails = settled.fails(ctx)
        after = seed is None  # past the seed's engine in the search's order
        for eng, size in sized:
            if rejections is not None and bounds.engine_priced_out(ctx, self.deployment, model, gpu, precision, price, eng,
                                                                   best, None if after else seed, size):
                after = after or eng is seed.eng
                continue  # what ``_evaluate_precision`` would find at once: nothing (it explains the first engine only)
            results = self._evaluate_precision(ctx, model, gpu, precision, price, eng, explain=rejections is None, costed=costed,
                                               bound=best.plan.monthly_usd if best is not None else None,
                                               seed=None if after else seed, size=size)
            after = after or eng is seed.eng
            if rejections is None:
                rejections = [r for r in results if isinstance(r, Rejection)]
            for k in results:
                if isinstance(k, Costed) and (best is None or k.plan.monthly_usd < best.plan.monthly_usd):
                    best = k
        out: list[Candidate | Rejection] = list(rejections or [])
        if best is not None:
            first, (_, fitting, _, _) = sized[0]  # its smallest count is costed first: no seed needed
            if (seed is None or (best.eng.id, best.n) != (seed.eng.id, seed.n)) and (best.eng is not first or best.n != fitting):
                ctx.shared[won] = (best.eng.id, best.n)
            out = [r for r in out if r.reasons[0].code not in ("too-slow", "ttft")] + [self._build(ctx, best)]
            if settled.fails(ctx) == fails:
                settled.keep(ctx, skey, best)
        return out

    def _seed(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, precision: str, price, profiles: tuple[ServingProfile, ...],
              won: tuple[str, int] | None, sized: list) -> Costed | None:
        """The last winner's configuration (engine id, GPU count) costed at this volume, when the search would consider it
        (the engine serves the precision: in ``sized``, with its ``bounds.sizing``; the count fits) and it works; else None."""
        eng, (kv_prec, _fitting, _static, counts) = next((x for x in sized if won and x[0].id == won[0]), (None, ("", None, (), ())))
        if eng is None or won is None or won[1] not in counts:  # (mxfp4-experts on a dense model: the search returned before)
            return None
        k = self._cost(ctx, model, gpu, won[1], precision, kv_prec, price, eng)  # as the last search costed it: no new lookups
        return k if isinstance(k, Costed) else None

    def _evaluate_precision(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, precision: str, price, eng: ServingProfile,
                            explain: bool = True, costed: dict[int, tuple[float, int]] | None = None,
                            bound: Decimal | None = None, seed: Costed | None = None, size: tuple | None = None) -> list[Costed | Rejection]:
        """The cheapest working GPU count for this engine (as ``Costed``) and, when ``explain``, the rejections
        a user would ask about (the next smaller count, a 3-way split, too slow).

        Every count from the smallest that fits to ``max_gpus`` is considered; a count whose bill cannot go under
        the best found, this engine's or ``bound`` (another engine's), is not costed (``bounds.cannot_beat``). So the
        answer is the cheapest over all counts, found in the order counts and engines are tried, ties to the first.

        ``seed``: the last winner costed at this volume (``_search``), which bounds the counts before it in the search's
        order from just above its bill (one that bills the same still comes first) and those after it by its bill.

        ``costed`` maps a GPU count to the (output tokens/s, weight bytes) of an engine that already works on it:
        an engine no faster and no lighter on the same GPUs buys the same offers and cannot bill less (a plan's
        cost falls with capacity and rises with the weights to load), so it is not costed at that count."""
        if precision == "mxfp4-experts" and not model.is_moe:
            return []
        kv_prec, fitting, static, counts = size or bounds.sizing(ctx, self.deployment, model, gpu, precision, eng, price.provider)
        results: list[Costed | Rejection] = list(static) if explain else []
        if fitting is None:
            return results
        best: Costed | None = None
        floors: dict | None = None  # count -> the bill floor's (fits, tokens/s, TTFT), beside the shape: found once per call
        above = seed.plan.monthly_usd * bounds.SEED_ABOVE if seed is not None else None
        last, beat_f = None, 0.0  # the last bound, as a float (the floors compare floats)
        unit, least_h = bounds.least_run(ctx, gpu)  # ``bounds.priced_out``'s, read once
        for n in counts:
            # The smallest count's failure is explained: costed, unless it works at any volume (then bounded as any other).
            why = explain and best is None and n == fitting and not self._sure(ctx, model, gpu, n, precision, kv_prec, eng)
            beat = bound if best is None else best.plan.monthly_usd if bound is None else min(bound, best.plan.monthly_usd)
            if seed is not None:  # before the seed in the search's order: from just above its bill; after it: its bill
                cap = above if seed.eng is not eng or n <= seed.n else seed.plan.monthly_usd
                beat = cap if beat is None else min(beat, cap)
            if not why and beat is not None:
                if beat is not last:
                    last, beat_f = beat, float(beat)
                if unit > 0 and least_h >= beat_f * (1 - bounds.TIE) / (unit * n):  # ``bounds.priced_out``
                    break  # nor can any larger count
                if floors is None:  # ``bounds.cannot_beat`` for this call's counts
                    floors = per_shape(ctx.shared, "floors").setdefault((model.id, gpu.id, precision, kv_prec, eng.id, _lora_plan(ctx)), {})
                    beats = bounds.floor_test(ctx, gpu, lambda n, f=floors: f[n] if n in f else f.setdefault(
                        n, _bound(ctx, model, gpu, n, precision, kv_prec, eng)))
                if beats(n, beat_f):
                    continue  # cannot bill less than the best found
            seen = costed.get(n) if costed is not None else None
            if seen is not None:
                e, _works, planned, _shaped, _ = _prelude(ctx, model, gpu, n, precision, kv_prec, eng)
                if seen[0] >= planned and seen[1] <= e.weights_bytes:
                    continue
            if seed is not None and seed.n == n and seed.eng is eng:  # costed already, at this volume
                k = seed if why or beat is None or seed.plan.monthly_usd < beat else UNEXPLAINED
            else:
                k = self._cost(ctx, model, gpu, n, precision, kv_prec, price, eng, why=why, beat=None if why else beat)
            planned = k.planned if isinstance(k, Costed) else 0.0
            if isinstance(k, Costed) and costed is not None and (seen is None or planned > seen[0]):
                costed[n] = (planned, k.e.weights_bytes)
            if isinstance(k, Rejection):
                if why:
                    results.append(k)
                continue
            if best is None or k.plan.monthly_usd < best.plan.monthly_usd:
                best = k
        if best is not None:
            results = [r for r in results if not (isinstance(r, Rejection) and r.reasons[0].code in ("too-slow", "ttft"))] + [best]
        return results if explain else [r for r in results if isinstance(r, Costed)]

    def _cost(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, kv_prec: str, price,
              eng: ServingProfile, why: bool = True, beat: Decimal | None = None) -> Costed | Rejection:
        """What a configuration costs, and whether it works at all; reasons come later, for the winner only. A
        configuration that does not work is explained only when ``why`` (else ``UNEXPLAINED``): the search
        shows the failure of the smallest GPU count alone.

        ``beat`` (not with ``why``): the bill the search already has; a configuration whose bill is no lower cannot
        be chosen (the search keeps the first of equal bills), so it ends as ``UNEXPLAINED`` once its bill is known,
        before its memory is checked and its ``Costed`` built (whether it works no longer matters), or before its plans are
        made where ``billing.bills_at_least`` says none goes under it. Its GPU count is
        then not marked as costed for the next engine, which only costs that engine there (no cheaper, by the same
        argument)."""
        w = ctx.workload
        if not bounds.sold(ctx, gpu, n):  # no estimate needed; explained before any latency miss (it cannot be bought)
            return self._no_shape(ctx, model, gpu, n, precision) if why else UNEXPLAINED
        e, works, planned, shaped, (adm_ctx, kv_seq) = _prelude(ctx, model, gpu, n, precision, kv_prec, eng)
        if not why and not works:
            return UNEXPLAINED
        if not works:  # the same rejection whatever the volume: written once per workload shape
            key = ("unworkable", model.id, gpu.id, n, precision, kv_prec, eng.id, price.provider, _lora_plan(ctx))
            rej = ctx.shared.get(key)
            if rej is None:
                rej = ctx.shared[key] = self._unworkable(ctx, model, gpu, n, precision, price, e)
            return rej
        ctx.memo[_VOLUME_READS] = ctx.memo.get(_VOLUME_READS, 0) + 1  # from here on the traffic volume counts
        if beat is not None and all(billing.bills_at_least(o, n * dp, e.output_tokens_per_s * dp, w, ctx.day, e.weights_bytes, planned * dp,
                                                            beat) for o, dp in shaped):  # no plan of any offer goes under ``beat``
            return UNEXPLAINED
        held = queueing.hold_s(e, w) if w.latency == "interactive" else 0.0  # (a per-request plan's slot time)
        if len(shaped) == 1:  # one offer sells a shape that holds the engine: its plans alone
            o, dp = shaped[0]
            plan = billing.best(plans := billing.plans(o, n * dp, e.output_tokens_per_s * dp, w, ctx.day, e.weights_bytes, planned * dp,
                                                            held))
        else:
            plans = []
            engines_of: dict[int, int] = {}
            for o, dp in shaped:
                for p in billing.plans(o, n * dp, e.output_tokens_per_s * dp, w, ctx.day, e.weights_bytes, planned * dp, held):
                    plans.append(p)
                    engines_of[id(p)] = dp
            plan = billing.best(plans)
            dp = engines_of[id(plan)] if plan is not None else 1
        if plan is None:
            settled.failed(ctx)
        if plan is None or (beat is not None and plan.monthly_usd >= beat):
            return self._no_shape(ctx, model, gpu, n, precision) if why and plan is None else UNEXPLAINED
        price, replicas, gpus, capacity = plan.price, plan.replicas_peak, n * dp, e.output_tokens_per_s * dp
        avg_replicas = plan.replica_hours_per_month / HOURS_PER_MONTH
        utilization = w.mean_output_tokens_per_s * w.traffic_days * 24 / HOURS_PER_MONTH / (max(avg_replicas, 1e-9) * capacity)
        # One admission rule: the sequences an engine runs at once (Little's law at the peak, at most the
        # batch the estimate admitted) hold the length the batch was admitted at.
        if w.latency == "interactive":
            per_engine = min(float(e.batch), w.mean_requests_per_s * w.peak_to_mean / (replicas * dp) * queueing.hold_s(e, w))
        else:
            per_engine = float(e.batch)
        if shortfall(gpu, n, dp, e, per_engine, kv_seq) > 0:
            settled.failed(ctx)
            if not why:
                return UNEXPLAINED
            mem = replica_memory(gpu, n, dp, e, per_engine, adm_ctx, kv_seq)
            kv_need, short = mem.kv_cache_bytes, shortfall(gpu, n, dp, e, per_engine, kv_seq)
            label = f"{n}x {gpu.id} ({precision}, {e.engine} {e.layout})"
            return Rejection(model=model.id, deployment=self.deployment, provider=price.provider, gpu=gpu.id, gpus=gpus,
                             precision=precision, shortfall_bytes=short,
                             reasons=(Reason("kv-does-not-fit", f"the KV cache of {fmt.mean_count(mem.concurrency, 'sequence')} x {adm_ctx:,} tokens "
                                             f"({fmt.gb(kv_need)}) does not fit on {label}: short by {fmt.gb(short)}",
                                             "decisive", {"shortfall_bytes": short}),))
        return Costed(model, gpu, n, precision, kv_prec, eng, e, plan, tuple(plans), dp, utilization, per_engine, (adm_ctx, kv_seq), planned)

    def _sure(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, kv_prec: str, eng: ServingProfile) -> bool:
        """Whether ``_cost`` gives a ``Costed`` (with ``why``) at any traffic volume, once per workload shape: the count is sold,
        the configuration works, every offer selling it prices a fixed month, and the KV cache of a full batch fits (a
        volume only changes the sequences in flight, at most the batch). Then costing it explains nothing."""
        key = ("sure", model.id, gpu.id, n, precision, kv_prec, eng.id, _lora_plan(ctx))
        found = ctx.shared.get(key)
        if found is None:
            found = bounds.sold(ctx, gpu, n) and "fixed" in ctx.workload.scaling_policies
            if found:
                e, works, planned, shaped, (adm_ctx, kv_seq) = _prelude(ctx, model, gpu, n, precision, kv_prec, eng)
                found = (works and bool(shaped) and planned > 0 and e.output_tokens_per_s > 0
                         and all(shortfall(gpu, n, dp, e, float(e.batch), kv_seq) <= 0 for _, dp in shaped))
            ctx.shared[key] = found
        return found

    def _no_shape(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str) -> Rejection:
        w = ctx.workload
        sold = "; ".join(sorted({f"{o.provider} {'/'.join(map(str, o.shapes))}" + (" (+cluster)" if o.multi_node else "")
                                 for o in ctx.prices.gpu_offers(gpu.id, w.providers, w.pricing_kinds)})) or "no allowed offer"
        return Rejection(model=model.id, deployment=self.deployment, gpu=gpu.id, gpus=n, precision=precision,
                         reasons=(Reason("no-shape", f"no allowed provider sells {gpu.id} in an instance of {n} to "
                                         f"{max(n, w.max_gpus)} GPUs, or joins instances with a cluster interconnect (GPUs per "
                                         f"instance: {sold})", "decisive"),))

    def _gpu_count_reason(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, kv_prec: str,
                          eng: ServingProfile, k: Costed) -> Reason | None:
        """Why ``n`` GPUs an engine where an 8K context fits on fewer. The KV cache is said to set the count only when
        every smaller count was out for memory at this workload (the longest context, or the sequences in flight);
        otherwise the closest smaller count's reason is named (too slow, TTFT, not sold, or a higher bill)."""
        w = ctx.workload
        short = min_gpus_at(model, gpu, precision, kv_prec, SHORT_CONTEXT_TOKENS, eng) if n > 1 and w.context_max_tokens > SHORT_CONTEXT_TOKENS else None
        if not short or short >= n:
            return None
        price = ctx.shared.get(("cheapest", gpu.id)) or k.plan.price
        fitting = _sizing(self.deployment, model, gpu, precision, eng, w.context_max_tokens, w.max_gpus, price.provider, _lora_plan(ctx))[1]
        at_context = True  # every smaller count out for memory at the longest context (so far)
        for c in sorted((c for c in GPU_COUNTS if short <= c < n), reverse=True):
            if fitting is not None and c < fitting:
                continue  # one sequence at the longest context does not fit: memory
            if not memo_fit(model, gpu, c, precision, w.context_max_tokens, kv_prec, eng)[0].tp_divides_heads:
                continue
            other = self._cost(ctx, model, gpu, c, precision, kv_prec, price, eng, why=True)
            if isinstance(other, Rejection) and other.reasons[0].code in ("does-not-fit", "kv-does-not-fit"):
                at_context = False
                continue
            if isinstance(other, Costed):
                if other.plan.monthly_usd <= k.plan.monthly_usd:
                    return None
                o, h = other.plan, k.plan  # the same GPUs at the peak: the hours over the day differ
                why = (f"not as cheaply: with {c}-GPU engines this traffic needs {o.gpus_billed_at_peak} GPUs at the peak ({fmt.usd(o.monthly_usd)}/month) "
                       f"against {h.gpus_billed_at_peak} here ({fmt.usd(h.monthly_usd)}/month)" + (f": the same at the peak, but {o.billed_gpu_hours_per_month:,.0f} "
                       f"GPU-hours a month against {h.billed_gpu_hours_per_month:,.0f}" if o.gpus_billed_at_peak == h.gpus_billed_at_peak else ""))
            else:
                why = other.reasons[0].message
            return Reason("gpu-count", f"{c}x {gpu.id} would hold the {w.context_max_tokens:,}-token context too, but {why}", "info",
                          {"gpus": n, "gpus_possible": c, "gpus_at_8k": short})
        where = (f"{w.context_max_tokens:,}-token context needs" if at_context else
                 "the KV cache of this workload's sequences in flight needs")
        return Reason("kv-gpu-count", f"{where} {n} GPUs where 8K context fits on {short}: the KV cache, not the weights, sets the GPU "
                      f"count", "decisive", {"gpus": n, "gpus_at_8k": short})

    def _unworkable(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, price, e: Estimate) -> Rejection:
        """Why a configuration whose estimate does not work is out: it does not fit, or (interactive) one stream is
        slower than the TPOT limit, or the first token comes after the TTFT target."""
        w = ctx.workload
        label = f"{n}x {gpu.id} ({precision})"
        if not e.fits:
            return Rejection(model=model.id, deployment=self.deployment, provider=price.provider, gpu=gpu.id, gpus=n, precision=precision,
                             shortfall_bytes=e.shortfall_bytes,
                             reasons=(Reason("does-not-fit", f"a {w.tokens_per_request:,}-token request does not fit on {label}", "decisive"),))
        if w.latency == "interactive":
            p90 = ctx.catalog.engine.fit.p90_abs_error if ctx.catalog.engine.fit else None
            if not e.meets_tpot_limit:
                close = near_miss(e.tpot_ms, w.tpot_limit_ms, p90)
                return Rejection(model=model.id, deployment=self.deployment, provider=price.provider, gpu=gpu.id, gpus=n, precision=precision,
                                 reasons=(Reason("too-slow", f"one stream alone takes {e.tpot_ms:.1f} ms per output token on {label}: "
                                                 f"slower than the {w.output_tokens_per_s_per_user:g} tokens/s per user target "
                                                 f"({w.tpot_limit_ms:.1f} ms){close}", "decisive",
                                                 {"tpot_ms": e.tpot_ms, **({"within_error": True} if close else {})}),))
            if e.ttft_ms >= w.ttft_ms:
                close = near_miss(e.ttft_ms, w.ttft_ms, p90)
                return Rejection(model=model.id, deployment=self.deployment, provider=price.provider, gpu=gpu.id, gpus=n, precision=precision,
                                 reasons=(Reason("ttft", f"time to first token {e.ttft_ms:,.0f} ms on {label} exceeds the {w.ttft_ms:,.0f} ms target "
                                                 f"(prefill of {w.input_tokens:,} tokens){close}", "decisive",
                                                 {"ttft_ms": e.ttft_ms, **({"within_error": True} if close else {})}),))
        raise AssertionError("a configuration that works")  # pragma: no cover - _prelude said it does not

    def _build(self, ctx: Context, k: Costed) -> Candidate:
        w = ctx.workload
        model, gpu, n, precision, kv_prec, eng, e, plan, dp, utilization = k.model, k.gpu, k.n, k.precision, k.kv_prec, k.eng, k.e, k.plan, k.dp, k.utilization
        price, replicas, gpus, mem = plan.price, plan.replicas_peak, n * dp, k.memory()
        capacity, blend = e.output_tokens_per_s * dp, w.tokens_per_request / w.output_tokens
        # A re-rank bills most winners at the replicas the last one did: made once (the key decides them), but a scaling policy's bill.
        key = ("bill", id(ctx.shared), id(price), plan.instance_gpus, plan.instances_per_replica, plan.replicas_per_instance, replicas,
               capacity, blend, plan.monthly_usd if (whole := plan.policy == "fixed") else (plan.policy, plan.replicas_min))
        billed = kept_fields(key, price, lambda: bill_fields(ctx.shared, plan, capacity, blend, whole), BILLS, 8192)
        per = ("per-mtok", plan.monthly_usd, w.tokens_per_month)  # rows that bill the same, once a run
        per_mtok = ctx.memo.get(per) or ctx.memo.setdefault(per, cost.usd_per_mtok_of_volume(plan.monthly_usd, w.tokens_per_month))
        quality, bench = ctx.quality_of(model)

        def explain() -> list[Reason]:  # written when read (see LazyReasons): most candidates are never looked at
            reasons = self._reasons(ctx, model, gpu, n, precision, e, replicas, utilization, mem, eng, dp, k)
            fleet, risk = billing.fleet_reason(plan, gpu.id), slower_engine_reason(plan, gpus, e, dp, w, ctx.day, ctx.catalog.engine, partial(
                bounds.slowed, ctx, model, gpu, n, precision, kv_prec, eng))
            reasons[1:1] = billing_reasons(plan, list(k.plans), gpus, gpu.id, w, Costing(ctx, gpu, gpus, e, k.planned * dp), precision) + billing.sizing_reasons(
                plan, w, e.output_tokens_per_s, e.ttft_ms, dp, e.weights_bytes, ctx.day, queueing.prefill_ms(e), queueing.queue_count(e),
                e.batch, queueing.hold_s(e, w)) + ([fleet] if fleet else []) + [risk]
            return reasons
        fixed = kept_fields((id(e), self.deployment, model.id, model.name, gpu.id, n, dp, precision, kv_prec, quality, bench), e,
                            lambda: Candidate.fixed(  # the fields no traffic edit changes
            model=model.id, model_name=model.name, architecture=model.architecture, deployment=self.deployment, gpu=gpu.id, gpus=gpus,
            precision=precision, quality=quality, quality_benchmark=bench, output_tokens_per_s_per_replica=capacity, batch=e.batch,
            ttft_ms=e.ttft_ms, tpot_ms=e.tpot_ms, bound=e.bound, kv_precision=kv_prec, engines_per_replica=dp,
            parallelism=e.parallelism.note if dp == 1 else f"{dp} engines x {e.parallelism.note} (data parallel)",
            engine=getattr(e, "engine", None), layout=getattr(e, "layout", None)))
        base, more = row_base(fixed, billed), {} if whole else volume_fields(plan)  # both kept, merged once
        return Candidate.made_from(base, **more, usd_per_mtok=per_mtok, utilization=min(1.0, utilization), memory=mem,
                                   reasons=LazyReasons(explain))

    def _reasons(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, e, replicas: int,
                 utilization: float, mem: MemoryBreakdown, eng: ServingProfile, dp: int = 1, k: Costed | None = None) -> list[Reason]:
        w = ctx.workload
        r: list[Reason] = []
        engines = "" if dp == 1 else f" x {dp} engines per instance ({dp * e.output_tokens_per_s:,.0f} tokens/s a replica)"
        r.append(Reason("capacity", f"one engine ({n}x {gpu.id}, {e.parallelism.note}) sustains {capacity_text(e)}{engines}; "
                        f"{replicas} replica{'s' if replicas > 1 else ''} for the {'peak' if w.latency == 'interactive' else 'deadline'} "
                        f"of {w.required_output_tokens_per_s:,.0f} output tokens/s",
                        "info", {"output_tokens_per_s_per_replica": e.output_tokens_per_s * dp, "replicas": replicas, "batch": e.batch,
                                 "engines_per_replica": dp}))
        if w.latency == "interactive":
            r.append(latency_reason(e, w, ctx.catalog.engine.fit.p90_abs_error if ctx.catalog.engine.fit else None))
        if e.cached_input_tokens:
            r.append(prefix_cache_reason(e, w, mem, (model, gpu, eng)))
        paused = stall.decode_stall(e, w, eng.memory.max_batched_tokens, replicas * dp, ctx.day.peak_to_mean)
        if paused is not None:
            r.append(stall_reason(paused, e, w, eng))
        resident = weight_bytes(model, precision).routed_experts * replicas
        if model.is_moe and utilization < LOW_UTILIZATION:
            avg = max(1.0, utilization * e.batch)  # sequences a decode step runs at the average load (capacity: e.batch)
            touched = experts_touched(model.n_routed_experts, model.num_experts_per_tok, avg)
            r.append(Reason("moe-idle-experts", f"MoE at {fmt.pct(utilization)} utilization: you pay for {fmt.gb(resident)} of resident experts "
                            f"that mostly sit idle; at that load a decode step runs about {avg:,.0f} sequences and reads {touched:.0f} of "
                            f"{model.n_routed_experts} experts per layer ({e.step.experts_touched:.0f} at the full batch of {e.batch})",
                            "decisive", {"utilization": utilization, "resident_expert_bytes": resident, "experts_touched": touched,
                                         "experts_touched_at_full_batch": e.step.experts_touched}))
        elif utilization < LOW_UTILIZATION:
            r.append(Reason("low-utilization", f"{fmt.pct(utilization)} average utilization: the GPUs idle most of the time "
                            f"(provisioned for a peak {w.peak_to_mean:g}x the mean)", "decisive" if utilization < VERY_LOW_UTILIZATION else "info",
                            {"utilization": utilization}))
        else:
            r.append(Reason("utilization", f"{fmt.pct(utilization)} average utilization keeps the {fmt.gb(mem.weights_bytes)} of weights busy",
                            "info", {"utilization": utilization}))
        if mem.kv_cache_bytes > mem.weights_bytes:
            r.append(Reason("kv-dominates", f"KV cache at {mem.kv_context_tokens or w.tokens_per_request:,} tokens x {fmt.mean_count(mem.concurrency, 'concurrent sequence')} "
                            f"({fmt.gb(mem.kv_cache_bytes)}) exceeds the weights ({fmt.gb(mem.weights_bytes)})", "decisive",
                            {"kv_cache_bytes": mem.kv_cache_bytes, "weights_bytes": mem.weights_bytes}))
        count = self._gpu_count_reason(ctx, model, gpu, n, precision, e.kv_precision, eng, k) if k is not None else None
        if count is not None:
            r.append(count)
        if w.fine_tuning == "heavy":
            if model.is_moe:
                r.append(Reason("heavy-fine-tuning", f"heavy fine-tuning planned: dense first, up to {DENSE_FIRST_UP_TO}x the cheapest dense bill "
                                "(full fine-tunes of an MoE need expert-parallel training and can collapse routing; tooling is less mature)",
                                "decisive"))
            else:
                r.append(Reason("heavy-fine-tuning", "heavy fine-tuning planned: a dense model has the well-trodden full fine-tuning path", "info"))
        elif w.fine_tuning == "light" and model.is_moe:
            r.append(Reason("light-fine-tuning", "LoRA adapters on an MoE: supported by fewer serving engines and recipes than dense", "warning"))
        plan = _lora_plan(ctx)
        if plan is not None:
            r.append(lora.reason(model, plan, eng, n, dp, e, lora.sequences_in_flight(w)))
        if model.is_moe and precision in ("int4", "fp4"):
            r.append(Reason("int4-moe", f"{precision.upper()} on an MoE: expert quality risk (small experts are sensitive to quantization); "
                            "evaluate on your workload, not just MMLU", "warning"))
        if e.parallelism.spans_nodes:
            r.append(Reason("multi-node", f"{n} GPUs span {math.ceil(n / gpu.gpus_per_node)} nodes: "
                            f"{'all-to-all' if model.is_moe else 'all-reduce'} traffic over the {gpu.internode_gbps:g} GB/s inter-node "
                            f"link instead of {gpu.interconnect_gbps:g} GB/s {gpu.interconnect}", "warning"))
        for warn in e.warnings:
            r.append(Reason("estimate", warn, "warning"))
        return r

