"""What a serverless row's reasons say: the per-request day it bills (``advisor.cost.per_request``), or why workers
kept up by the hour bill less than workers that follow the requests."""

from __future__ import annotations

from decimal import Decimal

from advisor import cost
from advisor.common import fmt
from advisor.cost import billing, per_request
from advisor.domain.recommendation import Reason


def _room(d: per_request.Day, w) -> str:
    if d.budget >= 1.0:
        return "a cold start fits within the TTFT target"
    if w.ttft_percentile:
        return f"within the p{w.ttft_percentile:g} TTFT target's room (half the {100 - w.ttft_percentile:g}% it leaves out)"
    return "within the mean TTFT target's room (adding at most half the target to the mean)"


def fast_start(plan: billing.Plan, d: per_request.Day, w) -> str:
    """Where the assumed cold start is longer than the TTFT target (so the idle timeout was lengthened): what a worker
    that starts within the target would bill at the default timeout. RunPod's FlashBoot restores a kept snapshot in seconds
    ("95% of our cold-starts are less than 2.3 seconds" on a Whisper endpoint,
    https://blog.runpod.io/introducing-flashboot-1-second-serverless-cold-start/), not assumed for an LLM engine here."""
    if d.budget >= 1.0 or w.min_replicas or not d.planned:
        return ""
    from advisor.domain.traffic import day_profile

    quick = w.ttft_ms / 2000.0  # a start within the target (half of it)
    alt = per_request.day_of(w, day_profile(w), d.planned, quick, d.hold_s)
    if alt is None:
        return ""
    usd = plan.price.usd_per_gpu_hour * Decimal(str(billing.per_request_gpu_hours(alt, plan.fewest_gpus, quick, plan.price, w)))
    return (f"; a worker that starts within the TTFT target (RunPod's FlashBoot restores a kept snapshot in seconds; not "
            f"assumed here) would bill about ${cost.money(usd):,} at the {billing.duration(alt.idle_timeout_s)} default timeout")


def per_request_text(plan: billing.Plan, d: per_request.Day, w) -> str:
    """The billing line's tail for a ``per-request`` plan: the workers, the idle timeout and the cold starts."""
    avg = (f"{d.busy_worker_hours / d.busy_hours:,.2f} up on average in the {d.busy_hours} hours with traffic" if d.busy_hours < 24
           else f"{d.worker_hours / 24.0:,.2f} up on average")  # trial 40: a day's average read as office hours
    head = (f"workers follow the requests: {avg}, at most {d.peak} at the busiest hour (the endpoint's "
            f"max workers must allow {d.peak}; RunPod's default is 3), each holding {d.slots} request{'s' if d.slots != 1 else ''} "
            f"at once ({d.hold_s:,.1f} s each) and stopping after an idle timeout of {billing.duration(d.idle_timeout_s)}; "
            f"{d.starts:,.1f} starts a day, each billed its {billing.duration(plan.cold_start_s)} cold start")
    if w.min_replicas:
        return (f"{head}; {fmt.setting('min_replicas', w.min_replicas)} keeps {w.min_replicas} up all day, billed here at the "
                f"flex price (an endpoint's active workers may sell for less: RunPod lists the same rate since 2026-06 and "
                f"offers discounts through sales), so no request waits a cold start")
    default = (f" (the default {billing.duration(per_request.IDLE_TIMEOUT_S)} would leave {d.default_share:.1%} waiting one)"
               if d.idle_timeout_s > per_request.IDLE_TIMEOUT_S else "")
    return f"{head}; {d.cold_share:.2%} of requests wait one, {_room(d, w)}{default}{fast_start(plan, d, w)}"


NO_FP8 = ("A5000", "3090", "A6000", "A40", "A4000", "A4500")
"""Ampere cards a serverless tier may pool beside the catalog GPU (RunPod's 24 GB tier: L4 / A5000 / 3090): no FP8 tensor
cores (NVIDIA's Ada and Hopper have them), so TensorRT-LLM's FP8 engines do not run there and vLLM runs FP8 weights
weight-only (its Marlin kernels), slower (trial 40)."""


def pooled_without_fp8(p, precision: str) -> str:
    """The warning for an FP8 or FP4 row on a tier that pools cards without FP8 tensor cores, else ""."""
    if not any(x in precision for x in ("fp8", "fp4")) or not (cards := [c for c in NO_FP8 if c in (p.sku or "")]):
        return ""
    return (f"; the tier also pools {', '.join(cards)}, with no FP8 tensor cores: pin the endpoint's GPU type to the costed card "
            f"(an endpoint takes a list of GPU types), since TensorRT-LLM's {precision} engines do not run on them and vLLM "
            "runs FP8 weights there weight-only, slower")


def serverless_reason(plan: billing.Plan, plans: list[billing.Plan], gpu: str, w, per_request_of=None,
                      precision: str = "") -> Reason:
    """How a serverless worker is billed, what this bill counts, and where the workers are not per-request, what the
    per-request plan of the same price row would bill (``plans``' own, else ``per_request_of(row)``: ``Costing``),
    or why it has none."""
    p = plan.price
    card = f"the card is whichever of the tier ({p.sku or gpu}) is free: check the slowest card's speed" + pooled_without_fp8(p, precision)
    if plan.per_request_day is not None:
        return Reason("serverless", f"serverless price: {p.provider} bills a worker per second from its start until its idle "
                      f"timeout ends, and nothing while none is up; this bill counts the workers the requests keep up "
                      f"(arrivals at random within each hour: bursts bill less), their idle tails and each start's "
                      f"{billing.duration(plan.cold_start_s)} cold start (assumed); {card}", "warning",
                      {"idle_timeout_s": plan.per_request_day.idle_timeout_s, "cold_share": plan.per_request_day.cold_share})
    held = ("running all month" if plan.policy == "fixed" else "running for each day's job, then stopped"
            if plan.policy == "scale-to-zero" else "following each hour's load (whole hours of the workers that hour needs)")
    other = next((x for x in plans if x.per_request_day is not None and x.price is p), None)
    if other is None and per_request_of is not None and w.latency == "interactive" and "per-request" in w.scaling_policies:
        other = per_request_of(p)
    if other is not None:
        d = other.per_request_day
        alt = (f"workers that follow the requests would bill ${cost.money(other.monthly_usd):,} (an idle timeout of "
               f"{billing.duration(d.idle_timeout_s)}; {d.cold_share:.2%} of requests wait a cold start, {_room(d, w)}"
               f"{fast_start(other, d, w)})")
    elif w.latency == "interactive" and "per-request" in w.scaling_policies:
        alt = (f"workers that follow the requests cannot keep the requests that wait a {billing.duration(plan.cold_start_s)} "
               f"cold start within the TTFT target at any idle timeout up to {billing.duration(per_request.IDLE_TIMEOUT_MAX_S)}")
    else:
        alt = "workers that follow the requests are not costed here (batch work, or the scaling policies allowed)"
    return Reason("serverless", f"serverless price: {p.provider} bills a worker per second while it runs; this bill keeps "
                  f"workers {held}, the cheaper way here: {alt}; always-on (active) workers may sell for less (RunPod lists the "
                  f"same rate since 2026-06; see the price rows, `moe-advisor prices list`); {card}", "warning")


class Costing:
    """A self-hosted row's per-request plans on demand (``billing.per_request_plan``), for reasons read later: of its own
    serverless price row, or of another serverless offer of its GPU (``alternative``)."""

    def __init__(self, ctx, gpu, gpus: int, e, planned: float) -> None:
        self.ctx, self.gpu, self.gpus, self.e, self.planned = ctx, gpu, gpus, e, planned

    def __call__(self, price) -> billing.Plan | None:
        from advisor.cost import queueing

        w = self.ctx.workload
        return billing.per_request_plan(price, self.gpus, w, self.ctx.day, self.e.weights_bytes, self.planned, queueing.hold_s(self.e, w))

    def alternative(self, plan: billing.Plan) -> Reason | None:
        """Where a row kept up by the hour on a pod could run as serverless workers of its GPU that follow the requests
        (an allowed serverless offer of the GPU, per-request allowed): what the cheapest such plan would bill (trial 40:
        with the default price kinds a serverless plan that did not win was never named)."""
        from advisor.ranking import bounds

        w = self.ctx.workload
        if plan.pricing_kind == "serverless" or w.latency != "interactive" or "per-request" not in w.scaling_policies:
            return None
        found = [x for o in bounds.offers_of(self.ctx, self.gpu) if o.pricing == "serverless" and (x := self(o)) is not None]
        if not found:
            return None
        best = min(found, key=lambda x: x.monthly_usd)
        d = best.per_request_day
        return Reason("serverless-alternative", f"serverless workers of this GPU that follow the requests ({best.price.provider}, "
                      f"{best.price.sku or best.price.gpu}) would bill ${cost.money(best.monthly_usd):,}/month against this row's "
                      f"${cost.money(plan.monthly_usd):,} (an idle timeout of {billing.duration(d.idle_timeout_s)}; "
                      f"{d.cold_share:.2%} of requests wait a {billing.duration(best.cold_start_s)} cold start){fast_start(best, d, w)}",
                      "info", {"serverless_monthly_usd": str(cost.money(best.monthly_usd))})

