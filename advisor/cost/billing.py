"""What a provider actually bills for GPU replicas.

Shapes: a replica of ``n`` GPUs runs in the smallest instance the provider sells that holds ``n`` GPUs;
several replicas pack into one instance when it holds several (``instance // n`` each), so a 2-GPU replica
on a provider that sells 1 or 8 GPUs is a quarter of an 8-GPU instance, never two 1-GPU machines joined
by a network. A replica spans instances only where the provider offers a cluster interconnect
(``multi_node``).

Policies, over the workload's day (``advisor.domain.traffic``):

- ``fixed``: the peak's replicas (and ``spare_replicas``), all month (billed GPUs x ``HOURS_PER_MONTH``).
- ``autoscale`` (interactive): each hour runs the replicas that hour's traffic needs (``spare_replicas`` more in the
  hours with traffic; at least ``min_replicas``); a scale-up bills the new instances for their cold start (rounded to the billing
  increment).
- ``scale-to-zero`` (batch): each day the job's replicas start, run until the day's volume is done, and
  stop: billed for the run plus the cold start, rounded to the provider's billing increment and minimum.
  For interactive work it would make the first request after an idle spell wait the whole cold start.
- ``per-request`` (interactive, a ``serverless`` price row): workers start as requests come and stop after an idle
  timeout, billed for the seconds they are up (``advisor.cost.per_request``).

The days of a week without traffic (``days_per_week`` below 7) run ``min_replicas`` (autoscale, per-request) or no job.

Interactive replicas are sized on the capacity one replica may be *planned* to carry (``advisor.cost.queueing``:
at most ``max_utilization`` of its decode capacity, and few enough requests that the queue ahead of a prefill
keeps the mean TTFT within the target); batch replicas on their full capacity (a deadline, not a TTFT).

Reserved and committed prices are fixed capacity (a commitment cannot follow the traffic); spot prices
apply to work that tolerates preemption (batch, unless the workload allows spot for interactive work).

**Cold start** (a scale-up, or a scale-to-zero job's daily start) is a fresh instance, four steps in a row
(their figures and arithmetic: ``advisor.cost.startup``):

1. provisioning and boot, ``INSTANCE_BOOT_S``;
2. pulling the serving engine's container image, ``IMAGE_PULL_S``;
3. downloading the weights at the price row's ``storage_gbps`` (the rate the provider's storage or network
   gives a new instance; no bundled row states one) or ``DOWNLOAD_GBPS``;
4. the engine's start, ``ENGINE_START_S`` (loading the local weights into the GPUs, compiling, CUDA graphs).

A stopped instance that keeps its disk could skip steps 2-3, but autoscalers launch fresh instances, and some
providers bill stopped machines (``BILLS_STOPPED``): there, scaling down means destroying the machine.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from decimal import Decimal

from advisor.common import fmt
from advisor.cost import per_request
from advisor.cost.headroom import headroom_reasons
from advisor.cost.jobs import billed_seconds, cheapest_job, deadline_s, job_replicas, preemption_replicas  # noqa: F401 - billing's
from advisor.cost.startup import (  # noqa: F401 - BILLS_STOPPED ... training_start_s: read as billing's too
    BILLS_STOPPED,
    DOWNLOAD_GBPS,
    ENGINE_START_S,
    IMAGE_PULL_S,
    INSTANCE_BOOT_S,
    ColdStart,
    cold_start,
    cold_start_s,
    download_gbps,
    duration,
    training_start_s,
)
from advisor.domain.prices import GpuPrice
from advisor.domain.recommendation import Reason
from advisor.domain.traffic import DayProfile
from advisor.domain.workload import DAYS_PER_MONTH, HOURS_PER_MONTH, Workload

FLEET_GPUS = 64
"""Above this many GPUs of one type at one provider at the peak, a candidate warns to check quota and capacity
(eight 8-GPU instances: past what a new account is usually allowed on demand)."""
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
    per_request_day: per_request.Day | None = None
    """Under ``per-request``: the day it bills (idle timeout, cold share, workers)."""

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

    @property
    def fewest_gpus(self) -> float:
        """``fewest_gpus`` of this plan's shape."""
        return fewest_gpus(self.instance_gpus, self.instances_per_replica, self.replicas_per_instance)


def fewest_gpus(instance_gpus: int, instances_per_replica: int, replicas_per_instance: int) -> float:
    """The fewest GPUs a replica can cost: its instances where it spans several, else its share of one instance."""
    return instance_gpus * instances_per_replica if instances_per_replica > 1 else instance_gpus / replicas_per_instance


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


def _replicas(need: float, capacity: float) -> int:
    return max(0, math.ceil(need / capacity - 1e-9))


def _hourly_load(mean: float, day: DayProfile) -> tuple[float, ...]:
    """Each hour's output tokens/s at its within-hour peak (``mean x hourly[h] x within_hour_peak``, multiplied in that
    order), the same for every configuration a ranking prices: worked out once per (mean, day) and kept in one slot."""
    last = _LAST_LOAD
    if last[0] is day and last[1] == mean:
        return last[2]
    peak = day.within_hour_peak
    load = tuple([mean * x * peak for x in day.hourly])
    globals()["_LAST_LOAD"] = (day, mean, load)  # one tuple swapped in whole: safe for a stale worker's thread
    return load


_LAST_LOAD: tuple = (None, None, ())


def _spared(need: int, spare: int, floor: int) -> int:
    """Replicas an hour runs: what its load needs, ``spare`` more where it has traffic (``spare_replicas``), at least
    ``floor`` (``min_replicas``)."""
    return max(floor, need + spare if need else 0)


def _hourly_replicas(capacity: float, mean: float, day: DayProfile, floor: int, spare: int = 0) -> list[int]:
    """Replicas each hour of the day needs (``spare`` more in the hours with traffic; at least ``floor``)."""
    ceil = math.ceil
    out = [ceil(x / capacity - 1e-9) for x in _hourly_load(mean, day)]
    if spare:
        out = [r + spare if r else 0 for r in out]
    if min(out) < floor:
        out = [max(floor, r) for r in out]
    return out


def plans(price: GpuPrice, gpus: int, capacity: float, w: Workload, day: DayProfile, weights_bytes: float,
          planned: float | None = None, hold_s: float = 0.0) -> list[Plan]:
    """Every policy this price row allows for replicas of ``gpus`` GPUs producing ``capacity`` output
    tokens/s each (the cheapest is the candidate's bill). ``weights_bytes`` is the checkpoint a new instance
    downloads; ``planned`` the output tokens/s one replica may be planned to carry at an interactive peak
    (``queueing.planned_output_rate`` x engines; default ``capacity`` x ``w.max_utilization``); ``hold_s`` the seconds a
    request holds its slot (``queueing.hold_s``; 0: from the workload's targets), for ``per-request`` plans.

    A ranking prices about a thousand plans, so the hour-by-hour sums are written for speed: the GPUs billed
    each hour are ``billed_gpus`` of its replicas, and the GPUs started over the (repeating) day are half the
    sum of the hour-to-hour changes (as many GPUs stop as start)."""
    if capacity <= 0:
        return []
    static = _static(price, gpus, weights_bytes)
    if static is None:
        return []
    _, c, k, per_instance, unit, cold, scales, _kept = static
    allowed = w.scaling_policies
    out: list[Plan] = []

    if w.latency == "batch":
        peak = max(1, _replicas(w.required_output_tokens_per_s, capacity))
        if "fixed" in allowed:
            out.append(_fixed(static, peak))
        work_s, least = w.requests_per_day * w.output_tokens / capacity, 0
        if "scale-to-zero" in allowed and scales:  # (no job where it cannot start within the deadline: ``job_replicas``)
            least = job_replicas(work_s, cold, w.deadline_hours, price.pricing == "spot", peak)
        if least:
            n, billed_s = cheapest_job(work_s, cold, least, price, lambda n: billed_gpus(n, c, k, per_instance),
                                       fewest_gpus(c, k, per_instance))
            run_s = work_s / n + cold
            billed_h = billed_s / 3600.0
            if billed_h < 24.0:
                busy = w.traffic_days  # (a job on each day with traffic)
                out.append(_plan(static, "scale-to-zero", n, 0, billed_gpus(n, c, k, per_instance) * billed_h * busy,
                                n * billed_h * busy, run_s / 3600.0))
        return out

    mean = w.mean_output_tokens_per_s
    capacity = planned if planned is not None else capacity * w.max_utilization
    if capacity <= 0:
        return out
    spare = w.spare_replicas  # N+1: one more than the load needs (the peak always has traffic)
    peak = max(1, w.min_replicas, _replicas(mean * day.peak_to_mean, capacity) + spare)  # ``min_replicas``: at least that many
    if "fixed" in allowed:
        out.append(_fixed(static, peak))
    busy, idle = w.traffic_days, w.idle_days  # days a month with and without traffic (``days_per_week``)
    floor = w.min_replicas  # 0: none in the hours (and days) with no traffic
    if "autoscale" in allowed and scales and (idle > 0 or not day.flat):  # else the same replicas every hour: no plan
        peak_in_hour = day.within_hour_peak
        # Replicas rise with the load: the same at the day's lightest and busiest hours (and at the floor on the days
        # without traffic), the same every hour (no plan).
        high = _spared(math.ceil(mean * day.busiest * peak_in_hour / capacity - 1e-9), spare, floor)
        if _spared(math.ceil(mean * day.lightest * peak_in_hour / capacity - 1e-9), spare, floor) < high or (idle > 0 and floor < high):
            hourly = _hourly_replicas(capacity, mean, day, floor, spare)
            low, high = min(hourly) if not idle else min(min(hourly), floor), max(hourly)
            if per_instance > 1 and k == 1:  # replicas share instances: the instances each hour
                units, per_unit, rest = [-(-r // per_instance) for r in hourly], c, -(-floor // per_instance)
            else:  # each replica its own GPUs (``k`` instances of ``c``)
                units, per_unit, rest = hourly, c * k, floor
            # GPUs started over a day: ``per_unit`` x half the hour-to-hour changes (h - 1 wraps: the day repeats; as many
            # stop as start, so the sum is even and the integer halving exact); and each week's first day with traffic
            # starts from the floor of the days without.
            ups = per_unit * ((sum(map(abs, map(operator.sub, units, units[-1:] + units[:-1]))) // 2) * busy
                              + (max(0, units[0] - rest) * DAYS_PER_MONTH / 7.0 if idle else 0.0))
            gpu_hours = per_unit * (sum(units) * busy + 24 * rest * idle) + ups * billed_seconds(cold, price) / 3600.0
            out.append(_plan(static, "autoscale", high, low, gpu_hours, sum(hourly) * busy + 24 * floor * idle))
    if "per-request" in allowed and price.pricing == "serverless":
        # Made only where its floor goes under the row's other plans (an equal bill ranks them first): a reason that
        # compares asks ``per_request_plan``.
        least = min((x.monthly_usd for x in out), default=None)
        g = fewest_gpus(c, k, per_instance)  # each worker its own GPUs
        if least is None or float(unit) * g * (per_request.quick_floor(w, day, capacity, hold_s) * busy + 24 * floor * idle) < float(least):
            found = _per_request(static, w, day, capacity, hold_s)
            out += [found] if found is not None else []
    return out


def per_request_plan(price: GpuPrice, gpus: int, w: Workload, day: DayProfile, weights_bytes: float, planned: float,
                     hold_s: float = 0.0) -> Plan | None:
    """The ``per-request`` plan of a serverless row, as ``plans`` makes it (None where there is none), also where ``plans``
    left it out for a floor no lower than the row's other plans: for the reason that compares them."""
    static = _static(price, gpus, weights_bytes)
    if static is None or price.pricing != "serverless" or w.latency != "interactive" or planned <= 0:
        return None
    return _per_request(static, w, day, planned, hold_s)


def _per_request(static: tuple, w: Workload, day: DayProfile, planned: float, hold_s: float) -> Plan | None:
    price, c, k, per_instance, _unit, cold = static[:6]
    pr = per_request.day_of(w, day, planned, cold, hold_s)
    if pr is None:
        return None
    return _plan(static, "per-request", pr.peak, w.min_replicas, per_request_gpu_hours(pr, fewest_gpus(c, k, per_instance), cold, price, w),
                 pr.worker_hours * w.traffic_days + 24 * w.min_replicas * w.idle_days, per=pr)


def per_request_gpu_hours(pr: per_request.Day, g: float, cold_s: float, price: GpuPrice, w: Workload) -> float:
    """GPU-hours a month of a per-request day: its worker-hours and starts (each billed its cold start) on the days with
    traffic, ``min_replicas`` on the others, ``g`` GPUs a worker."""
    starts_h = pr.starts * billed_seconds(cold_s, price) / 3600.0
    return g * ((pr.worker_hours + starts_h) * w.traffic_days + 24 * w.min_replicas * w.idle_days)


_STATIC: dict = {}
"""(id of a price row, GPUs per replica, weights bytes) -> what ``plans`` reads of them whatever the traffic: ``_static``."""


def _static(price: GpuPrice, gpus: int, weights_bytes: float) -> tuple | None:
    """(the row, instance GPUs, instances per replica, replicas per instance, $/GPU-hour, cold start s, whether the row may
    scale, {peak replicas: its fixed month's ``Plan``}) for ``plans``, or None when no shape holds the replica: worked
    out once per row, count and checkpoint (a re-rank prices the same ones again), the row held so its id is not re-used."""
    key = (id(price), gpus, weights_bytes)
    found = _STATIC.get(key)
    if found is None or found[0] is not price:
        shape = price.shape_for(gpus)
        if shape is None:
            return None
        if len(_STATIC) >= 65536:
            _STATIC.clear()
        c, k = shape
        found = _STATIC[key] = (price, c, k, c // gpus if k == 1 else 1, price.usd_per_gpu_hour,
                                cold_start_s(weights_bytes, price), price.pricing not in FIXED_ONLY, {})
    return found


def _plan(static: tuple, policy: str, peak: int, low: int, gpu_hours: float, replica_hours: float, run_h: float = 0.0,
          usd: Decimal | None = None, per: per_request.Day | None = None) -> Plan:
    """A ``Plan`` of ``_static``'s row and shape, made without its generated __init__ (a ranking prices thousands)."""
    p = object.__new__(Plan)
    p.__dict__.update(price=static[0], policy=policy, instance_gpus=static[1], instances_per_replica=static[2],
                      replicas_per_instance=static[3], replicas_peak=peak, replicas_min=low, billed_gpu_hours_per_month=gpu_hours,
                      monthly_usd=static[4] * Decimal(str(gpu_hours)) if usd is None else usd,
                      replica_hours_per_month=replica_hours, cold_start_s=static[5], run_hours_per_day=run_h, per_request_day=per)
    return p


def _fixed(static: tuple, peak: int) -> Plan:
    """All month at the peak: the same plan for the same peak (kept in ``_static``'s dict; a plan is never changed)."""
    found = static[7].get(peak)
    if found is None:
        hours = billed_gpus(peak, *static[1:4]) * HOURS_PER_MONTH
        found = static[7][peak] = _plan(static, "fixed", peak, peak, hours, peak * HOURS_PER_MONTH, 0.0, static[4] * Decimal(str(hours)))
    return found


FLOOR_MARGIN = 1e-12
"""``bills_at_least`` trusts a float floor only this far (relative) above the bill it compares with: far above a float sum's
rounding (~1e-15), so a floor computed in floats never rules out a plan whose bill, as ``plans`` computes it, is lower."""


def bills_at_least(price: GpuPrice, gpus: int, capacity: float, w: Workload, day: DayProfile, weights_bytes: float,
                   planned: float, usd: Decimal) -> bool:
    """Whether every plan ``plans(price, gpus, capacity, w, day, weights_bytes, planned)`` gives bills at least ``usd`` a
    month, decided without pricing the scaling policies (a search drops a configuration whose bill does not go under the
    best found; ~28% of a batch-pipeline edit's costings were such). False where it cannot tell.

    Fixed: its kept ``Plan``, exactly. Scale-to-zero (batch), with g the fewest GPUs a replica can cost (``cheapest_job``)
    and n >= ``least`` replicas: each is billed at least max(minimum charge, work / n + cold start) seconds, so the job's
    GPU-seconds are at least g x max(n x minimum, work + n x cold) >= g x max(least x minimum, work + least x cold) (less
    ``billed_seconds``' 1e-9 of an increment a replica).
    Autoscale (interactive): the GPUs billed each hour are at least g x that hour's replicas (instances only round up,
    scale-ups only add), and the replicas r_h = max(floor, ceil(x_h / capacity - 1e-9)) are at least those of the
    lightest hour and at least x_h / capacity - 1e-9, so their day is at least max(24 x lightest's, sum(x_h) / capacity
    - 24e-9), on each day with traffic (``Workload.traffic_days``), and ``min_replicas`` on the others. Per-request (a
    serverless row): ``per_request.floor_hours`` worker-hours a day with traffic, g GPUs each. A float floor counts only
    ``FLOOR_MARGIN`` above ``usd``."""
    static = _static(price, gpus, weights_bytes)
    cap = capacity if w.latency == "batch" else planned
    if static is None or capacity <= 0 or cap <= 0:
        return True  # no plan at all
    _, c, k, per_instance, unit, cold, scales, _kept = static
    allowed, g = w.scaling_policies, fewest_gpus(c, k, per_instance)
    least_usd = float(usd) * (1 + FLOOR_MARGIN) / float(unit) if unit > 0 else math.inf  # GPU-hours a month that bill ``usd``
    if w.latency == "batch":
        peak = max(1, _replicas(w.required_output_tokens_per_s, cap))
        if "fixed" in allowed and _fixed(static, peak).monthly_usd < usd:
            return False
        if "scale-to-zero" in allowed and scales:
            work_s = w.requests_per_day * w.output_tokens / cap
            least = job_replicas(work_s, cold, w.deadline_hours, price.pricing == "spot", peak)
            if not least:
                return True  # no scale-to-zero plan: the job cannot start within the deadline
            slack = least * 1e-9 * max(1, price.billing_increment_s)  # ``billed_seconds`` rounds up from 1e-9 of an increment below
            return g * max(least * float(price.minimum_billed_s), work_s + least * cold - slack) / 3600.0 * w.traffic_days >= least_usd
        return True
    mean = w.mean_output_tokens_per_s
    spare = w.spare_replicas
    if "fixed" in allowed and _fixed(static, max(1, w.min_replicas, _replicas(mean * day.peak_to_mean, cap) + spare)).monthly_usd < usd:
        return False
    busy, idle, floor = w.traffic_days, w.idle_days, w.min_replicas
    if ("per-request" in allowed and price.pricing == "serverless"
            and g * (per_request.floor_hours(w, day, cap) * busy + 24 * floor * idle) < least_usd):
        return False
    if "autoscale" in allowed and scales and (idle > 0 or not day.flat):
        peak_in_hour = day.within_hour_peak  # (as ``plans``: else no plan)
        low = _spared(math.ceil(mean * day.lightest * peak_in_hour / cap - 1e-9), spare, floor)
        high = _spared(math.ceil(mean * day.busiest * peak_in_hour / cap - 1e-9), spare, floor)
        if low < high or (idle > 0 and floor < high):
            hours = max(24 * low, sum(_hourly_load(mean, day)) / cap - 24e-9)
            return g * (hours * busy + 24 * floor * idle) >= least_usd
    return True


def _dominates(a: GpuPrice, b: GpuPrice) -> bool:
    """Whether offer ``a`` bills every plan ``b`` could at most what ``b`` would, and wins a tie with it: the same
    kind of price, the same shapes and cluster interconnect, a price per GPU-hour no higher, a billing increment
    that divides ``b``'s, a minimum charge no longer and a cold start no slower."""
    if (a.pricing != b.pricing or a.shapes != b.shapes or a.multi_node != b.multi_node or a.usd_per_gpu_hour > b.usd_per_gpu_hour
            or a.minimum_billed_s > b.minimum_billed_s or download_gbps(a) < download_gbps(b)):
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
    top = candidates[0]
    for p in candidates[1:]:  # ``min`` over the whole key, which is read only where two bills are equal
        if p.monthly_usd < top.monthly_usd or (p.monthly_usd == top.monthly_usd and _order(p) < _order(top)):
            top = p
    return top


def _order(p: Plan) -> tuple:
    return p.monthly_usd, _KIND_ORDER.get(p.pricing_kind, 2), _POLICY_ORDER.get(p.policy, 3), p.price.provider


_KIND_ORDER = {"on-demand": 0, "serverless": 1, "spot": 2}
_POLICY_ORDER = {"fixed": 0, "autoscale": 1, "scale-to-zero": 2, "per-request": 3}


def sizing_reasons(plan: Plan, w: Workload, tokens_per_s: float, ttft_ms: float, engines_per_replica: int,
                   weights_bytes: float, day: DayProfile, prefill_ms: float | None = None, queues: int = 1, slots: float = 0.0,
                   hold: float = 0.0) -> list[Reason]:
    """Why the peak has this many replicas (the queueing headroom, interactive work) and what a start costs in
    time (the cold start). ``tokens_per_s``, ``ttft_ms`` and ``prefill_ms`` (the TTFT's prefill work,
    ``queueing.prefill_ms``) are one engine's; ``weights_bytes`` the checkpoint; ``queues`` the engine's attention ranks
    (``queueing.queue_count``: under attention data parallelism each rank queues its own prompts, and the figures are a
    rank's)."""
    cs = cold_start(weights_bytes, plan.price)
    out: list[Reason] = headroom_reasons(plan.replicas_peak, w, tokens_per_s, ttft_ms, engines_per_replica, day.peak_to_mean,
                                         prefill_ms, queues, slots, hold, plan.hourly_one_usd * Decimal(str(HOURS_PER_MONTH)),
                                         duration(cs.total_s)) if w.latency == "interactive" else []
    where = plan.price.provider
    stopped = (f"; {where} bills powered-off machines, so scaling down destroys the machine and every start is a fresh one "
               f"({BILLS_STOPPED[where]})" if where in BILLS_STOPPED else "")
    numbers = {"cold_start_s": cs.total_s, "minutes": cs.total_s / 60, "boot_s": cs.boot_s, "image_pull_s": cs.image_s,
               "weights_download_s": cs.weights_s, "engine_start_s": cs.engine_s}
    head = f"cold start about {duration(cs.total_s)} on a fresh instance ({cs.text()}; assumed figures, see advisor.cost.billing)"
    if w.latency == "interactive" and (d := plan.per_request_day) is not None:  # trial 40: "no scale-to-zero" beside it
        tail = (f"a request that finds no worker up waits it: {d.cold_share:.2%} of requests with the "
                f"{duration(d.idle_timeout_s)} idle timeout (the billing line says how that was chosen)" if not w.min_replicas else
                f"{fmt.setting('min_replicas', w.min_replicas)} keeps {w.min_replicas} worker(s) up, so no request waits it")
        out.append(Reason("cold-start", f"{head}: {tail}{stopped}", "info", numbers))
    elif w.latency == "interactive":
        if w.traffic_shape == "bursty":
            tail = "so replicas cannot scale from zero with the bursts"
        elif plan.policy == "autoscale":
            tail = "each scale-up is billed for it and must start that long before its hour's traffic"
        else:
            tail = "so a replica that scales to zero takes that long to serve again"
        zero = (f"it scales to zero only in the hours the day's profile gives no traffic ({fmt.setting('min_replicas', 0)}), where "
                f"a request waits it" if plan.policy == "autoscale" and plan.replicas_min == 0 else
                f"no scale-to-zero for {fmt.a_number(f'{w.ttft_ms:,.0f}')} ms TTFT target")  # trial 38: said beside min 0
        out.append(Reason("cold-start", f"{head}: {tail}; {zero}{stopped}",
                          "warning" if w.traffic_shape == "bursty" else "info", numbers))
    elif plan.policy == "scale-to-zero":
        out.append(Reason("cold-start", f"{head}: each day's run pays it{stopped}", "info", numbers))
    elif "scale-to-zero" in w.scaling_policies and deadline_s(w.deadline_hours) <= cs.total_s:
        out.append(Reason("cold-start", f"{head}: longer than the {duration(deadline_s(w.deadline_hours))} deadline, so a job "
                          f"started for each batch cannot finish in time and the replicas run all month; a deadline longer "
                          f"than the cold start lets the job scale to zero between runs", "warning", numbers))
    return out


def fleet_reason(plan: Plan, gpu_id: str) -> Reason | None:
    """A warning when the peak needs more than ``FLEET_GPUS`` GPUs at the plan's provider: a quota and capacity
    question before it is a price (and the price row's own notes when they mention a quota)."""
    peak = plan.gpus_billed_at_peak
    if peak <= FLEET_GPUS:
        return None
    p = plan.price
    quota = " (its price notes say this GPU needs a quota request)" if "quota" in (p.notes or "").lower() else ""
    kind = "" if plan.pricing_kind in FIXED_ONLY else f"; large fleets are usually reserved, not {plan.pricing_kind}"
    return Reason("fleet-size", f"needs {peak:,} {gpu_id} at {p.provider} at the peak: check your quota{quota} and that the "
                  f"provider has that capacity in one region{kind}", "warning", {"gpus_at_peak": peak})
