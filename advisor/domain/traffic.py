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
from functools import cached_property, lru_cache

from advisor.domain.workload import Workload

PEAK_HOUR = 14


@dataclass(frozen=True)
class DayProfile:
    hourly: tuple[float, ...]
    """24 weights, mean 1: hour h carries hourly[h] x the mean rate."""
    within_hour_peak: float
    """Peak over mean inside an hour (bursts autoscaling cannot follow)."""

    @cached_property
    def peak_to_mean(self) -> float:
        return max(self.hourly) * self.within_hour_peak

    @cached_property
    def flat(self) -> bool:
        """Every hour carries the mean: the replicas an hour needs are the same all day."""
        return min(self.hourly) == max(self.hourly)


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


# --------------------------------------------------------------------------- observed traffic (--traffic FILE.csv)

TRAFFIC_COLUMNS = {
    "timestamp": ("timestamp", "time", "ts", "datetime", "date"),
    "requests": ("requests", "request_count", "num_requests", "count"),
    "input_tokens": ("input_tokens", "input tokens", "prompt_tokens", "tokens_in"),
    "output_tokens": ("output_tokens", "output tokens", "completion_tokens", "tokens_out"),
}


@dataclass(frozen=True)
class TrafficFit:
    """What a traffic log says about the workload (the fields ``--traffic`` sets)."""

    hourly_profile: tuple[float, ...]
    """24 weights, mean 1, midnight first: the mean of each hour of the day over the log."""
    peak_to_mean: float
    """Busiest interval of the log (hourly or finer) over the mean rate."""
    input_tokens: int
    output_tokens: int
    requests_per_day: float
    days: float
    rows: int
    interval_s: float

    def workload_fields(self) -> dict:
        return {"hourly_profile": self.hourly_profile, "peak_to_mean": round(self.peak_to_mean, 4),
                "input_tokens": self.input_tokens, "output_tokens": self.output_tokens,
                "requests_per_day": round(self.requests_per_day, 3)}


def _parse_time(text: str, where: str):
    import datetime as dt

    s = text.strip()
    try:
        return dt.datetime.fromtimestamp(float(s), tz=dt.timezone.utc)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        from advisor.errors import InputError

        raise InputError("traffic", f"{where}: timestamp {text!r} is neither ISO 8601 nor Unix seconds") from None


def read_traffic_csv(path) -> TrafficFit:
    """Fit the day from a CSV of ``timestamp, requests, input tokens, output tokens`` rows (hourly or finer;
    the header names the columns). Hours of the day are read as the timestamps give them."""
    import csv
    import statistics
    from pathlib import Path

    from advisor.errors import InputError

    p = Path(path)
    label = str(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("traffic", "file not found", label) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("traffic", f"cannot read: {exc}", label) from None
    reader = csv.reader(line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    header = [h.strip().lower() for h in next(reader, [])]
    cols = {}
    for key, names in TRAFFIC_COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in names or h.replace(" ", "_") in names]
        if not found:
            raise InputError("traffic", f"no {key} column (header must name {', '.join(TRAFFIC_COLUMNS)}; got {', '.join(header) or 'nothing'})", label)
        cols[key] = found[0]
    rows = []
    for n, row in enumerate(reader, start=2):
        if len(row) < len(header):
            raise InputError("traffic", f"line {n}: {len(row)} values, the header has {len(header)}", label)
        try:
            vals = [float(row[cols[k]]) for k in ("requests", "input_tokens", "output_tokens")]
        except ValueError:
            raise InputError("traffic", f"line {n}: requests and token counts must be numbers", label) from None
        if any(v < 0 or not math.isfinite(v) for v in vals):
            raise InputError("traffic", f"line {n}: counts must be finite and non-negative", label)
        rows.append((_parse_time(row[cols["timestamp"]], f"line {n}"), *vals))
    if len(rows) < 2:
        raise InputError("traffic", "needs at least two rows", label)
    rows.sort(key=lambda r: r[0])
    deltas = [(b[0] - a[0]).total_seconds() for a, b in zip(rows, rows[1:])]
    interval = statistics.median(d for d in deltas) if deltas else 3600.0
    if not 0 < interval <= 3600:
        raise InputError("traffic", f"rows are {interval:g} s apart: hourly or finer rows are needed", label)
    requests = sum(r[1] for r in rows)
    if not requests > 0:
        raise InputError("traffic", "no requests in the file", label)
    span_s = (rows[-1][0] - rows[0][0]).total_seconds() + interval
    days = span_s / 86_400.0
    mean_per_interval = requests / (span_s / interval)
    per_hour: dict[tuple, float] = {}
    for t, req, _, _ in rows:
        key = (t.date(), t.hour)
        per_hour[key] = per_hour.get(key, 0.0) + req
    by_hour = [[] for _ in range(24)]
    for (_, h), req in per_hour.items():
        by_hour[h].append(req)
    hour_means = [sum(v) / len(v) if v else 0.0 for v in by_hour]
    total = sum(hour_means)
    hourly = tuple(round(x * 24 / total, 6) for x in hour_means)
    finest_peak = max(r[1] for r in rows) / mean_per_interval
    peak = max(finest_peak, max(per_hour.values()) / (requests / (span_s / 3600.0)), 1.0)
    return TrafficFit(hourly_profile=hourly, peak_to_mean=min(peak, 1000.0),
                      input_tokens=max(1, round(sum(r[2] for r in rows) / requests)),
                      output_tokens=max(1, round(sum(r[3] for r in rows) / requests)),
                      requests_per_day=requests / days, days=days, rows=len(rows), interval_s=interval)
