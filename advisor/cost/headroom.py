"""Why an interactive workload's peak has the replicas it has: the queueing headroom (``queueing.at_peak``) said as a
reason, with the TTFT statistic the target bounds (the mean, or the workload's ``ttft_percentile``) and, for a mean
target, the p95 it leaves."""

from __future__ import annotations

import math
from decimal import Decimal

from advisor.common import fmt
from advisor.cost import queueing
from advisor.domain.recommendation import Reason
from advisor.domain.workload import Workload


def headroom_reasons(replicas_peak: int, w: Workload, tokens_per_s: float, ttft_ms: float, engines_per_replica: int,
                     peak_to_mean: float, prefill_ms: float | None = None, queues: int = 1, slots: float = 0.0,
                     hold: float = 0.0, one_more_usd: Decimal | None = None, cold_start: str = "") -> list[Reason]:
    """The ``headroom`` reason of ``replicas_peak`` replicas of ``engines_per_replica`` engines (each ``tokens_per_s``
    output tokens/s, ``ttft_ms`` unloaded TTFT of which ``prefill_ms`` is prefill work, ``queues`` attention ranks,
    ``slots`` batch slots each held ``hold`` s) at the peak, and ``ttft-tail`` where a mean target is met and its p95
    is not; ``not-n-plus-one`` where ``min_replicas`` asks for redundancy and one replica lost at the peak leaves the rest
    past their load cap or the TTFT target (``one_more_usd``: what one more replica costs a month at most; ``cold_start``:
    how long a replacement takes, as text)."""
    engines = replicas_peak * engines_per_replica
    h = queueing.at_peak(tokens_per_s, ttft_ms, engines, w, peak_to_mean, prefill_ms, queues, slots, hold)
    rate = w.mean_requests_per_s * peak_to_mean
    rho_max = queueing.max_prefill_share((ttft_ms if prefill_ms is None else prefill_ms) / 1000, ttft_ms / 1000, w)
    stat = f"p{w.ttft_percentile:g}" if w.ttft_percentile else "mean"
    # What sets the count is what the count would be without: the load caps alone may need as many replicas as the
    # TTFT target (a tighter rate per engine, the same whole replicas), and then the load cap sets it.
    # ``spare_replicas`` run beyond the need (``billing.plans``): the need is what the bound below explains.
    spare = w.spare_replicas if replicas_peak - w.spare_replicas >= 1 and replicas_peak > max(1, w.min_replicas) else 0
    need = replicas_peak - spare
    by_load = (max(1, w.min_replicas - spare, math.ceil(rate * w.output_tokens / (h.load_cap_tokens_per_s * engines_per_replica) - 1e-9))
               if h.load_cap_tokens_per_s > 0 else need)
    bound = "ttft" if h.bound == "ttft" and by_load < need else "utilization"
    n_plus_one = replicas_peak > 1 and w.min_replicas >= 2 and not w.spare_replicas  # is it redundancy at the peak?
    fewer = (queueing.at_peak(tokens_per_s, ttft_ms, engines - engines_per_replica, w, peak_to_mean, prefill_ms, queues, slots, hold)
             if n_plus_one else None)  # one replica lost at the peak
    if replicas_peak <= max(1, w.min_replicas):
        sets = "" if replicas_peak == 1 else f"; {fmt.setting('min_replicas', w.min_replicas)} sets the replica count"
    elif bound == "ttft":
        lower = fewer if fewer is not None else queueing.at_peak(tokens_per_s, ttft_ms, (need - 1) * engines_per_replica, w,
                                                                  peak_to_mean, prefill_ms, queues, slots, hold)  # one fewer than need
        then, slot_part = lower.ttft_checked_ms, ""
        if lower.slot_wait_ms >= 1 and lower.slot_wait_ms >= 0.2 * (lower.ttft_ms - lower.unloaded_ttft_ms):
            share, mean_s = queueing.slot_wait_s(rate / ((need - 1) * engines_per_replica), slots, hold)
            slot_part = (f": {share:.1%} of requests would wait for a batch slot, {mean_s / share:,.1f} s on average"
                         if 0 < share and math.isfinite(mean_s) else "")
        sets = (f"; the TTFT target, not the load, sets the replica count: with {need - 1} the {stat} TTFT would be "
                + (f"{then:,.0f} ms{slot_part}" if math.isfinite(then) else "unbounded (the queue would grow)"))
    else:
        sets = f"; the {h.max_utilization:.0%} load cap sets the replica count"
    if spare:
        sets += (f"{' (' + str(need) + ')' if bound != 'ttft' else ''}, and {fmt.setting('spare_replicas', spare)} runs "
                 f"{'one' if spare == 1 else spare} more: with {'one' if spare == 1 else spare} lost at the peak the rest stay "
                 f"within it")
    rate_text = f"{rate:,.1f}" if rate >= 1 else f"{rate:.3f}"
    most = f"{rho_max:.0%}" if rho_max >= 0.01 or rho_max == 0 else f"{rho_max:.2%}"  # (not "at most 0%" for a small one)
    slot = (f" + {h.slot_wait_ms:,.0f} ms waiting for one of the {h.slots:,.0f} batch slots (each held {hold:,.0f} s; Erlang C)"
            if h.slot_wait_ms >= 0.5 else "")
    if w.ttft_percentile:
        below = "; below the mean: most prompts do not wait, the few that do raise the mean" if h.ttft_checked_ms < h.ttft_ms else ""
        checked = (f"{slot}; {stat} TTFT {h.ttft_checked_ms:,.0f} ms (target {w.ttft_ms:,.0f} ms at the {stat}"
                   f"{_mean_over(h) if h.ttft_ms > w.ttft_ms else below})")  # (trial 35: a p90 of 279 ms beside a 280 ms mean)
    else:
        checked = (f"{slot} (target {w.ttft_ms:,.0f} ms), p95 TTFT {h.ttft_p95_ms:,.0f} ms"
                   f"{' (most prompts do not wait: the mean is raised by the few that do)' if h.ttft_p95_ms < h.ttft_ms else ''}")
    out = [Reason(
        "headroom", f"queueing headroom: at the peak ({rate_text} requests/s over {engines} engine{'s' if engines > 1 else ''}"
        f"{f' of {queues} attention ranks, each prefilling the prompts it holds' if queues > 1 else ''}) each {'rank' if queues > 1 else 'engine'} "
        f"is busy {h.busy_utilization:.0%} of the time (load planned at most {h.max_utilization:.0%}): prefill {h.prefill_utilization:.0%} "
        f"(at most {most} keeps the {stat} TTFT on target), decode {h.decode_utilization:.0%}; with random "
        f"arrivals a prompt waits {h.wait_ms:,.0f} ms on average before its prefill (M/D/1, Pollaczek-Khinchine): mean TTFT "
        f"{h.ttft_ms:,.0f} ms = {h.unloaded_ttft_ms:,.0f} ms unloaded + {h.wait_ms:,.0f} ms queueing{checked}{sets}",
        "decisive" if bound == "ttft" else "info",
        {"planned_utilization": h.planned_utilization, "max_utilization": h.max_utilization,
         "prefill_utilization": h.prefill_utilization, "max_prefill_utilization": rho_max, "queue_wait_ms": h.wait_ms,
         "ttft_at_peak_ms": h.ttft_ms, "sized_by": bound, "decode_utilization": h.decode_utilization,
         "busy_utilization": h.busy_utilization, "queue_wait_p95_ms": h.wait_p95_ms, "ttft_p95_at_peak_ms": h.ttft_p95_ms,
         "queues_per_engine": queues, "slot_wait_ms": h.slot_wait_ms, "batch_slots": h.slots,
         **({"ttft_percentile": w.ttft_percentile, "ttft_at_percentile_ms": h.ttft_checked_ms} if w.ttft_percentile else {})})]
    if n_plus_one:
        out += _not_n_plus_one(replicas_peak, w, fewer, stat, one_more_usd, cold_start)
    if not w.ttft_percentile and h.ttft_p95_ms > w.ttft_ms >= h.ttft_ms:
        out.append(Reason("ttft-tail", f"the mean TTFT at the peak ({h.ttft_ms:,.0f} ms) meets the {w.ttft_ms:,.0f} ms target, "
                          f"but its p95 is {h.ttft_p95_ms:,.0f} ms: one request in twenty at the peak waits longer (the "
                          f"target is checked as a mean; for a p95 target, give --ttft-percentile 95 (ttft_percentile in a "
                          f"workload file))", "warning",
                          {"ttft_p95_at_peak_ms": h.ttft_p95_ms, "ttft_at_peak_ms": h.ttft_ms}))
    return out


def _mean_over(h: queueing.Headroom) -> str:
    """Why a percentile is met while the mean is over the target: the few requests that wait, wait long (for a batch
    slot where that is most of the mean's wait, else for their prefill)."""
    slot = h.slot_wait_ms >= 0.5 * max(h.ttft_ms - h.unloaded_ttft_ms, 1e-9)
    return f"; the mean is over it: the few requests that wait for {'a batch slot' if slot else 'their prefill'} wait long"


def _not_n_plus_one(replicas: int, w: Workload, fewer: queueing.Headroom, stat: str, one_more_usd: Decimal | None,
                    cold_start: str) -> list[Reason]:
    """A warning where ``min_replicas`` >= 2 reads as redundancy and is not at the peak: with one of ``replicas`` lost
    (``fewer``: the headroom of the rest), the load passes the planned cap or the TTFT statistic its target (trial 36:
    a chatbot whose peak needs 1.6 replicas, one lost leaving the other at 159% of its capacity)."""
    over_cap = fewer.planned_utilization > fewer.max_utilization * (1 + 1e-9)
    late = not math.isfinite(fewer.ttft_checked_ms) or fewer.ttft_checked_ms > w.ttft_ms
    if not (over_cap or late):
        return []
    rest = "the other" if replicas == 2 else f"the other {replicas - 1}"
    if fewer.planned_utilization >= 1 or not math.isfinite(fewer.ttft_checked_ms):
        then = (f"{rest} would carry {fewer.planned_utilization:.0%} of {'its' if replicas == 2 else 'their'} capacity: the queue "
                f"grows until a replacement serves{f' (a {cold_start} cold start)' if cold_start else ''}")
    else:
        then = (f"{rest} would run at {fewer.planned_utilization:.0%} of capacity (load cap {fewer.max_utilization:.0%}), "
                f"{stat} TTFT {fewer.ttft_checked_ms:,.0f} ms against the {w.ttft_ms:,.0f} ms target, until a replacement "
                f"serves{f' (a {cold_start} cold start)' if cold_start else ''}")
    more = f" (at most {fmt.usd(one_more_usd)}/month more)" if one_more_usd is not None else ""
    return [Reason("not-n-plus-one", f"{fmt.setting('min_replicas', w.min_replicas)} is not redundancy at the peak: with one "
                   f"of the {replicas} replicas lost (a crash, a GPU fault, an upgrade), {then}; "
                   f"{fmt.setting('spare_replicas', 1)} runs one beyond each hour's need, N+1{more}", "warning",
                   {"survivor_utilization": fewer.planned_utilization, "survivor_ttft_ms": fewer.ttft_checked_ms,
                    **({"extra_replica_monthly_usd": str(one_more_usd.quantize(Decimal("0.01")))} if one_more_usd is not None else {})})]
