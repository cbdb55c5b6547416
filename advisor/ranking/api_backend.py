"""Per-token APIs as they are: prices (with the batch API's discount for work that can wait), context
limits (an unpublished one is taken as the typical 128K, never as unlimited), published rate-limit tiers
against the workload's peak, and measured TTFT and speed against its targets."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from advisor import cost
from advisor.common import fmt
from advisor.cost.money import BATCH_API_TURNAROUND_HOURS, batch_api_applies, window_shares
from advisor.domain.prices import ApiPrice
from advisor.domain.quality import mode_name
from advisor.domain.recommendation import Candidate, Reason, Rejection
from advisor.domain.specs import ModelSpec
from advisor.domain.traffic import PEAK_HOUR, utc_hours, zone
from advisor.domain.workload import Workload
from advisor.physics.training import method_for
from advisor.ranking.context import Context, per_shape

TYPICAL_CONTEXT_TOKENS = 131_072
"""What a provider that publishes no context limit is assumed to serve (the common 128K)."""


def peak_rates(w: Workload) -> tuple[float, float]:
    """(requests per minute, tokens per minute) at the workload's peak (batch: spread over the deadline)."""
    if w.latency == "batch":
        rps = w.requests_per_day / (min(24.0, w.deadline_hours) * 3600.0)
    else:
        rps = w.mean_requests_per_s * w.peak_to_mean
    return rps * 60.0, rps * 60.0 * w.tokens_per_request


USAGE_TIER_PAGES = {
    "openai": "https://platform.openai.com/docs/guides/rate-limits",
    "anthropic": "https://docs.anthropic.com/en/api/rate-limits",
}
"""Vendors whose rate limits are set per organization by its usage tier (which rises with spend) and read in the
account's console: their pages explain the tiers, and no tier's figures are in the catalog, so the limits are
not modelled. A price row's own ``rate_limits_source`` wins over this."""


def _over_every_tier(price: ApiPrice, rates: tuple[float, float]) -> bool:
    """Whether the peak ``rates`` (``peak_rates``) are over the provider's highest published tier (``_rate_limit``'s
    verdict without its reason: all the break-even asks)."""
    rpm, tpm = rates
    return bool(price.rate_limits) and not _paid_above(price) and not any((not t.requests_per_min or rpm <= t.requests_per_min) and
                                               (not t.tokens_per_min or tpm <= t.tokens_per_min) for t in price.rate_limits)


def _paid_above(price: ApiPrice) -> bool:
    """The highest tier published is a free one: the paid tiers above it exist but their limits are not in the catalog."""
    return bool(price.rate_limits) and price.rate_limits[-1].tier.lower().startswith("free")


def _rate_limit(price: ApiPrice, w: Workload, rates: tuple[float, float] | None = None) -> tuple[Reason, bool]:
    """(reason, rejected) for the workload's peak (``rates``, else ``peak_rates(w)``) against the provider's published
    tiers. The tier and the verdict now (a screen reads the sentences of a few rows); the sentence when read."""
    rpm, tpm = rates or peak_rates(w)
    if not price.rate_limits:
        def untiered() -> tuple[str, dict]:
            page = price.rate_limits_source or USAGE_TIER_PAGES.get(price.provider, "")
            what = (f"{fmt.possessive(price.provider)} rate limits depend on the account's usage tier and are not modelled ({page}): check that "
                    f"your tier takes" if page else
                    f"{fmt.possessive(price.provider)} rate limits for this model are not in the catalog: check that it takes")
            return (f"{what} {fmt.rate(rpm, 'request')} and {fmt.rate(tpm, 'token')} at your peak",
                    {"peak_requests_per_min": rpm, "peak_tokens_per_min": tpm})
        return Reason.deferred("api-rate-limits", "warning", untiered), False
    for tier in price.rate_limits:
        if (not tier.requests_per_min or rpm <= tier.requests_per_min) and (not tier.tokens_per_min or tpm <= tier.tokens_per_min):
            def within(tier=tier) -> tuple[str, dict]:
                return ((f"your peak ({fmt.rate(rpm, 'request')}, {fmt.rate(tpm, 'token')}) needs {fmt.possessive(price.provider)} "
                        f"'{tier.tier}' tier or above ({price.rate_limits_source or price.source})"),
                        {"tier": tier.tier, "peak_requests_per_min": rpm, "peak_tokens_per_min": tpm})
            return Reason.deferred("api-rate-limits", "info" if tier is price.rate_limits[0] else "warning", within), False
    top = price.rate_limits[-1]
    if _paid_above(price):  # a paying account is on a tier above it (trial 35: Groq's free tier refused a Kimi K2 workload)
        def paid() -> tuple[str, dict]:
            return ((f"your peak ({fmt.rate(rpm, 'request')}, {fmt.rate(tpm, 'token')}) is over {fmt.possessive(price.provider)} "
                     f"'{top.tier}' tier ({top.requests_per_min:,.0f} requests/min, {top.tokens_per_min:,.0f} tokens/min), the only "
                     f"one it publishes: a paid tier's limits are not published ({price.rate_limits_source or price.source}), so "
                     f"check that your account's takes it"), {"tier": top.tier, "peak_requests_per_min": rpm, "peak_tokens_per_min": tpm})
        return Reason.deferred("api-rate-limits", "warning", paid), False

    def over() -> tuple[str, dict]:
        return ((f"your peak ({fmt.rate(rpm, 'request')}, {fmt.rate(tpm, 'token')}) is over {fmt.possessive(price.provider)} "
                f"highest published tier '{top.tier}' ({top.requests_per_min:,.0f} requests/min, {top.tokens_per_min:,.0f} "
                f"tokens/min)"), {"tier": top.tier, "peak_requests_per_min": rpm, "peak_tokens_per_min": tpm})
    return Reason.deferred("api-rate-limits", "decisive", over), True


def _by_time(shares: tuple, w: Workload, day) -> str:
    """The time-of-day windows of a price with the share of the workload's tokens each one prices, and how its
    hours were read: in the workload's ``utc_offset_hours`` (0: as UTC)."""
    if not shares:
        return ""
    tz = (f"read as {zone(w.utc_offset_hours)}, utc_offset_hours = {w.utc_offset_hours:g}" if w.utc_offset_hours else
          "read as UTC: utc_offset_hours (--utc-offset-hours) sets your time zone")
    hours = (f"your hourly profile, its hours {tz}" if w.hourly_profile else "a flat day" if day.flat else
             f"your {w.traffic_shape} day, busiest at {PEAK_HOUR}:00, {tz}")
    return f"the rest of the day; {', '.join(f'{win.label}: {share:.0%} of your tokens' for win, share in shares)} ({hours}) "


def _cached_blend(price: ApiPrice, w: Workload, shares: tuple) -> tuple[str, str]:
    """With part of the input cached (``cached_input_fraction``): the cached-input price (or that the provider has none,
    so cached tokens pay the full input price) and the blend with its numbers, as ``cost.blended_usd_per_mtok`` works it
    (a time-of-day row blends the windows' prices first, so its formula is the list prices'); ("", "") otherwise."""
    f = w.cached_input_fraction
    if not f:
        return "", ""
    have = price.cached_input_usd_per_mtok
    rate = price.input_usd_per_mtok if have is None else have
    cached = (f"${have}/M cached input ({f:.0%} of input tokens), " if have is not None else
              f"no cached-input price (the {f:.0%} of input tokens cached are billed at the full input price), ")
    fresh = f"{w.input_tokens:,} x {1 - f:.0%} x ${price.input_usd_per_mtok}"
    blend = (f"; blend: ({fresh} + {w.input_tokens:,} x {f:.0%} x ${rate} + {w.output_tokens:,} x ${price.output_usd_per_mtok}) / "
             f"{w.input_tokens + w.output_tokens:,} tokens" + (
                 f" = {fmt.usd(cost.money(cost.blended_usd_per_mtok(price, w.input_tokens, w.output_tokens, f), cost.MICRO), 3)}/M "
                 f"at list prices, before the time-of-day windows" if shares else ""))
    return cached, blend


def _offer_reasons(ctx: Context, model: ModelSpec, price: ApiPrice, list_per_mtok: Decimal, per_mtok: Decimal, shares: tuple,
                   batch_api: bool, method: str | None) -> tuple[tuple[Reason, ...], tuple[Reason, ...]]:
    """An offer's reasons before and after the two a traffic edit changes (``_no_idle``, the rate limits): they read the
    workload's shape, not its volume, so they are written for its first ranking and kept (``ApiBackend.offers``).
    Codes and severities now, sentences when read (``Reason.deferred``): a screen reads the reasons of a few rows."""
    w, day = ctx.workload, ctx.day  # not ``ctx``, which a kept sentence would keep alive with its run's lookups

    def price_line() -> tuple[str, dict]:
        cached, blend = _cached_blend(price, w, shares)
        return ((f"pay per token: ${price.input_usd_per_mtok}/M input, {cached}${price.output_usd_per_mtok}/M output "
                f"{_by_time(shares, w, day)}({price.provider}, as of {price.as_of}): {fmt.usd(cost.money(list_per_mtok, cost.MICRO), 3)}/M blended for "
                f"{w.input_tokens:,} in / {w.output_tokens:,} out{blend}"), {"usd_per_mtok": str(list_per_mtok)} |
                ({"time_of_day_shares": {win.label: round(share, 4) for win, share in shares}} if shares else {}) |
                ({"cached_input_fraction": w.cached_input_fraction,
                  "cached_input_usd_per_mtok": None if price.cached_input_usd_per_mtok is None else str(price.cached_input_usd_per_mtok)}
                 if w.cached_input_fraction else {}))

    def batch_line() -> tuple[str, dict]:
        return ((f"{fmt.possessive(price.provider)} batch API: {price.batch_discount:.0%} off, results within "
                f"{BATCH_API_TURNAROUND_HOURS:g} h ({fmt.usd(per_mtok, 3)}/M; {price.batch_source or price.source})"),
                {"batch_discount": price.batch_discount})

    def measured() -> tuple[str, dict]:
        ttft = f"TTFT {price.ttft_ms:,.0f} ms" if price.ttft_ms else "TTFT not measured"
        speed = f"{price.output_tokens_per_s:,.0f} output tokens/s" if price.output_tokens_per_s else "speed not measured"
        stat = f"{w.ttft_ms:,.0f} ms at the p{w.ttft_percentile:g}" if w.ttft_percentile else f"{w.ttft_ms:,.0f} ms"
        tail = (f" (a measured TTFT is one typical figure, usually a median: your p{w.ttft_percentile:g} at this provider "
                f"is higher, and not measured)" if w.ttft_percentile > 50 and price.ttft_ms else "")
        return ((f"measured: {ttft}, {speed} ({price.speed_source}); targets {stat}, "
                f"{w.output_tokens_per_s_per_user:g} tokens/s{tail}"), {"ttft_ms": price.ttft_ms, "output_tokens_per_s": price.output_tokens_per_s})

    def unmeasured() -> tuple[str, dict]:
        stat = f" (the TTFT at the p{w.ttft_percentile:g})" if w.ttft_percentile else ""
        return ((f"no published or measured TTFT and speed for {model.id} at {price.provider}: check them against your "
                f"{w.ttft_ms:,.0f} ms and {w.output_tokens_per_s_per_user:g} tokens/s targets{stat}"), {})

    def tuned() -> tuple[str, dict]:
        return ((f"serves your {method} fine-tune per token ({price.fine_tuned_serving} weights; "
                f"{price.fine_tuned_source or price.source})"), {})

    head = [Reason.deferred("api-price", "info", price_line)]
    if batch_api:
        head.append(Reason.deferred("api-batch", "info", batch_line))
    tail = []
    if w.latency == "interactive":
        if price.ttft_ms or price.output_tokens_per_s:
            tail.append(Reason.deferred("api-latency", "info", measured))
        else:
            tail.append(Reason.deferred("api-latency", "warning", unmeasured))
    if method:
        tail.append(Reason.deferred("api-fine-tuning", "info", tuned))
    return tuple(head), tuple(tail)


def _no_idle(w: Workload) -> Reason:
    """The ``api-no-idle`` reason: it names the volume, so it is written per ranking (when read)."""
    def write() -> tuple[str, dict]:
        return ((f"no idle cost: {w.requests_per_day:,.0f} requests/day are billed as they come, "
                f"whatever the {'hourly profile' if w.hourly_profile else w.traffic_shape + ' shape'} (peak {w.peak_to_mean:.3g}x mean)"), {})
    return Reason.deferred("api-no-idle", "info", write)


class ApiBackend:
    """Per-token APIs: monthly cost from input/output (and cached-input) prices; no idle cost."""

    name = "serverless-api"
    deployment = "api"

    def _reject(self, model: ModelSpec, price: ApiPrice, code: str, message: str, numbers: dict | None = None) -> Rejection:
        return Rejection(model=model.id, deployment=self.deployment, provider=price.provider,
                         reasons=(Reason(code, message, "decisive", numbers or {}),))

    def refusal(self, ctx: Context, model: ModelSpec, price: ApiPrice) -> tuple[Rejection | None, Reason | None]:
        """(why ``price`` cannot serve the workload, or None; its rate-limit reason): the answering mode, context,
        measured latency, fine-tuned weights and published rate limits."""
        refused = self._refused(ctx, model, price)
        if refused is not None:
            return refused, None
        limits, over = _rate_limit(price, ctx.workload)
        if over:
            return Rejection(model=model.id, deployment=self.deployment, provider=price.provider, reasons=(limits,)), limits
        return None, limits

    def _refused(self, ctx: Context, model: ModelSpec, price: ApiPrice) -> Rejection | None:
        """``refusal``'s checks that read the workload's shape (all but the rate limits, which read its volume)."""
        w = ctx.workload
        if ctx.mode and price.modes and ctx.mode not in price.modes:
            return self._reject(model, price, "api-mode", f"[{mode_name(ctx.mode)}] {fmt.possessive(price.provider)} endpoint "
                                f"{price.provider_model or model.id} answers only in {' or '.join(map(mode_name, price.modes))} mode")
        limit = price.context_tokens or TYPICAL_CONTEXT_TOKENS
        if limit < w.context_max_tokens:
            what = (f"serves {model.id} with a {limit:,}-token context" if price.context_tokens else
                    f"publishes no context limit for {model.id} (taken as the typical {limit:,} tokens)")
            return self._reject(model, price, "api-context", f"{price.provider} {what}, below the "
                                f"{w.context_max_tokens:,} tokens needed")
        if w.latency == "interactive" and price.ttft_ms and price.ttft_ms > w.ttft_ms:
            return self._reject(model, price, "api-ttft", f"{fmt.possessive(price.provider)} measured time to first token for {model.id} is "
                                f"{price.ttft_ms:,.0f} ms, over the {w.ttft_ms:,.0f} ms target ({price.speed_source})",
                                {"ttft_ms": price.ttft_ms})
        if w.latency == "interactive" and price.output_tokens_per_s and price.output_tokens_per_s < w.output_tokens_per_s_per_user:
            return self._reject(model, price, "api-speed", f"{price.provider} measured {price.output_tokens_per_s:,.0f} output "
                                f"tokens/s for {model.id}, below the {w.output_tokens_per_s_per_user:g} tokens/s per user target "
                                f"({price.speed_source})", {"output_tokens_per_s": price.output_tokens_per_s})
        method = method_for(w.fine_tuning, w.fine_tuning_method)
        if method and (not price.fine_tuned_serving or (method == "full" and price.fine_tuned_serving != "full")):
            serves = {"lora": "LoRA adapters only", "": "the base model only"}.get(price.fine_tuned_serving, price.fine_tuned_serving)
            vendor = (f"; {model.name} is API-only, and {model.vendor or 'its vendor'}'s own fine-tuning service (where "
                      f"offered) is not priced by moe-advisor" if model.api_only else "")
            return self._reject(model, price, "api-fine-tuning", f"a {method} fine-tune is planned, and {price.provider} serves "
                                f"{serves} for {model.id} per token: the tuned model cannot be served there{vendor}")
        return None

    def offers(self, ctx: Context, model: ModelSpec) -> list[tuple]:
        """Per offer for ``model`` in ``ctx``'s mode: (its price row, its refusal but for the rate limits or None, the
        workload's $/M tokens there (the batch API's discount in), the kept fields and reasons of its row). They read
        the workload's shape, the catalog and the prices, not the volume: worked out once per shape and mode
        (``context.per_shape``), where each traffic edit re-did them for the rows and again for the break-even."""
        kept = per_shape(ctx.shared, "api-offers")
        hit = kept.get(key := (model.id, ctx.mode))
        if hit is None:
            hit = kept[key] = [self._offer(ctx, model, price) for price in ctx.prices.api_offers(model.id, ctx.workload.providers)]
        return hit

    def _offer(self, ctx: Context, model: ModelSpec, price: ApiPrice) -> tuple:
        refused = self._refused(ctx, model, price)
        if refused is not None:
            return price, refused, None, None
        w = ctx.workload
        per_mtok = cost.workload_usd_per_mtok(price, w, ctx.day.hourly)
        shares = window_shares(price, utc_hours(ctx.day.hourly, w.utc_offset_hours)) if price.time_windows else ()
        batch_api = batch_api_applies(price, w)
        list_per_mtok = per_mtok
        if batch_api:
            per_mtok = per_mtok * (1 - Decimal(str(price.batch_discount)))
        quality, bench = ctx.quality_of(model)
        fixed = Candidate.fixed(
            model=model.id, model_name=model.name, architecture=model.architecture, deployment=self.deployment,
            provider=price.provider, gpu=None, gpus=0, replicas=0, precision=None,
            usd_per_mtok=cost.money(per_mtok, cost.MICRO), utilization=None,
            quality=quality, quality_benchmark=bench, price_source=price.source, price_as_of=price.as_of,
            api_input_usd_per_mtok=price.input_usd_per_mtok, api_output_usd_per_mtok=price.output_usd_per_mtok,
            api_cached_input_usd_per_mtok=price.cached_input_usd_per_mtok, pricing_kind="batch-api" if batch_api else "per-token")
        method = method_for(w.fine_tuning, w.fine_tuning_method)
        return price, None, per_mtok, (fixed, *_offer_reasons(ctx, model, price, list_per_mtok, per_mtok, shares, batch_api, method))

    def cheapest(self, ctx: Context, model: ModelSpec) -> tuple[ApiPrice, Decimal] | None:
        """(offer, $/M tokens) of the cheapest offer that serves the workload (``refusal``; the first of equal prices), as
        ``cost.cheapest_api`` prices it: what the ranking's break-even compares a self-hosted row with."""
        rates, best = peak_rates(ctx.workload), None
        for price, refused, per_mtok, _ in self.offers(ctx, model):
            if refused is None and (best is None or per_mtok < best[1]) and not _over_every_tier(price, rates):
                best = (price, per_mtok)
        return best

    def evaluate(self, ctx: Context, model: ModelSpec) -> Iterable[Candidate | Rejection]:
        w = ctx.workload
        out: list[Candidate | Rejection] = []
        rates = peak_rates(w)
        for price, refused, per_mtok, row in self.offers(ctx, model):
            if refused is not None:
                out.append(refused)
                continue
            limits, over = _rate_limit(price, w, rates)
            if over:
                out.append(Rejection(model=model.id, deployment=self.deployment, provider=price.provider, reasons=(limits,)))
                continue
            fixed, head, tail = row
            out.append(Candidate.made_from(fixed, monthly_cost_usd=cost.money(cost.api_monthly_usd(per_mtok, w)),
                                           reasons=head + (_no_idle(w), limits) + tail))
        return out
