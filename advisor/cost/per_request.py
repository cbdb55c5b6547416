"""Serverless workers that follow the requests (the ``per-request`` scaling policy of a ``serverless`` price row).

A serverless endpoint (RunPod Serverless flex workers, https://docs.runpod.io/serverless/endpoints/endpoint-configurations)
starts a worker when a request finds none free, bills it per second from its start, and stops it once it has been
idle for the endpoint's idle timeout ("You're billed during idle time ... Default: 5 seconds"). Hourly autoscaling
(``advisor.cost.billing``) bills whole replicas for whole hours; this bills the seconds workers are up.

One hour ``h`` of the day, requests arriving as a Poisson stream at the hour's mean rate ``λ_h`` (requests/day x
``hourly[h]`` / 86,400):

- A request holds a worker's slot for ``S`` seconds: its unloaded TTFT and its output at the TPOT (``queueing.hold_s``),
  or where not given ``ttft_ms / 1000 + output_tokens / output_tokens_per_s_per_user`` (the targets the engine is sized
  to meet, so at most about that), and a worker holds ``B = floor(planned x S /
  output_tokens)`` requests at once (Little's law at the output tokens/s one replica may be planned to carry, at least 1).
- Counting every request as holding its slot for ``S + T`` (``T``: the idle timeout; an upper bound, since a request that
  arrives in a worker's idle tail reuses it), the slots held are ``N ~ Poisson(L)``, ``L = λ_h (S + T)`` (M/G/∞), and the
  workers up ``ceil(N / B)``, whose mean ``sum_j P(N > jB)`` (``mean_workers``) is at least ``λ_h S / B`` (= the hour's
  output tokens/s over ``planned``).
- Bursts inside the hour (``within_hour_peak``) come faster than a worker starts: the workers up are at least the
  burst's load over ``planned`` (the floor the bill floors use, ``floor_hours``), rounded up where it is more than one
  worker's: a second worker started by a burst comes a cold start too late, so it is up all hour, as autoscaling's.
- With ``min_replicas`` 0 a request that finds no worker up starts one and waits its cold start ``c``, as do those that
  arrive while it starts. A cycle is an empty spell (``1 / λ_h`` on average), the start, and a busy spell (``(e^L - 1) /
  λ_h`` in M/G/∞), so the hour has ``λ_h e^-L / (1 + λ_h c e^-L)`` starts a second, each met by ``1 + λ_h c`` requests:
  a share ``(1 + λ_h c) e^-L / (1 + λ_h c e^-L)`` of them (``e^-L`` where starts are instant: Poisson arrivals see the
  time average). One that finds every slot taken waits for a slot, not a start (the endpoint's queue gives it to the
  first worker free). ``min_replicas`` >= 1 keeps that many workers up all day
  (billed here at the flex price; RunPod's active workers list the same rate since 2026-06), and no request finds none.
- The idle timeout is the shortest from ``IDLE_TIMEOUT_S`` (the endpoint's default) that keeps the day's share of
  requests waiting a cold start within the TTFT target's room: half the share a percentile target leaves out ((1 - p) /
  2 for a p-th percentile), or, for a mean target, a share whose cold starts add at most half the target to the mean.
  None up to ``IDLE_TIMEOUT_MAX_S`` does: no per-request plan (workers kept up through the quiet hours are the hourly
  policies' plans).
- Worker starts: the requests that find none up, and the rises of the workers up from one hour to the next; each is
  billed its cold start.

Poisson arrivals inside the hour bill the idle tails cautiously (bursts put requests together, so fewer tails are
billed), but not the cold starts: bursts separated by lulls longer than the idle timeout each start cold. For bursty
traffic (``traffic_shape = "bursty"``) the share that waits is at least that of one burst an hour (``_burst_share``),
and each hour has at least one start where the timeout is shorter than the lull.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from advisor.domain.traffic import DayProfile
from advisor.domain.workload import Workload

IDLE_TIMEOUT_S = 5.0
"""A serverless endpoint's default idle timeout (RunPod: "Default: 5 seconds",
https://docs.runpod.io/serverless/endpoints/endpoint-configurations, read 2026-12-06)."""
IDLE_TIMEOUT_MAX_S = 3600.0
"""The longest idle timeout this model sets: past an hour a worker stays up through the quiet hours, which the hourly
policies (fixed, autoscale) bill at the same or a lower price. Our bound, not a provider's."""


@dataclass(frozen=True)
class Day:
    """A per-request day: what ``billing.plans`` bills and what a reason says."""

    worker_hours: float
    """Worker-hours a day (the mean workers up, summed over the hours)."""
    starts: float
    """Worker starts a day (each billed its cold start)."""
    peak: int
    """Workers up at the busiest hour, rounded up (the endpoint's max workers must allow it)."""
    idle_timeout_s: float
    cold_share: float
    """Share of the day's requests that wait a cold start."""
    hold_s: float
    """``S``: seconds a request holds a slot."""
    slots: int
    """``B``: requests a worker holds at once."""
    default_share: float
    """The share at the default ``IDLE_TIMEOUT_S`` (0 with ``min_replicas`` >= 1)."""
    budget: float
    """The share the TTFT target leaves (``cold_budget``)."""
    busy_hours: int = 24
    """Hours of the day with traffic."""
    busy_worker_hours: float = 0.0
    """Worker-hours in them."""
    planned: float = 0.0
    """The output tokens/s a worker may be planned to carry (``day_of``'s)."""


def cold_budget(w: Workload, cold_s: float) -> float:
    """The share of requests that may wait a cold start of ``cold_s`` seconds (see the module docstring); 1 where a cold
    start fits within the TTFT target."""
    target = w.ttft_ms / 1000.0
    if cold_s <= target:
        return 1.0
    if w.ttft_percentile:
        return (1.0 - w.ttft_percentile / 100.0) / 2.0
    return target / 2.0 / cold_s


def _cold(rate: float, held: float, cold_s: float) -> tuple[float, float]:
    """(starts a second, share of requests that wait a cold start) of an hour at ``rate`` requests/s whose slots held
    average ``held`` (see the module docstring)."""
    empty, during = math.exp(-held), rate * cold_s
    starts = rate * empty / (1.0 + during * empty)
    return starts, min(1.0, starts * (1.0 + during) / rate)


def _burst_share(rate: float, timeout: float, cold_s: float, burst: float) -> float:
    """The share of an hour's requests that wait a cold start under on/off bursts (``burst``: the within-hour peak B):
    one burst an hour carrying the hour's requests in 1/B of it, and a lull of the rest. A lull longer than the idle
    timeout lets the workers stop, so the burst starts cold: its first request and those arriving while a worker starts
    (at B times the hour's rate) wait. A timeout that outlasts the lull keeps a worker up: none do."""
    if burst <= 1.0 or timeout >= 3600.0 * (1.0 - 1.0 / burst):
        return 0.0
    return min(1.0, (1.0 + rate * burst * cold_s) / (rate * 3600.0))


def _cold_share(rates: list[float], hold: float, timeout: float, cold_s: float, burst: float = 1.0) -> float:
    """The request-weighted share that waits a cold start, each request holding its slot ``hold`` seconds and a worker
    staying up ``timeout`` seconds after its last; with ``burst`` (bursty traffic) at least ``_burst_share``'s."""
    return sum(r * max(_cold(r, r * (hold + timeout), cold_s)[1], _burst_share(r, timeout, cold_s, burst))
               for r in rates) / sum(rates)


def idle_timeout(rates: list[float], hold_s: float, budget: float, cold_s: float, burst: float = 1.0) -> float | None:
    """The shortest idle timeout from ``IDLE_TIMEOUT_S`` whose cold share (``rates``: each busy hour's requests/s) is at most
    ``budget``; None where ``IDLE_TIMEOUT_MAX_S`` is not enough. The share falls as the timeout grows: bisection."""
    if _cold_share(rates, hold_s, IDLE_TIMEOUT_S, cold_s, burst) <= budget:
        return IDLE_TIMEOUT_S
    if _cold_share(rates, hold_s, IDLE_TIMEOUT_MAX_S, cold_s, burst) > budget:
        return None
    lo, hi = IDLE_TIMEOUT_S, IDLE_TIMEOUT_MAX_S
    while hi - lo > 1.0:
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if _cold_share(rates, hold_s, mid, cold_s, burst) > budget else (lo, mid)
    return float(math.ceil(hi))


def _poisson_above(x: int, mean: float, run: list[float]) -> float:
    """P(N > x) for N ~ Poisson(``mean``), ``run`` = [k, P(N = k), P(N <= k)] carried from call to call (``x`` rising):
    each term from the last, P(N = k) = P(N = k - 1) x mean / k."""
    k, pmf, cdf = run
    while k < x:
        k += 1
        pmf *= mean / k
        cdf += pmf
    run[:] = (k, pmf, cdf)
    return max(0.0, 1.0 - cdf)


def mean_workers(held: float, slots: int) -> float:
    """E[ceil(N / ``slots``)] for N ~ Poisson(``held``): the sum over j of P(N > j x slots), exact (summed terms) up to a
    mean of 30, the normal approximation with continuity correction above; where the spread exceeds a worker's slots,
    ``held / slots`` plus half a worker's rounding. At least ``held / slots`` (the floor ``floor_hours`` counts). Terms
    past ``held`` + 8 sd + 8 (under 1e-12) are left out."""
    if held <= 0:
        return 0.0
    sd = math.sqrt(held)
    if sd >= slots:  # the rounding averages out: half a worker (less where the hour is often empty)
        return held / slots + -math.expm1(-held) * (slots - 1) / (2 * slots)
    first = max(1, int((held - 12 * sd) // slots))  # below it P(N > j x slots) is 1 within 1e-30
    total, j, run, top = -math.expm1(-held) + first - 1, first, [0, math.exp(-held), math.exp(-held)], held + 8 * sd + 8
    while j * slots <= top:
        x = j * slots
        total += (_poisson_above(x, held, run) if held <= 30 else
                  0.5 * math.erfc((x + 0.5 - held) / (sd * math.sqrt(2.0))))
        j += 1
    return max(total, held / slots)


def _hold_slots(w: Workload, planned: float, hold_s: float) -> tuple[float, int]:
    """(``S``, ``B``): the seconds a request holds a slot (``hold_s``, else from the targets) and the requests a worker
    holds at once (Little's law at ``planned``, at least 1)."""
    hold = hold_s if hold_s > 0 else w.ttft_ms / 1000.0 + w.output_tokens / w.output_tokens_per_s_per_user
    return hold, max(1, int(planned * hold / w.output_tokens + 1e-9))


def day_of(w: Workload, day: DayProfile, planned: float, cold_s: float, hold_s: float = 0.0) -> Day | None:
    """The per-request day of a replica that may be planned to carry ``planned`` output tokens/s, starting in ``cold_s``
    seconds, a request holding its slot ``hold_s`` seconds (0: from the targets; see the module docstring); None where no
    idle timeout keeps the cold starts within the TTFT target."""
    if planned <= 0 or w.latency != "interactive" or w.requests_per_day <= 0:
        return None
    out = float(w.output_tokens)
    hold, slots = _hold_slots(w, planned, hold_s)
    mean_rate, burst, floor, spare = w.mean_requests_per_s, day.within_hour_peak, w.min_replicas, w.spare_replicas
    rates = [mean_rate * x for x in day.hourly]
    busy = [r for r in rates if r > 0]
    budget = cold_budget(w, cold_s)
    lulls = burst if w.traffic_shape == "bursty" and not w.hourly_profile else 1.0  # on/off bursts: ``_burst_share``
    if floor:
        timeout, share, default = IDLE_TIMEOUT_S, 0.0, 0.0
    else:
        found = idle_timeout(busy, hold, budget, cold_s, lulls)
        if found is None:
            return None
        timeout = found
        share, default = (_cold_share(busy, hold, t, cold_s, lulls) for t in (found, IDLE_TIMEOUT_S))
    up: list[float] = []
    starts = 0.0
    seen: dict[float, float] = {}
    for r in rates:
        if r <= 0:
            up.append(float(floor))
            continue
        held = r * (hold + timeout)
        workers = seen.get(held)
        if workers is None:
            workers = seen[held] = mean_workers(held, slots)
        need = r * out * burst / planned  # the burst's load: more than one worker's is up all hour (a start comes too late)
        up.append(max(floor, workers, math.ceil(need - 1e-9) if need > 1.0 else need) + spare)
        if not floor:
            starts += max(3600.0 * _cold(r, held, cold_s)[0], 1.0 if _burst_share(r, timeout, cold_s, lulls) else 0.0)
    starts += sum(max(0.0, a - b) for a, b in zip(up, up[-1:] + up[:-1]))
    busy_up = sum(u for u, r in zip(up, rates) if r > 0)
    return Day(sum(up), starts, math.ceil(max(up) - 1e-9), timeout, share, hold, slots, default, budget, len(busy), busy_up,
               planned)


def floor_hours(w: Workload, day: DayProfile, planned: float) -> float:
    """Worker-hours a day below which no per-request day of this replica bills (``day_of``): each hour runs at least
    ``min_replicas`` and its burst's output tokens/s over ``planned`` (less 1e-9 of a worker for float arithmetic)."""
    a, floor = w.mean_output_tokens_per_s * day.within_hour_peak / planned, w.min_replicas
    return sum(max(floor, a * x - 1e-9) for x in day.hourly)


def quick_floor(w: Workload, day: DayProfile, planned: float, hold_s: float) -> float:
    """Worker-hours a day below which ``day_of`` does not go, cheaply (for skipping a day that cannot win): each busy hour
    at least its requests held over the default timeout, ``r (S + IDLE_TIMEOUT_S) / B`` (``mean_workers`` is at least
    ``held / slots``, the timeout at least the default), and its burst's workers as ``day_of`` counts them, plus the spare;
    the idle hours ``min_replicas``."""
    if planned <= 0 or w.latency != "interactive":
        return 0.0
    out = float(w.output_tokens)
    hold, slots = _hold_slots(w, planned, hold_s)
    floor, spare, burst, mean_rate, total = w.min_replicas, w.spare_replicas, day.within_hour_peak, w.mean_requests_per_s, 0.0
    for x, hours in _hour_groups(day.hourly):  # (a flat day: one group of 24)
        r = mean_rate * x
        if r <= 0:
            total += floor * hours
            continue
        need = r * out * burst / planned
        total += (max(floor, r * (hold + IDLE_TIMEOUT_S) / slots, math.ceil(need - 1e-9) if need > 1.0 else need) + spare) * hours
    return total


@lru_cache(maxsize=256)
def _hour_groups(hourly: tuple[float, ...]) -> tuple[tuple[float, int], ...]:
    """(weight, hours with it) of a day's hourly weights."""
    out: dict[float, int] = {}
    for x in hourly:
        out[x] = out.get(x, 0) + 1
    return tuple(out.items())

