"""A day of traffic: 24 hourly weights (mean 1) and the burst factor within an hour.

``fixed`` provisioning sizes for the peak, which is ``peak_to_mean`` x the mean in every profile; what
autoscaling can follow is the hour-to-hour shape, not the bursts inside an hour:

- ``steady``: flat hours; the peak-to-mean is all within-hour fluctuation.
- ``diurnal``: a smooth day, ``w(h) ∝ exp(β cos(2π (h - 14) / 24))`` (peak at 14:00, trough at 02:00), with
  β chosen so that the busiest hour is ``peak_to_mean`` x the mean: the whole peak is hour-to-hour.
- ``bursty``: flat hours with minute-scale bursts: autoscaling cannot follow them (a replica takes minutes
  to load), so every hour is provisioned for the burst.
- ``hourly_profile`` (24 weights the user gives, e.g. from ``--traffic``): the hours as given; a
  ``peak_to_mean`` above the busiest hour's ratio is the burst factor within the hours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from advisor.domain.workload import Workload

PEAK_HOUR = 14


@dataclass(frozen=True)
class DayProfile:
    hourly: tuple[float, ...]
    """24 weights, mean 1: hour h carries hourly[h] x the mean rate."""
    within_hour_peak: float
    """Peak over mean inside an hour (bursts autoscaling cannot follow)."""

    @property
    def peak_to_mean(self) -> float:
        return max(self.hourly) * self.within_hour_peak


@lru_cache(maxsize=256)
def _diurnal(peak_to_mean: float) -> tuple[float, ...]:
    def shape(beta: float) -> list[float]:
        w = [math.exp(beta * math.cos(2 * math.pi * (h - PEAK_HOUR) / 24)) for h in range(24)]
        mean = sum(w) / 24
        return [x / mean for x in w]

    if peak_to_mean <= 1.0:
        return (1.0,) * 24
    lo, hi = 0.0, 1.0
    while max(shape(hi)) < peak_to_mean and hi < 60:
        hi *= 2
    if max(shape(hi)) < peak_to_mean:  # beyond what 24 hours can express: one busy hour
        return tuple(24.0 if h == PEAK_HOUR else 0.0 for h in range(24))
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if max(shape(mid)) < peak_to_mean else (lo, mid)
    return tuple(shape(hi))


def day_profile(w: Workload) -> DayProfile:
    """The workload's day (see the module docstring)."""
    if w.hourly_profile:
        total = sum(w.hourly_profile)
        hourly = tuple(x * 24 / total for x in w.hourly_profile)
        return DayProfile(hourly, max(1.0, w.peak_to_mean / max(hourly)))
    if w.traffic_shape == "diurnal":
        hourly = _diurnal(round(w.peak_to_mean, 6))
        return DayProfile(hourly, max(1.0, w.peak_to_mean / max(hourly)))
    return DayProfile((1.0,) * 24, w.peak_to_mean)
