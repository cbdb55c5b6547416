"""The self-hosted backend's explanations of a bill: what is billed, why this policy and price kind won, and
what one engine sustains (plain sentences with the numbers in them; written when a candidate's reasons are read)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal

from advisor import cost
from advisor.common import fmt
from advisor.cost import billing, queueing, stall
from advisor.deploy.support import upcast_step, upcast_tool
from advisor.domain.precision import QUANTIZED_ONLINE, checkpoint_for, is_upcast
from advisor.domain.prices import COMMITMENT_YEARS, PRICING_KINDS
from advisor.domain.recommendation import Reason, Rejection
from advisor.domain.serving import ServingProfile
from advisor.physics.performance import Estimate
from advisor.ranking.engine_support import TRTLLM_LOADS, no_checkpoint, sglang_cannot
from advisor.ranking.serverless_text import per_request_text, serverless_reason


def _increment(price) -> str:
    return {1: "per second", 60: "per minute", 3600: "per hour"}.get(price.billing_increment_s, f"per {price.billing_increment_s} s")


def _sku(p, gpus: int) -> str:
    """The offer's name for the instance size billed: a row priced per GPU over several sizes names its own
    (``a3-highgpu-1g Spot``), so a 2-GPU replica reads ``a3-highgpu-2g Spot`` where the name carries the count
    (``-1g``), else ``…, as its 2-GPU size`` (trial 34: a 1-GPU name on a 2-GPU replica)."""
    sku = p.sku if len(p.sku) <= 70 else p.sku.split(" (")[0][:70]
    if not sku or gpus == p.gpus_per_instance or not p.instance_gpu_counts:
        return sku
    named = re.sub(rf"-{p.gpus_per_instance}g\b", f"-{gpus}g", sku, count=1)
    return named if named != sku else f"{sku}, as its {gpus}-GPU size"


def billing_reasons(plan: billing.Plan, plans: list[billing.Plan], n: int, gpu: str, w, per_request_of=None,
                    precision: str = "") -> list[Reason]:
    """What is billed and why this policy and price kind won (``per_request_of``: a ``serverless_text.Costing``, for
    ``serverless_reason`` and the serverless alternative of a row kept up by the hour)."""
    p = plan.price
    r: list[Reason] = []
    billed = plan.billed_gpu_hours_per_month
    offer = f" ({sku})" if (sku := _sku(p, plan.instance_gpus)) else ""
    head = (f"{plan.policy}, {plan.pricing_kind} at {p.provider}{offer}: {fmt.hours(billed)} GPU-hours/month x ${p.usd_per_gpu_hour}/GPU-h = "
            f"${cost.money(plan.monthly_usd):,} (billed {_increment(p)})")
    if plan.policy == "autoscale":
        head += (f"; {plan.replicas_min}-{plan.replicas_peak} replicas follow the day's traffic, each scale-up billed for its "
                 f"{billing.duration(plan.cold_start_s)} cold start, on an instance assumed free to rent when it starts "
                 f"(not guaranteed at the provider's busy hours: {fmt.setting('min_replicas')} keeps more running)")
        if plan.replicas_min == 0:  # min_replicas 0 (trial 35: office hours billed all month)
            head += (f"; none run in the hours the day's profile gives no traffic ({fmt.setting('min_replicas', 0)}): a "
                     f"request then waits a {billing.duration(plan.cold_start_s)} cold start")
    elif plan.policy == "scale-to-zero":
        head += f"; the job runs {plan.run_hours_per_day:.1f} h a day on {plan.replicas_peak} replica(s) (cold start included), then stops"
    elif (d := plan.per_request_day) is not None:
        head += "; " + per_request_text(plan, d, w)
    else:
        head += f"; {plan.replicas_peak} replica(s) all month"
    if w.days_per_week < 7 and plan.policy != "fixed":
        head += (f"; {w.traffic_days:.1f} days a month carry traffic ({w.days_per_week:g} a week): the others run "
                 + ("no job" if plan.policy == "scale-to-zero" else f"{w.min_replicas} replica(s) ({fmt.setting('min_replicas')})"))
    r.append(Reason("billing", head, "info", {"billed_gpu_hours_per_month": billed, "usd_per_gpu_hour": str(p.usd_per_gpu_hour),
                                              "scaling": plan.policy, "pricing_kind": plan.pricing_kind}))
    fixed = billing.best([x for x in plans if x.policy == "fixed" and x.price is p])
    if fixed is not None and plan.policy != "fixed" and fixed.monthly_usd > plan.monthly_usd:
        saved = 1 - plan.monthly_usd / fixed.monthly_usd
        # The fixed plan's own replicas: a batch job may start more than a fleet that never stops needs (each replica's
        # daily cold start, room for a preemption), so "the same replicas" would price a fleet it does not bill.
        fleet = (f"{fixed.replicas_peak} replica{'s' if fixed.replicas_peak > 1 else ''} fixed all month, enough for the "
                 f"{'deadline' if w.latency == 'batch' else 'peak'} with no start-ups" if fixed.replicas_peak != plan.replicas_peak
                 else "the same replicas fixed all month")
        r.append(Reason("scaling", f"{plan.policy} costs {saved:.0%} less than {fleet} (${cost.money(fixed.monthly_usd):,})", "info",
                        {"fixed_monthly_usd": str(cost.money(fixed.monthly_usd)), "fixed_replicas": fixed.replicas_peak}))
    if "community cloud" in p.sku.lower():
        r.append(Reason("community-cloud", f"{fmt.possessive(p.provider)} Community Cloud: GPUs in third-party hosts' own machines, "
                        f"cheaper and without a data-centre SLA, and your prompts and answers are processed on hardware those hosts "
                        f"run (not for data that must stay in audited data centres); its Secure Cloud (provider-operated data "
                        f"centres) sells {gpu} at a higher price (`moe-advisor prices list`; https://www.runpod.io/pricing, read "
                        f"2026-11-09)", "warning", {"sku": p.sku}))
    r += single_replica(plan, w)
    used = plan.replicas_peak * n
    paid = plan.gpus_billed_at_peak
    if paid > used:
        r.append(Reason("instance-size", f"{p.provider} sells {gpu} as {'/'.join(map(str, p.shapes))}-GPU instances "
                        f"({p.sku or 'instance'}): you pay for {paid} GPUs to use {used}", "warning", {"paid_gpus": paid}))
    if plan.instances_per_replica > 1:
        r.append(Reason("multi-instance", f"each replica spans {plan.instances_per_replica} {plan.instance_gpus}-GPU instances over "
                        f"{fmt.possessive(p.provider)} cluster interconnect", "warning", {"instances_per_replica": plan.instances_per_replica}))
    if plan.pricing_kind == "spot":
        fallback = billing.best([x for x in plans if x.pricing_kind == "on-demand"])
        backup = (f"; a day without spot capacity runs on demand: ${cost.money(fallback.monthly_usd):,}/month at that rate "
                  f"({fallback.price.provider}, {fallback.policy})" if fallback is not None else
                  f"; no on-demand offer of {gpu} is sold (or allowed) here, so a day without spot capacity has no fallback "
                  f"on these GPUs")
        lost = ("the job must checkpoint and retry, each preemption costing a "
                f"{billing.duration(plan.cold_start_s)} restart plus the work since the last checkpoint (not in this bill)"
                if w.latency == "batch" else
                f"a reclaimed replica is gone for the {billing.duration(plan.cold_start_s)} a new one takes to start, its requests "
                f"in flight are lost, and {'with one replica the service is down meanwhile' if plan.replicas_peak == 1 else 'the others carry its load meanwhile'} "
                f"(not in this bill; {fmt.setting('min_replicas')} keeps more running)")
        r.append(Reason("spot", f"spot price: {p.provider} can reclaim the GPUs at any time; {lost}{backup}", "warning",
                        {"on_demand_monthly_usd": str(cost.money(fallback.monthly_usd))} if fallback is not None else {}))
        r += spot_deadline_reasons(plan, w)
    elif plan.pricing_kind == "serverless":
        r.append(serverless_reason(plan, plans, gpu, w, per_request_of, precision))
    elif per_request_of is not None and (alt := per_request_of.alternative(plan)) is not None:
        r.append(alt)
    elif plan.pricing_kind in ("reserved-1y", "reserved-3y", "committed"):
        years = COMMITMENT_YEARS.get(plan.pricing_kind)
        if years:
            r.append(Reason("commitment", f"{plan.pricing_kind} price: commits to {paid} GPUs for {years} year{'s' if years > 1 else ''} "
                            f"(${cost.money(plan.monthly_usd * 12 * years):,}) whatever the traffic does", "warning",
                            {"commitment_years": years}))
        else:  # a contract rate: its term and its real price are the provider's quote, not a published figure
            r.append(Reason("commitment", f"committed price: a contract for {paid} GPUs whatever the traffic does, for a term "
                            f"{p.provider} does not publish; the ${p.usd_per_gpu_hour}/GPU-h is its advertised rate, not a quote: "
                            f"ask {p.provider} for the term and the price before you compare", "warning", {"commitment_years": 0}))
    return r


def spot_deadline_reasons(plan: billing.Plan, w) -> list[Reason]:
    """A spot job with a deadline against one preemption: the slack its run leaves before the deadline, and the
    restart one preemption costs (a fresh instance's cold start). The plan is sized to absorb one
    (``billing.preemption_replicas``): the reason says what that took; where no replica count can (the deadline is
    shorter than two cold starts), a decisive line says that one preemption misses the deadline."""
    if w.latency != "batch" or plan.policy != "scale-to-zero":
        return []
    slack_s, restart_s = billing.deadline_s(w.deadline_hours) - plan.run_hours_per_day * 3600.0, plan.cold_start_s
    numbers = {"deadline_slack_s": slack_s, "restart_s": restart_s, "absorbs_preemption": slack_s >= restart_s}
    if slack_s >= restart_s:
        return [Reason("spot-deadline", f"one preemption still meets the {w.deadline_hours:g} h deadline: {plan.replicas_peak} "
                       f"replica(s) finish {billing.duration(slack_s)} before it, room for one {billing.duration(restart_s)} restart "
                       f"plus the requests in flight when the GPUs are reclaimed (a spot job gets the replicas that leave room for one "
                       f"restart, and the bill includes them)", "info", numbers)]
    return [Reason("spot-deadline", f"one preemption misses the {w.deadline_hours:g} h deadline: the job ends "
                   f"{billing.duration(max(0.0, slack_s))} before it and a restart takes {billing.duration(restart_s)}, and no replica "
                   f"count leaves room for one (the deadline is shorter than two cold starts): run it on demand, or accept a "
                   f"late day", "decisive", numbers)]


def single_replica(plan: billing.Plan, w) -> list[Reason]:
    """An interactive service that runs on one replica all month, or drops to one at its quietest hours: nothing
    serves while that replica restarts (an engine crash, a GPU fault, an upgrade), for a cold start's time. What a
    second one costs at most (one more replica's instances all month); ``min_replicas`` keeps it."""
    low = plan.replicas_peak if plan.policy == "fixed" else max(1, plan.replicas_min)  # 0: one in its quietest running hour
    if w.latency != "interactive" or low != 1 or plan.policy == "per-request" or (plan.policy == "autoscale" and w.spare_replicas):
        return []  # (a spare runs beside each hour's need, so a lone replica runs only in hours without traffic: trial 39)
    more = plan.hourly_one_usd * Decimal(str(billing.HOURS_PER_MONTH))
    when = ("at most, and none in the hours without traffic" if plan.replicas_min == 0 and plan.replicas_peak == 1
            else "all month" if plan.replicas_peak == 1 else "at the quietest hours with traffic")  # trial 38: min 0 read "all month"
    return [Reason("single-replica", f"one replica {when}: no redundancy, so a crash, a GPU fault or an upgrade stops the "
                   f"service for a {billing.duration(plan.cold_start_s)} cold start; a second replica costs at most "
                   f"{fmt.usd(more)}/month more: " + (fmt.setting('spare_replicas', 1) + " (in the hours with traffic)"
                                                       if plan.replicas_min == 0 else fmt.setting('min_replicas', 2)), "info",
                   {"extra_replica_monthly_usd": str(cost.money(more))})]


def capacity_text(e) -> str:
    """The capacity and what bounds it: where prefills take most of each stream's time per output token (long prompts,
    short answers), that share, the decode step's bound beside it (trial 36: a batch row "memory-bound" at 93% prefill)."""
    step_ms = e.step.total_s * 1e3 if getattr(e, "step", None) else 0.0
    prefill = 1 - step_ms / e.tpot_ms if step_ms and 0 < e.tpot_ms < math.inf else 0.0
    bound = (f"prefills take {prefill:.0%} of the time, the decode step is {e.bound}-bound" if prefill >= 0.5
             else f"{e.bound}-bound")
    return f"{e.output_tokens_per_s:,.0f} output tokens/s at batch {e.batch} ({bound})"


def stale_price_reason(provider: str, as_of: str) -> list[Reason]:
    """A warning on a row priced from a snapshot older than ``book.STALE_AFTER_DAYS``: the bill rests on it."""
    from advisor.prices.book import STALE_AFTER_DAYS, age_days

    days = age_days(as_of)
    if days is None or days <= STALE_AFTER_DAYS:
        return []
    return [Reason("stale-price", f"{fmt.possessive(provider)} price is {days:,} days old (as of {as_of}): re-check it before "
                   "you sign (`moe-advisor prices --stale` lists what to re-check; `prices refresh` updates the live sources)",
                   "warning", {"age_days": days})]


def unpriced(ctx, model, gpu, deployment: str) -> Rejection:
    """The rejection of a GPU the workload names that no allowed price offers (kinds and providers)."""
    w = ctx.workload
    kinds = sorted({p.pricing for p in ctx.prices.gpu_offers(gpu.id, (), tuple(PRICING_KINDS))})
    have = f"sold only as {', '.join(kinds)}" if kinds else "no price in the catalog"
    return Rejection(model=model.id, deployment=deployment, gpu=gpu.id, reasons=(Reason(
        "gpu-unpriced", f"{gpu.id}: {have}; the workload allows {', '.join(w.pricing_kinds)}"
        + (f" from {', '.join(w.providers)}" if w.providers else ""), "decisive", {"pricing_kinds": kinds}),))


def checkpoint_reasons(c, catalog) -> list[Reason]:
    """A warning on a self-hosted row costed in a precision no published checkpoint holds and its engine does not
    quantize to at load time (``deploy.engines.missing_weights`` refuses to write its launch files): someone has to
    quantize the weights first, and the quality of that checkpoint is the user's to check. A row wider than its
    published checkpoint (``is_upcast``: BF16 of an FP8 model, FP8 or BF16 of an MXFP4 one) gets an info line
    instead: the weights are dequantized first, the same values in more bytes, so it ranks like any other row."""
    prec = c.precision
    if c.deployment != "self-hosted" or not prec:
        return []
    m, g = catalog.models.get(c.model), catalog.gpus.get(c.gpu or "")
    if m is None or g is None:
        return []
    if not m.api_only and not checkpoint_for(m, prec, g.vendor) and is_upcast(prec, m.native_precision):
        if upcast_tool(prec, m.native_precision, m.hf_repo):
            return [Reason("checkpoint", upcast_step(prec, m.native_precision) + " (`moe-advisor deploy` writes the step)",
                           "info", {"precision": prec, "quantize_first": False, "upcast": True})]
        # no published tool makes the copy: weights no one publishes or makes, like a 4-bit row quantized first
        return [Reason("checkpoint", upcast_step(prec, m.native_precision) + ": no published tool for this copy is "
                       "recorded, so the row is not known to launch as costed (`moe-advisor deploy` serves it from $MODEL, "
                       "which you set)", "warning", {"precision": prec, "quantize_first": True, "upcast": True})]
    held = checkpoint_for(m, prec, g.vendor)
    if c.engine == "trtllm" and held and prec not in TRTLLM_LOADS and held != m.hf_repo:
        return [Reason("checkpoint", f"the {prec} checkpoint {held} is GPTQ/AWQ, which TensorRT-LLM's PyTorch backend does not "
                       f"load (it takes ModelOpt FP8/NVFP4 checkpoints): serve it on vLLM or SGLang (allow them: engines), or "
                       f"export a ModelOpt INT4-AWQ checkpoint first", "warning", {"precision": prec, "quantize_first": True})]
    if c.engine == "sglang" and (why := sglang_cannot(m, g, prec)):
        return [Reason("checkpoint", f"the {prec} checkpoint {held}: {why}; serve it on vLLM (allow it: engines)", "warning",
                       {"precision": prec, "quantize_first": True})]
    if prec in QUANTIZED_ONLINE and c.engine != "trtllm" and no_checkpoint(m, g, prec):
        return _load_peak(c, m, g)
    if not no_checkpoint(m, g, prec):
        return []
    how = ("TensorRT-LLM serves only pre-quantized (ModelOpt) checkpoints; vLLM and SGLang quantize to fp8 at load time"
           if prec in QUANTIZED_ONLINE else f"no engine quantizes to {prec} at load time")
    return [Reason("checkpoint", f"no published {prec} checkpoint of {m.hf_repo or m.id} is known: {how}, so the weights must be "
                   f"quantized first and their quality checked; `moe-advisor deploy` writes this row's files once a user "
                   f"catalog names the checkpoint (models.toml checkpoints)", "warning",
                   {"precision": prec, "quantize_first": prec not in QUANTIZED_ONLINE})]


def _load_peak(c, m, g) -> list[Reason]:
    """Where an engine quantizing at load time may not load the row: vLLM up to 0.14 and SGLang read the full bf16
    weights onto the GPUs before quantizing them (vLLM pull requests 31914 and 32773, January 2026, fixed the streaming
    load; SGLang issue 2895: "requires loading all bf16 weights into VRAM first"), so the bf16 weights of one engine's
    GPU must fit the GPU's memory while the quantized ones, which the row is costed with, are smaller. A vLLM row is
    launched on a release that streams (``deploy`` pins ``support.STREAMING_FP8_VLLM``): said, not warned; an SGLang
    row is warned."""
    from advisor.deploy.support import STREAMING_FP8_VLLM, version_text
    from advisor.physics.sizing import load_peak_bytes

    per_gpu = load_peak_bytes(m, g, c.gpus // max(1, c.engines_per_replica or 1))
    if not per_gpu:
        return []
    numbers = {"precision": c.precision, "quantize_first": False, "load_peak_bytes_per_gpu": per_gpu}
    held = f"{per_gpu / 1e9:,.1f} GB per GPU, more than the {g.memory_bytes / 1e9:,.1f} GB a {g.id} holds"
    if c.engine == "vllm":
        return [Reason("checkpoint", f"vllm quantizes the bf16 weights to {c.precision} at load time: {held}, so it needs "
                       f"vLLM >= {version_text(STREAMING_FP8_VLLM)}, which quantizes each weight as it is read (pull request "
                       f"31914; `moe-advisor deploy` pins it); older releases load them all first and run out of memory",
                       "info", numbers)]
    return [Reason("checkpoint", f"{c.engine} quantizes the bf16 weights to {c.precision} at load time, and SGLang first loads "
                   f"all of them: {held}, so it may fail to start; serve it on vLLM >= {version_text(STREAMING_FP8_VLLM)} "
                   f"(streaming FP8 loading, pull request 31914), or quantize the weights offline first", "warning", numbers)]


def stall_reason(s: stall.DecodeStall, e: Estimate, w, eng: ServingProfile) -> Reason:
    """The inter-token stall a long prompt's chunked prefill puts on the running streams (``stall.decode_stall``)."""
    flag = stall.CHUNK_FLAGS.get(eng.id, "the prefill chunk size")
    seen = 1 - math.exp(-s.prefills_per_stream)
    if s.suggested_chunk_tokens < s.chunk_tokens:
        fix = (f"smaller chunks ({eng.id} {flag} {s.suggested_chunk_tokens}: about {s.suggested_stall_ms:,.0f} ms a step, "
               "more steps to the first token) or a prefill/decode split (disaggregated serving) keep the streams smooth")
    else:
        fix = "the prompt fits one chunk, so a prefill/decode split (disaggregated serving) is what keeps the streams smooth"
    if s.chunks == 1 and 0 < s.prompt_tokens <= s.chunk_tokens:  # trial 31: "each 8,192-token chunk" of a 6,000-token prompt
        whole = s.prompt_tokens >= e.input_tokens  # else the uncached part of a prompt that hits the prefix cache
        what = f"{s.prompt_tokens:,}-token prompt fits" if whole else f"prompt's {s.prompt_tokens:,} uncached tokens fit"
        held = (f"another user's {what} one {s.chunk_tokens:,}-token prefill chunk ({eng.id} {flag}), "
                f"and that step takes about {s.stall_ms:,.0f} ms with the decode step beside it, so a running stream waits that long "
                f"for its next token (TPOT target {w.tpot_limit_ms:.1f} ms)")
    else:
        held = (f"each {s.chunk_tokens:,}-token prefill chunk ({eng.id} {flag}) takes about {s.stall_ms:,.0f} ms with the decode "
                f"step beside it, so while another user's {s.chunks}-chunk prompt is prefilled a running stream gets one token per "
                f"{s.stall_ms:,.0f} ms (TPOT target {w.tpot_limit_ms:.1f} ms) for {s.stalled_ms / 1000:,.1f} s")
    return Reason("inter-token-stall", f"inter-token stalls: {held}; at the peak a stream sees {s.prefills_per_stream:.1f} such prefills on "
                  f"average ({seen:.0%} of streams at least one), {_averaged(s, e)}; {fix}",
                  "warning", {"chunk_tokens": s.chunk_tokens, "chunks_per_prompt": s.chunks, "stall_ms": s.stall_ms, "prompt_tokens": s.prompt_tokens,
                              "prefills_per_stream": s.prefills_per_stream, "suggested_chunk_tokens": s.suggested_chunk_tokens,
                              "suggested_stall_ms": s.suggested_stall_ms, "stalled_share": s.stalled_share, "ranks": s.ranks})


def _averaged(s: stall.DecodeStall, e: Estimate) -> str:
    """What the mean TPOT makes of the stalls: counts them spread over every token on one rank; under attention DP every
    rank's prefill stalls every stream (the ranks step together), which the mean TPOT counts only as lined up."""
    if s.ranks == 1:
        return (f"which the mean TPOT of {e.tpot_ms:.1f} ms already counts, spread over every token (so a stream meets its "
                f"target on average while it pauses at each)")  # not on top of it (trial 35 added them again)
    return (f"from any of the {s.ranks} attention ranks (they step together, so one rank's chunk holds every stream): "
            f"unaligned, one of them holds a stream about {s.stalled_share:.0%} of the time, where the mean TPOT of {e.tpot_ms:.1f} ms "
            f"counts the ranks' prefills as run together")


def near_miss(value: float, target: float, p90: float | None) -> str:
    """For a configuration rejected for missing a latency target (``value`` over ``target``) by less than the speed
    estimate's 90th-percentile error: the words saying so (an estimate that much too slow would meet it, so a benchmark
    may); "" otherwise."""
    if not p90 or not target or value * (1 - p90) > target:
        return ""
    return (f": {value / target - 1:.1%} over its target, within the speed estimate's {p90:.0%} error ({ALL_ROWS}); a benchmark "
            f"may find it meets it")


def latency_reason(e, w, p90: float | None) -> Reason:
    """An interactive row's TPOT and TTFT against their targets, a warning where a target is met by less than the speed
    estimate's 90th-percentile error (``p90``: an estimate that much too fast would miss it, so a benchmark may): the
    unloaded TTFT, or the TPOT of a lone stream (batch 1). At a larger batch the TPOT sits just under its target by
    construction (the batch is the largest that meets it): a slower engine runs a smaller batch, which costs capacity,
    not the target."""
    text = f"TPOT {e.tpot_ms:.1f} ms at batch {e.batch} (target {w.tpot_limit_ms:.1f} ms); TTFT {e.ttft_ms:,.0f} ms (target {w.ttft_ms:,.0f} ms)"
    numbers = {"tpot_ms": e.tpot_ms, "ttft_ms": e.ttft_ms}
    close = []
    if p90 and e.ttft_ms * (1 + p90) > w.ttft_ms:
        close.append(f"the TTFT is {1 - e.ttft_ms / w.ttft_ms:.0%} under its target")
    if p90 and e.batch == 1 and w.tpot_limit_ms and e.tpot_ms * (1 + p90) > w.tpot_limit_ms:
        close.append(f"a lone stream's TPOT is {1 - e.tpot_ms / w.tpot_limit_ms:.0%} under its target")
    if not close:
        return Reason("latency", text, "info", numbers)
    return Reason("latency", f"{text}: {' and '.join(close)}, within the speed estimate's {p90:.0%} error ({ALL_ROWS}); benchmark "
                  f"it before you commit", "warning", {**numbers, "within_error": True})


ALL_ROWS = "p90 over all calibration rows"
"""Which population the overall error is the 90th percentile of, said beside it: a row at a small batch quotes
another (``error_population``), and a reader seeing both must know which applies to what."""


LOW_ROWS = "p90 over the calibration rows at <= 8 concurrent requests"
"""The low-concurrency rows' p90, as every quote of it names them (``calibration.LOW_CONCURRENCY``: 8)."""


def error_population(batch: int | None) -> str:
    """Which calibration rows ``speed_error`` takes its 90th percentile over for a row running ``batch``."""
    from advisor.physics.calibration import LOW_CONCURRENCY

    if batch is not None and batch <= LOW_CONCURRENCY:
        return f"{LOW_ROWS}, like this row's batch of {batch}"
    return ALL_ROWS


def speed_error(batch: int, profile: ServingProfile) -> float:
    """The throughput estimate's 90th-percentile error for a row running ``batch`` (``ties.estimate_error`` reads it):
    over the calibration set, or over its low-concurrency rows for a batch of at most ``LOW_CONCURRENCY``."""
    from advisor.physics.calibration import LOW_CONCURRENCY, LOW_CONCURRENCY_P90_ERROR

    err = profile.fit.p90_abs_error if profile.fit else 0.2
    return max(err, LOW_CONCURRENCY_P90_ERROR) if batch <= LOW_CONCURRENCY else err


def slower_engine_reason(plan: billing.Plan, gpus: int, e: Estimate, dp: int, w, day, profile: ServingProfile,
                         slowed: Callable[[float], Estimate] | None = None) -> Reason:
    """What the bill becomes if the engine sustains less than estimated by the estimate's p90 error (``speed_error``):
    the same offer and shape priced by ``billing.plans`` for that much less capacity. Said on every self-hosted row: how
    much of its bill rests on the speed estimate.

    An engine ``f = 1 - err`` as fast has ``f`` of the capacity, and its TTFT, prefill work and slot time ``1 / f`` as
    long, so the TTFT target leaves less room for queueing: the rate one engine may be planned to carry is
    ``queueing.planned_of`` the estimate at that speed (as ``ties.replicas_hold`` counts it from a row's fields). And a step ``1 / f`` as long at the
    same batch is a TPOT ``1 / f`` times the estimate's: where that misses the workload's TPOT target, the engine runs
    the batch that meets it, ``slowed(err)`` (the estimate under a target ``f`` times the workload's), priced at that
    batch (trial 29: "the bill holds" at a batch whose TPOT, slowed, missed the target), with the error of that batch
    (a batch of at most ``LOW_CONCURRENCY`` has the low-concurrency rows' larger one); where no batch meets it, the row
    does not serve the per-user speed."""
    err = speed_error(e.batch, profile)
    est, note, limit = e, "", w.tpot_limit_ms
    numbers: dict = {"estimate_error": err}
    head = f"if the engine sustains {err:.0%} less than estimated (the speed estimate's error, {error_population(e.batch)})"
    if slowed is not None and limit and e.tpot_ms / (1 - err) > limit and e.output_tokens_per_s > 0:
        missed = f"its TPOT at batch {e.batch} would be {e.tpot_ms / (1 - err):,.1f} ms, over the {limit:,.1f} ms target"
        est, numbers["tpot_ms_at_error"] = slowed(err), e.tpot_ms / (1 - err)
        if est.fits and est.meets_tpot_limit and (small := speed_error(est.batch, profile)) > err:  # its batch's own error
            est, err, numbers["estimate_error_at_batch"] = slowed(small), small, small
            missed += f" (at a batch that small the error is {small:.0%}, {LOW_ROWS})"
        if not (est.fits and est.meets_tpot_limit and est.output_tokens_per_s > 0):
            return Reason("speed-risk", f"{head}, {missed}, and no batch would meet it: this option would not serve "
                          f"{w.output_tokens_per_s_per_user:,.0f} tokens/s per user", "warning",
                          {**numbers, "batch_at_error": 0})  # (no bill at error: a report's TOML holds no None)
        note, numbers["batch_at_error"] = f"; {missed}, so it would run batch {est.batch}: the bill at error is priced at that batch", est.batch
    f = 1 - err
    rate = queueing.planned_of(est, w, f)  # (batch work: the capacity)
    slow = billing.best(billing.plans(plan.price, gpus, est.output_tokens_per_s * f * dp, w, day, e.weights_bytes, rate * dp,
                                      queueing.hold_s(est, w) / f if w.latency == "interactive" else 0.0))
    if slow is not None:  # (a report's TOML holds no None: a key left out is read as none)
        numbers.update({"replicas_peak_at_error": slow.replicas_peak, "monthly_usd_at_error": str(cost.money(slow.monthly_usd))})
    if slow is None:
        return Reason("speed-risk", f"{head}, no plan of this offer carries the load{note}", "warning", numbers)
    reps = f"{plan.replicas_peak} replica{'s' if plan.replicas_peak != 1 else ''} at peak"
    if slow.monthly_usd <= plan.monthly_usd:
        return Reason("speed-risk", f"{head}, the bill holds: the same {reps} {'carries' if plan.replicas_peak == 1 else 'carry'} "
                      f"the load{note}", "info", numbers)
    more = slow.monthly_usd / plan.monthly_usd - 1
    how = (f"{slow.replicas_peak} replicas at peak instead of {plan.replicas_peak}" if slow.replicas_peak != plan.replicas_peak
           else f"the same {reps}, billed for more hours")
    late = ""
    if w.latency == "batch" and slow.replicas_peak > plan.replicas_peak:  # the plan as signed, on the slower engine
        hours = (w.requests_per_day * w.output_tokens / (e.output_tokens_per_s * dp * (1 - err) * plan.replicas_peak) / 3600.0
                 + (plan.cold_start_s / 3600.0 if plan.policy == "scale-to-zero" else 0.0))
        if hours > min(24.0, w.deadline_hours):
            late = (f"; as planned, its {plan.replicas_peak} replica{'s' if plan.replicas_peak != 1 else ''} would finish in "
                    f"{hours:.1f} h, past the {min(24.0, w.deadline_hours):g} h deadline: plan {slow.replicas_peak} if the deadline is firm")
            numbers["hours_at_error"] = hours
    return Reason("speed-risk", f"{head}, the bill becomes {fmt.usd(cost.money(slow.monthly_usd))}/month ({more:+.0%}; {how}){late}{note}",
                  "warning" if late else "info", numbers)
