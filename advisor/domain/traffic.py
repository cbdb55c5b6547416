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
    def lightest(self) -> float:
        """The lowest hourly weight (a quantity that rises with the load is lowest at that hour)."""
        return min(self.hourly)

    @cached_property
    def busiest(self) -> float:
        """The highest hourly weight."""
        return max(self.hourly)

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


def utc_hours(hourly: tuple[float, ...], offset: float) -> tuple[float, ...]:
    """``hourly`` (the workload's hours, ``utc_offset_hours`` = ``offset`` from UTC) as UTC hours: local hour h is UTC hour
    h - offset (CET, 1: 08:00 local is 07:00 UTC); a part-hour offset (India, 5.5) splits each UTC hour between the two
    local hours it overlaps, each hour's traffic spread evenly over it."""
    if not offset:
        return hourly
    whole = math.floor(offset)
    part = offset - whole
    return tuple((1 - part) * hourly[(u + whole) % 24] + part * hourly[(u + whole + 1) % 24] for u in range(24))


def zone(offset: float) -> str:
    """``UTC``, ``UTC+1``, ``UTC-5``, ``UTC+5:30``."""
    if not offset:
        return "UTC"
    sign, minutes = "+" if offset > 0 else "-", round(abs(offset) * 60)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


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


MAX_ROW_COUNT = 1e15
"""The largest count one row may give (requests or tokens in one interval): a million requests a second of 10^6
tokens each for an hour is 3.6e15 tokens; 1e308 overflowed the sums to inf and NaN."""


def _parse_time(text: str, where: str, label: str | None = None):
    import datetime as dt

    from advisor.errors import InputError

    s = text.strip()
    try:
        seconds = float(s)
    except ValueError:
        pass
    else:
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
        except (ValueError, OverflowError, OSError):  # nan, inf, 1e308, beyond year 9999
            raise InputError("traffic", f"{where}: timestamp {text.strip()[:40]!r} is out of range for Unix seconds", label) from None
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise InputError("traffic", f"{where}: timestamp {text[:40]!r} is neither ISO 8601 nor Unix seconds", label) from None


def _read_rows(path, label: str) -> list[tuple]:
    """``(line, time, requests, input tokens, output tokens)`` per data row, through the bounded reader (regular files
    only, at most ``MOE_ADVISOR_MAX_FILE_BYTES``: /dev/zero and a FIFO hung the read)."""
    import csv

    from advisor.common import tomlio
    from advisor.errors import InputError

    try:
        text = tomlio.read_text(path, label)
    except tomlio.TomlFileError as exc:
        raise InputError("traffic", exc.reason, label) from None
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip() and not line.lstrip().startswith("#")]
    parsed = csv.reader(line for _, line in lines)
    numbers = iter(n for n, _ in lines)
    try:
        header = [h.strip().lower() for h in next(parsed, [])]
        next(numbers, None)
        cols = {}
        for key, names in TRAFFIC_COLUMNS.items():
            found = [i for i, h in enumerate(header) if h in names or h.replace(" ", "_") in names]
            if not found:
                raise InputError("traffic", f"no {key} column (header must name {', '.join(TRAFFIC_COLUMNS)}; got "
                                 f"{', '.join(header)[:200] or 'nothing'})", label)
            cols[key] = found[0]
        rows = []
        for row in parsed:
            n = next(numbers)
            if len(row) < len(header):
                raise InputError("traffic", f"line {n}: {len(row)} values, the header has {len(header)}", label)
            try:
                vals = [float(row[cols[k]]) for k in ("requests", "input_tokens", "output_tokens")]
            except ValueError:
                raise InputError("traffic", f"line {n}: requests and token counts must be numbers", label) from None
            if any(v < 0 or not math.isfinite(v) for v in vals):
                raise InputError("traffic", f"line {n}: counts must be finite and non-negative", label)
            if max(vals) > MAX_ROW_COUNT:
                raise InputError("traffic", f"line {n}: a count of {max(vals):g} in one row is beyond any deployment "
                                 f"(at most {MAX_ROW_COUNT:g})", label)
            rows.append((n, _parse_time(row[cols["timestamp"]], f"line {n}", label), *vals))
    except csv.Error as exc:
        raise InputError("traffic", f"line {next(numbers, '?')}: not CSV: {exc}", label) from None
    zoned = [r for r in rows if r[1].tzinfo is not None]
    if zoned and len(zoned) < len(rows):  # naive and zoned times cannot be compared (TypeError)
        naive = next(r for r in rows if r[1].tzinfo is None)
        raise InputError("traffic", f"line {naive[0]}: timestamp without a UTC offset while line {zoned[0][0]} has one; "
                         "give every timestamp an offset (or none)", label)
    return rows


def read_traffic_csv(path) -> TrafficFit:
    """Fit the day from a CSV of ``timestamp, requests, input tokens, output tokens`` rows (hourly or finer;
    the header names the columns). Hours of the day are read as the timestamps give them. What the fit gives is
    checked against the workload's own limits here, so an error names the file, not the flags it fills in."""
    import statistics

    from advisor.domain.workload import MAX_REQUESTS_PER_DAY, MAX_TOKENS
    from advisor.errors import InputError

    label = str(path)
    rows = [r[1:] for r in _read_rows(path, label)]
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
    tokens_in, tokens_out = (sum(r[i] for r in rows) / requests for i in (2, 3))
    if requests / days > MAX_REQUESTS_PER_DAY:
        raise InputError("traffic", f"{len(rows):,} rows over {span_s:.3g} s give {requests / days:.3g} requests/day, beyond any "
                         f"single deployment (max {MAX_REQUESTS_PER_DAY:g}); are the timestamps in seconds?", label)
    for what, mean in (("input", tokens_in), ("output", tokens_out)):
        if mean > MAX_TOKENS:
            raise InputError("traffic", f"{mean:.3g} {what} tokens per request, beyond any model's context "
                             f"(max {MAX_TOKENS:,}); is the column a total per row?", label)
    return TrafficFit(hourly_profile=hourly, peak_to_mean=min(peak, 1000.0),
                      input_tokens=max(1, round(tokens_in)), output_tokens=max(1, round(tokens_out)),
                      requests_per_day=requests / days, days=days, rows=len(rows), interval_s=interval)
