"""A batch job's billing arithmetic (``advisor.cost.billing``'s ``scale-to-zero`` policy): billed seconds, the replicas a
daily job starts and the cheapest split of its work over them."""

from __future__ import annotations

import math
from typing import Callable

from advisor.domain.prices import GpuPrice


def billed_seconds(seconds: float, price: GpuPrice) -> float:
    """``seconds`` rounded up to the billing increment, and at least the minimum charge."""
    inc = max(1, price.billing_increment_s)
    return max(float(price.minimum_billed_s), math.ceil(seconds / inc - 1e-9) * inc)


def cheapest_job(work_s: float, cold_s: float, least: int, price: GpuPrice, gpus_of: Callable[[int], int],
                 gpus_per_replica: float) -> tuple[int, float]:
    """(replicas, billed seconds each) of the cheapest daily job under scale-to-zero: ``work_s`` replica-seconds
    of work split over n >= ``least`` replicas, each also paying ``cold_s`` and billed in the offer's increments.

    With coarse increments one more replica can be cheaper (each finishes under the next increment), so the
    search is over every n >= least, exactly: GPU-seconds(n) = gpus(n) x billed(work/n + cold) is at least
    gpus(n) x (work/n + cold) >= g x (work + n x cold), with g = ``gpus_per_replica`` the fewest GPUs a replica
    can cost (several replicas may share one instance), which grows with n, so the scan stops once that bound
    passes the best found. (Taking the cheapest over all n >= least also keeps the bill from
    falling when the work grows: each n's bill grows with the work, and fewer n qualify.) At most 4,096 more
    replicas than ``least`` are tried."""
    def cost(n: int) -> tuple[float, float]:
        billed = billed_seconds(work_s / n + cold_s, price)
        return gpus_of(n) * billed, billed

    best_n = least
    best, best_billed = cost(least)
    n = least + 1
    while gpus_per_replica * (work_s + n * cold_s) <= best and n <= least + 4096:
        total, billed = cost(n)
        if total < best:
            best_n, best, best_billed = n, total, billed
        n += 1
    return best_n, best_billed


def deadline_s(hours: float) -> float:
    """A batch deadline's window in seconds: a daily job has at most the day."""
    return min(24.0, hours) * 3600.0


def preemption_replicas(work_s: float, cold_s: float, deadline_h: float) -> int:
    """The fewest replicas of a spot job whose run (``work_s`` replica-seconds split over them, plus a cold start)
    ends at least one more cold start before the deadline, so that one preemption (a fresh instance, the weights
    loaded again) still finishes in time: work/n + 2 x cold <= deadline; 0 where no count does (the deadline is
    shorter than two cold starts). The requests in flight at the preemption are lost too (the job writes each
    result as it finishes), not counted here."""
    room = deadline_s(deadline_h) - 2.0 * cold_s
    return math.ceil(work_s / room - 1e-9) if room > 0 else 0


def job_replicas(work_s: float, cold_s: float, deadline_h: float, spot: bool, peak: int) -> int:
    """The fewest replicas of a scale-to-zero job that ends within the deadline, counted from its start: its cold start
    plus ``work_s`` replica-seconds split over them, work/n + cold <= deadline, and at least ``peak`` (the deadline's
    rate); on spot, room for one preemption besides where any count leaves it (``preemption_replicas``). 0 where the
    deadline is no longer than a cold start: the job cannot start in time, and only replicas kept running can meet it."""
    room = deadline_s(deadline_h) - cold_s
    if room <= 0:
        return 0
    least = max(peak, math.ceil(work_s / room - 1e-9))
    return max(least, preemption_replicas(work_s, cold_s, deadline_h)) if spot else least
