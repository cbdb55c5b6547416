"""What the advisor asks about: traffic, latency needs, fine-tuning plans, context, constraints.

A Workload is built from a TOML file, CLI flags or a preset; every value is validated with an error that names the field.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from advisor.common.checks import readable, ungrouped
from advisor.common.text import nearest
from advisor.errors import InputError, UnknownIdError

SHAPES = {"steady": 1.0, "diurnal": 2.5, "bursty": 6.0}
"""Traffic shapes and their default peak-to-mean ratio."""
LATENCY = ("interactive", "batch")
FINE_TUNING = ("none", "light", "heavy")
SELF_HOSTING = ("required", "allowed", "not-wanted")
SCALING = ("fixed", "autoscale", "scale-to-zero", "per-request")
PRICING = ("on-demand", "spot", "reserved", "serverless")
ENGINES = ("trtllm", "vllm", "sglang")

MAX_UTILIZATION = 0.8
"""Most of a replica's decode capacity planned to be in use at the peak (serving teams plan 60-80%); the rest is
headroom for queueing (``advisor.cost.queueing``)."""
MAX_REQUESTS_PER_DAY = 1e10
MIN_REQUESTS_PER_DAY = 12 / 365
"""One request a month. Every row is a monthly bill divided over the month's requests and tokens: below one
request a month a price per million tokens is the fixed bill over almost nothing, and far below it
(``1e-300``) the arithmetic underflows to "0 requests/day" and ``$0.000`` rows."""
MAX_TOKENS = 10_000_000
MAX_TTFT_MS = 3_600_000  # an hour: a later first token is a batch job (``latency = "batch"``, ``deadline_hours``)
MAX_GPUS = 1024
"""GPUs of one replica (a workload's ``max_gpus``, ``estimate --gpus``): past the largest scale-up domain sold."""


@dataclass(frozen=True)
class Workload:
    """A described workload. Units are in the field names."""

    name: str = "custom"
    description: str = ""
    # traffic
    requests_per_day: float = 10_000.0
    """Mean requests per day."""
    input_tokens: int = 1000
    """Mean prompt tokens per request (conversation history included)."""
    output_tokens: int = 300
    """Mean generated tokens per request."""
    traffic_shape: str = "steady"
    """``steady``, ``diurnal`` or ``bursty``."""
    peak_to_mean: float = 1.0
    """Peak request rate over the mean; capacity is provisioned for the peak."""
    cached_input_fraction: float = 0.0
    """Share of input tokens an API bills at its cached-input price."""
    # latency
    latency: str = "interactive"
    """``interactive`` (TTFT and per-user speed targets) or ``batch`` (throughput by a deadline)."""
    ttft_ms: float = 2000.0
    """Time-to-first-token target (interactive), at the peak."""
    ttft_percentile: float = 0.0
    """What ``ttft_ms`` bounds: 0 (or "mean") the mean TTFT at the peak; 50-99.9 (or "p95") that percentile of it."""
    output_tokens_per_s_per_user: float = 20.0
    """Per-stream generation speed target (interactive): TPOT limit = 1000 / this."""
    deadline_hours: float = 24.0
    """Batch: each day's volume must be processed within this many hours."""
    # fine-tuning
    fine_tuning: str = "none"
    """``none``, ``light`` (LoRA adapters) or ``heavy`` (repeated full fine-tunes)."""
    fine_tuning_method: str = ""
    """``lora``, ``qlora`` or ``full`` ("": LoRA for light, full for heavy)."""
    fine_tune_tokens: float = 0.0
    """Training tokens per fine-tuning run (0: runs are not costed)."""
    fine_tunes_per_month: float = 0.0
    lora_adapters: int = 0
    """LoRA adapters served at once, resident on the GPUs (vLLM ``--max-loras``, SGLang ``--max-loras-per-batch``,
    TensorRT-LLM ``max_loras``); 0: one per fine-tune of the month, at least one. Used with a LoRA or QLoRA plan."""
    lora_rank: int = 0
    """Rank of the served adapters (0: 16, the rank the fine-tuning runs are costed at)."""
    lora_targets: str = ""
    """Projections the adapters adapt: ``all`` (attention and MLP/expert projections; "" means this) or ``attention``."""
    # context
    context_typical_tokens: int = 2000
    """Typical tokens per sequence (prompt + output), shown in summaries. The KV cache is NOT sized from it: it is
    sized at the context the serving engine admits a request at, ``input_tokens`` + ``output_tokens``. Left at its
    default while input + output exceed it, it is set to input + output (``validate``)."""
    context_max_tokens: int = 8192
    """Longest sequence the deployment must accept."""
    # constraints
    min_quality: float = 0.0
    """Quality floor on ``quality_benchmark`` (0 = no floor)."""
    quality_benchmark: str = "MMLU-Pro"
    self_hosting: str = "allowed"
    """``required``, ``allowed`` or ``not-wanted``."""
    precisions: tuple[str, ...] = ("bf16", "fp8")
    """Weight precisions allowed for self-hosting (add ``int4``/``fp4`` to accept 4-bit quantizations). Each model is
    also always ranked in its own checkpoint precision when that is 4-bit (``native_precision``, e.g. gpt-oss's ``mxfp4-experts``): that
    is the published model, not a quantization. A precision wider than a 4-bit native checkpoint is an upcast:
    the same quality in more memory."""
    providers: tuple[str, ...] = ()
    """Allowed providers (GPU clouds and APIs); empty = all."""
    gpu_types: tuple[str, ...] = ()
    """Allowed GPU ids; empty = all."""
    models: tuple[str, ...] = ()
    """Restrict to these model ids; empty = every catalog model."""
    max_gpus: int = 8
    """Most GPUs in one replica."""
    engines: tuple[str, ...] = ()
    """Serving engines allowed for self-hosting (``trtllm``, ``vllm``, ``sglang``); empty = all."""
    # billing
    hourly_profile: tuple[float, ...] = ()
    """24 relative request rates, midnight first (empty: from ``traffic_shape``)."""
    days_per_week: float = 7.0
    """Days a week with traffic (5: weekdays); ``requests_per_day`` is such a day's, the other days carry none."""
    utc_offset_hours: float = 0.0
    """The day's hours as hours from UTC (CET: 1, India: 5.5), read where a per-token price has time-of-day windows (UTC)."""
    pricing: tuple[str, ...] = ()
    """GPU price kinds allowed: ``on-demand``, ``spot``, ``reserved`` (1 or 3 years); empty = on-demand,
    plus spot for batch work (it tolerates preemption)."""
    scaling: tuple[str, ...] = ()
    """Scaling policies allowed: ``fixed``, ``autoscale``, ``scale-to-zero``, ``per-request`` (serverless); empty = all."""
    min_replicas: int = 1
    """Interactive: the floor of a fixed deployment and of autoscaling (0: none in hours with no traffic)."""
    spare_replicas: int = 0
    """Interactive: replicas beyond what each hour's load needs, in every hour with traffic (1: N+1, one lost at the peak)."""
    max_utilization: float = MAX_UTILIZATION
    """Interactive: most of the decode capacity planned to be in use at the peak (0.8 leaves 20% headroom)."""

    @property
    def tpot_limit_ms(self) -> float | None:
        return 1000.0 / self.output_tokens_per_s_per_user if self.latency == "interactive" else None

    @property
    def tokens_per_request(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def mean_requests_per_s(self) -> float:
        return self.requests_per_day / 86_400.0

    @property
    def mean_output_tokens_per_s(self) -> float:
        return self.mean_requests_per_s * self.output_tokens

    @property
    def required_output_tokens_per_s(self) -> float:
        """Output rate the deployment must sustain: the peak (interactive) or the day's volume over the deadline (batch)."""
        if self.latency == "batch":
            return self.requests_per_day * self.output_tokens / (min(24.0, self.deadline_hours) * 3600.0)
        return self.mean_output_tokens_per_s * self.peak_to_mean

    @property
    def traffic_days(self) -> float:
        """Days a month with traffic (``days_per_week`` of each week's 7)."""
        return DAYS_PER_MONTH * self.days_per_week / 7.0

    @property
    def idle_days(self) -> float:
        """Days a month without traffic (the rest of ``traffic_days``')."""
        return DAYS_PER_MONTH - self.traffic_days

    @property
    def tokens_per_month(self) -> float:
        return self.requests_per_day * self.tokens_per_request * self.traffic_days

    @property
    def pricing_kinds(self) -> tuple[str, ...]:
        """GPU price kinds this workload may be costed at (``reserved`` covers 1 and 3 years). By default the
        pay-as-you-go kinds: on-demand and serverless (no commitment, nothing reclaimed mid-request), and spot for
        batch work, which can checkpoint and retry."""
        allowed = self.pricing or (("on-demand", "serverless", "spot") if self.latency == "batch" else ("on-demand", "serverless"))
        return tuple(k for p in allowed for k in (("reserved-1y", "reserved-3y", "committed") if p == "reserved" else (p,)))

    @property
    def scaling_policies(self) -> tuple[str, ...]:
        return self.scaling or SCALING


DAYS_PER_MONTH = 365.0 / 12.0
HOURS_PER_MONTH = 24.0 * DAYS_PER_MONTH


_FIELD_TYPES = {f.name: f.type for f in dataclasses.fields(Workload)}
SYNONYMS = {
    "tpot_ms": "give output_tokens_per_s_per_user: 1000 / the time per output token in ms",
    "itl_ms": "give output_tokens_per_s_per_user: 1000 / the inter-token latency in ms",
    "ttft_p95_ms": "give ttft_ms with ttft_percentile = 95 (0, the default, makes ttft_ms a mean)",
    "quality_floor": "give min_quality, on the benchmark's 0-100 scale",
    "context_length": "give context_max_tokens (and context_typical_tokens)",
    "qps": "give requests_per_day (qps x 86,400) and peak_to_mean",
}
"""Field names serving engineers use for what a workload says another way: the unknown-field error names the right one."""
_TYPICAL_DEFAULT = Workload.context_typical_tokens


def _coerce(name: str, value: Any, where: str | None, shown: str = "") -> Any:
    """``value`` as field ``name``'s type; errors name ``shown`` (the key as given, e.g. ``tokens_per_day``) or ``name``."""
    typ, name = _FIELD_TYPES[name], shown or name
    if typ == "str":
        if not isinstance(value, str):
            raise InputError(name, f"must be text, got {_as_written(value)}", where)
        return value.strip()
    if typ == "int":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InputError(name, f"must be a whole number, got {_as_written(value)}", where)
        try:
            f = float(ungrouped(value, name, where, whole=True) if isinstance(value, str) else value)  # "40,000" too
        except ValueError:
            raise InputError(name, f"must be a whole number, got {_as_written(value)}", where) from None
        if not math.isfinite(f) or f != int(f):
            raise InputError(name, f"must be a whole number, got {_as_written(value)}", where)
        return int(f)
    if typ == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InputError(name, f"must be a number, got {_as_written(value)}", where)
        try:
            f = float(ungrouped(str(value), name, where).replace("_", ""))
        except ValueError:
            raise InputError(name, f"must be a number, got {_as_written(value)}", where) from None
        if not math.isfinite(f):
            raise InputError(name, f"must be a finite number, got {_as_written(value)}", where)
        return f
    if typ == "tuple[float, ...]":
        if isinstance(value, str):
            value = [v for v in (p.strip() for p in value.split(",")) if v]
        if not isinstance(value, (list, tuple)):
            raise InputError(name, f"must be a list of numbers, got {_as_written(value)}", where)
        return tuple(_coerce_number(name, v, where) for v in value)
    # tuple[str, ...]
    if isinstance(value, str):
        value = [v for v in (p.strip() for p in value.split(",")) if v]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InputError(name, f"must be a list of names, got {_as_written(value)}", where)
    return tuple(value)


def _coerce_number(name: str, value: Any, where: str | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(name, f"must be a list of numbers, got {_as_written(value)}", where)
    try:
        f = float(str(value).replace("_", ""))
    except ValueError:
        raise InputError(name, f"must be a list of numbers, got {_as_written(value)}", where) from None
    if not math.isfinite(f) or f < 0:
        raise InputError(name, f"must be finite, non-negative numbers, got {_as_written(value)}", where)
    return f


def _as_written(value: Any) -> str:
    """A value as a workload file or flag writes it, for an error: TOML's ``true``/``false``, not Python's ``True``."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_as_written, value)) + "]"
    return ("true" if value else "false") if isinstance(value, bool) else repr(value)


def _normalized(w: Workload) -> Workload:
    """Float fields as floats and lists as tuples, so equal workloads serialize identically; a typical context left
    at its default while a request is longer (input + output) set to the request's length; with an hourly profile, a
    peak-to-mean under its busiest hour's ratio raised to it (every rate at the peak reads ``peak_to_mean``)."""
    changes = {}
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                  for v in (w.input_tokens, w.output_tokens, w.context_max_tokens))
    request = w.input_tokens + w.output_tokens if numbers else 0
    if w.context_typical_tokens == _TYPICAL_DEFAULT and request > _TYPICAL_DEFAULT:
        # at most the longest context (a longer request is the error validate names: context_max_tokens)
        changes["context_typical_tokens"] = int(min(request, max(w.context_max_tokens, _TYPICAL_DEFAULT)))
    hours = w.hourly_profile
    if (hours and len(hours) == 24 and all(isinstance(x, (int, float)) and math.isfinite(x) and x >= 0 for x in hours)
            and 0 < sum(hours) * 24 < math.inf and isinstance(w.peak_to_mean, (int, float))):
        busiest = max(hours) * 24 / sum(hours)  # the peak is at least the busiest hour of the profile given
        if w.peak_to_mean < busiest:
            changes["peak_to_mean"] = round(busiest, 6)
    for f in dataclasses.fields(w):
        v = getattr(w, f.name)
        if f.type == "float" and isinstance(v, int) and not isinstance(v, bool):
            changes[f.name] = float(v)
        elif f.type == "int" and isinstance(v, float) and v.is_integer():
            changes[f.name] = int(v)
        elif f.type.startswith("tuple") and isinstance(v, list):
            changes[f.name] = tuple(v)
    return dataclasses.replace(w, **changes) if changes else w


def validate(w: Workload, where: str | None = None) -> Workload:
    """Check ranges and consistency; returns the workload, normalized (raises InputError naming the field)."""
    w = _normalized(w)

    def err(name: str, msg: str) -> InputError:
        return InputError(name, msg, where)

    if not w.requests_per_day >= MIN_REQUESTS_PER_DAY:
        raise err("requests_per_day", f"must be at least one request a month ({MIN_REQUESTS_PER_DAY:.4g} a day), "
                  f"got {readable(w.requests_per_day)}")
    if w.requests_per_day > MAX_REQUESTS_PER_DAY:
        raise err("requests_per_day", f"{readable(w.requests_per_day)} is beyond any single deployment (max {readable(MAX_REQUESTS_PER_DAY)})")
    for name in ("input_tokens", "output_tokens", "context_typical_tokens", "context_max_tokens"):
        if name.startswith("context") and w.input_tokens + w.output_tokens > MAX_TOKENS:  # named by its larger part
            raise err("output_tokens" if w.output_tokens > w.input_tokens else "input_tokens", f"{w.input_tokens:,} input + "
                      f"{w.output_tokens:,} output tokens is beyond any model's context (max {MAX_TOKENS:,})")
        v = getattr(w, name)
        if v < 1:
            raise err(name, f"must be at least 1, got {v}")
        if v > MAX_TOKENS:
            raise err(name, f"{v:,} tokens is beyond any model's context (max {MAX_TOKENS:,})")
    if w.traffic_shape not in SHAPES:
        raise err("traffic_shape", f"must be one of {', '.join(SHAPES)}, got {w.traffic_shape!r}")
    if not (-12 <= w.utc_offset_hours <= 14 and (w.utc_offset_hours * 4).is_integer()):
        raise err("utc_offset_hours", f"must be between -12 and 14 in quarter hours (5.5: UTC+5:30), got {readable(w.utc_offset_hours)}")
    if not 1.0 <= w.days_per_week <= 7.0:
        raise err("days_per_week", f"must be between 1 and 7, got {readable(w.days_per_week)}")
    if not 1.0 <= w.peak_to_mean <= 1000:
        raise err("peak_to_mean", f"must be between 1 and 1000 (peak over mean), got {readable(w.peak_to_mean)}")
    if not 0.0 <= w.cached_input_fraction <= 1.0:
        raise err("cached_input_fraction", f"must be between 0 and 1, got {readable(w.cached_input_fraction)}")
    if w.latency not in LATENCY:
        raise err("latency", f"must be 'interactive' or 'batch', got {w.latency!r}")
    if w.latency == "interactive":
        if not 0 < w.ttft_ms <= MAX_TTFT_MS:
            raise err("ttft_ms", f"must be above 0 and at most {MAX_TTFT_MS:,} (an hour), got {readable(w.ttft_ms)}")
        if not (w.ttft_percentile == 0 or 50 <= w.ttft_percentile <= 99.9):
            raise err("ttft_percentile", f"must be 0 (ttft_ms is the mean) or a percentile from 50 to 99.9, got {readable(w.ttft_percentile)}")
        if not 0 < w.output_tokens_per_s_per_user <= 10_000:
            raise err("output_tokens_per_s_per_user", f"must be above 0 and at most 10,000, got {readable(w.output_tokens_per_s_per_user)}")
    if not 0 < w.deadline_hours <= 24 * 31:
        raise err("deadline_hours", f"must be above 0 and at most {24 * 31} (a month), got {readable(w.deadline_hours)}")
    if w.fine_tuning not in FINE_TUNING:
        raise err("fine_tuning", f"must be one of {', '.join(FINE_TUNING)}, got {w.fine_tuning!r}")
    if w.fine_tuning_method not in ("", "lora", "qlora", "full"):
        raise err("fine_tuning_method", f"must be lora, qlora or full, got {w.fine_tuning_method!r}")
    if not 0 <= w.fine_tune_tokens <= 1e13:
        raise err("fine_tune_tokens", f"must be between 0 and 10,000,000,000,000, got {readable(w.fine_tune_tokens)}")
    if not 0 <= w.fine_tunes_per_month <= 1000:
        raise err("fine_tunes_per_month", f"must be between 0 and 1,000, got {readable(w.fine_tunes_per_month)}")
    for name, least, most in (("lora_adapters", 0, 10_000), ("lora_rank", 0, 1024), ("min_replicas", 0, 1000),
                              ("spare_replicas", 0, 100)):
        if not least <= getattr(w, name) <= most:
            raise err(name, f"must be between {least} and {most:,}, got {getattr(w, name)}")
    if w.lora_targets not in ("", "all", "attention"):
        raise err("lora_targets", f"must be 'all' or 'attention', got {w.lora_targets!r}")
    if w.self_hosting not in SELF_HOSTING:
        raise err("self_hosting", f"must be one of {', '.join(SELF_HOSTING)}, got {w.self_hosting!r}")
    if w.context_typical_tokens > w.context_max_tokens:
        raise err("context_typical_tokens", f"{w.context_typical_tokens:,} exceeds context_max_tokens {w.context_max_tokens:,}")
    if w.tokens_per_request > w.context_max_tokens:
        raise err("context_max_tokens", f"{w.context_max_tokens:,} is shorter than a mean request "
                  f"({w.input_tokens:,} input + {w.output_tokens:,} output tokens)")
    if not 0 <= w.min_quality <= 100:
        raise err("min_quality", f"must be between 0 and 100, got {readable(w.min_quality)}")
    if 0 < w.min_quality <= 1:
        raise err("min_quality", f"{w.min_quality:g} reads as a share, but scores are on the benchmark's 0-100 scale "
                  f"(did you mean {w.min_quality * 100:g}?)")
    if not 1 <= w.max_gpus <= MAX_GPUS:
        raise err("max_gpus", f"must be between 1 and {MAX_GPUS}, got {w.max_gpus}")
    if w.hourly_profile and (len(w.hourly_profile) != 24 or not 0 < sum(w.hourly_profile) * 24 < math.inf):
        # x * 24 / sum rescales each hour (advisor.domain.traffic.day_profile): the sum times 24 must stay finite
        total = f" summing to {sum(w.hourly_profile):g}" if len(w.hourly_profile) == 24 else ""
        raise err("hourly_profile", "must be 24 non-negative numbers (midnight first) with a positive sum below 7e306, "
                  f"got {len(w.hourly_profile)} values{total}")
    for name, allowed in (("pricing", PRICING), ("scaling", SCALING), ("engines", ENGINES)):
        for v in getattr(w, name):
            if v not in allowed:
                raise err(name, f"must be among {', '.join(allowed)}, got {v!r}")
    if not 0.05 <= w.max_utilization <= 1.0:
        raise err("max_utilization", f"must be between 0.05 and 1 (a share of capacity), got {readable(w.max_utilization)}")
    from advisor.domain.precision import PRECISIONS

    for p in w.precisions:
        if p not in PRECISIONS:
            raise UnknownIdError("precision", p, sorted(PRECISIONS)).with_where(where, "precisions")
    if not w.precisions and w.self_hosting != "not-wanted":  # not "all", as an empty provider list is: 4-bit is opt-in
        raise err("precisions", "an empty list allows no precision to self-host: list the ones to allow (bf16 and fp8 when left out), or set self_hosting to not-wanted for APIs only")
    return w


def from_mapping(data: dict[str, Any], where: str | None = None, base: Workload | None = None) -> Workload:
    """Build a workload from a flat mapping (TOML table or CLI flags) over ``base`` (or the defaults): ``tokens_per_day``
    may replace ``requests_per_day``; ``preset`` starts from a named preset. A request length (input or output tokens)
    longer than the longest context the mapping does not set makes it the next power of two that holds the request; a
    longest context set alone cuts the typical one to it (a short one is refused for the request, not for a typical
    context the user never gave)."""
    data = dict(data)
    if "preset" in data:
        try:
            base = preset(str(data.pop("preset")))
        except UnknownIdError as exc:  # named with the file and its field, as every other workload error
            raise exc.with_where(where, "preset") from None
    values = dataclasses.asdict(base) if base else {}
    tokens_per_day = data.pop("tokens_per_day", None)
    if tokens_per_day is not None and data.get("requests_per_day") is not None:
        raise InputError("tokens_per_day", "given together with requests_per_day: give one of them (tokens_per_day sets requests_per_day from the tokens per request)", where)
    for key, value in data.items():
        if key not in _FIELD_TYPES:
            close = nearest(key, [*_FIELD_TYPES, "tokens_per_day", "preset"])  # by whole names and their first words
            hint = f" ({SYNONYMS[key]})" if key in SYNONYMS else f" (did you mean {close}?)" if close else ""
            raise InputError(key, f"unknown workload field{hint}", where)
        if key == "ttft_percentile" and isinstance(value, str):  # "mean", "p95" or "95%", as SLOs write it
            text = value.strip().lower()
            value = {"mean": "0", "median": "50"}.get(text) or (text[1:] if text.startswith("p") else text.rstrip("%"))
            if not value.strip() or (value.strip() in ("0", "0.0") and text not in ("mean", "0", "0.0")):  # "p0", "0%": no such SLO
                raise InputError(key, f"must be 'mean' or a percentile such as 95 or 'p95', got {text!r}", where)
        values[key] = _coerce(key, value, where)
    if "traffic_shape" in data and "peak_to_mean" not in data:
        values["peak_to_mean"] = SHAPES.get(values["traffic_shape"], 1.0)
    w = Workload(**values)
    if "context_typical_tokens" not in data and isinstance(w.context_max_tokens, int) and 1 <= w.context_max_tokens < w.context_typical_tokens:
        w = dataclasses.replace(w, context_typical_tokens=w.context_max_tokens)  # (the default's or the preset's)
    request = w.input_tokens + w.output_tokens
    if ("context_max_tokens" not in data and {"input_tokens", "output_tokens"} & data.keys()
            and isinstance(request, (int, float)) and math.isfinite(request) and w.context_max_tokens < request <= 1 << 24):
        # a longest context the caller did not give (the default's or the preset's) follows a longer mean request:
        # the next power of two, as a serving engine's max_model_len is usually set
        longest = 1 << math.ceil(math.log2(request))
        typical = w.context_typical_tokens
        if "context_typical_tokens" not in data:
            typical = min(max(typical, math.ceil(request)), longest)
        w = dataclasses.replace(w, context_max_tokens=longest, context_typical_tokens=typical)
    if tokens_per_day is not None:
        tpd = _coerce("requests_per_day", tokens_per_day, where, "tokens_per_day")
        low, high = MIN_REQUESTS_PER_DAY * w.tokens_per_request, MAX_REQUESTS_PER_DAY * w.tokens_per_request
        if not low <= tpd <= high:  # named as given, with the bounds in tokens at this request's length
            raise InputError("tokens_per_day", f"must be between {low:,.0f} and {high:g} at {w.tokens_per_request:,.0f} "
                             f"tokens a request (one request a month to {MAX_REQUESTS_PER_DAY:g} a day), got {tpd:g}", where)
        w = dataclasses.replace(w, requests_per_day=tpd / w.tokens_per_request)
    return validate(w, where)


PRESETS: dict[str, Workload] = {
    "bursty-app": Workload(
        name="bursty-app",
        description="Low-traffic bursty app: a few thousand chats a day in bursts (seed: 'Low traffic, bursty app -> serverless inference')",
        requests_per_day=3_000, input_tokens=1_500, output_tokens=400, traffic_shape="bursty", peak_to_mean=8.0,
        latency="interactive", ttft_ms=1500, output_tokens_per_s_per_user=30, fine_tuning="none",
        context_typical_tokens=2_000, context_max_tokens=16_384, min_quality=65, self_hosting="allowed",
    ),
    "steady-latency": Workload(
        name="steady-latency",
        description="Medium steady traffic with a latency target, self-hosting required, LoRA adapters planned "
                    "(seed: 'Medium traffic, predictable latency -> dense model on H100/H200')",
        requests_per_day=40_000, input_tokens=1_200, output_tokens=350, traffic_shape="steady", peak_to_mean=1.5,
        latency="interactive", ttft_ms=1000, output_tokens_per_s_per_user=25, fine_tuning="light",
        fine_tune_tokens=20e6, fine_tunes_per_month=4,
        context_typical_tokens=2_000, context_max_tokens=16_384, min_quality=70, self_hosting="required",
        gpu_types=("h100-sxm", "h200"), precisions=("bf16", "fp8"), max_gpus=8,
    ),
    "batch-pipeline": Workload(
        name="batch-pipeline",
        description="High-throughput batch pipeline: overnight document processing, 2 billion tokens a day "
                    "(seed: 'High-throughput batched workload -> MoE on multi-GPU')",
        requests_per_day=1_000_000, input_tokens=1_500, output_tokens=500, traffic_shape="steady", peak_to_mean=1.0,
        latency="batch", deadline_hours=24, fine_tuning="none",
        context_typical_tokens=2_000, context_max_tokens=8_192, min_quality=73, self_hosting="required",
        precisions=("bf16", "fp8"), max_gpus=8,
    ),
    "heavy-fine-tuning": Workload(
        name="heavy-fine-tuning",
        description="Heavy fine-tuning roadmap: repeated full fine-tunes of a model serving steady traffic "
                    "(seed: 'Heavy fine-tuning roadmap -> dense first')",
        requests_per_day=30_000, input_tokens=1_000, output_tokens=300, traffic_shape="diurnal", peak_to_mean=2.5,
        latency="interactive", ttft_ms=1500, output_tokens_per_s_per_user=20, fine_tuning="heavy",
        fine_tune_tokens=200e6, fine_tunes_per_month=2,
        context_typical_tokens=1_500, context_max_tokens=8_192, min_quality=65, self_hosting="required",
        precisions=("bf16", "fp8"), max_gpus=8,
    ),
    "long-context": Workload(
        name="long-context",
        description="Long-context document workload: analysts query 30K-token documents (up to 128K) all day "
                    "(seed: 'Long-context document workloads -> weights + KV cache sizing test required')",
        requests_per_day=20_000, input_tokens=30_000, output_tokens=1_000, traffic_shape="diurnal", peak_to_mean=2.0,
        latency="interactive", ttft_ms=20_000, output_tokens_per_s_per_user=10, fine_tuning="none",
        context_typical_tokens=31_000, context_max_tokens=131_072, min_quality=68, self_hosting="required",
        precisions=("bf16", "fp8"), max_gpus=8,
    ),
}


def preset(name: str) -> Workload:
    try:
        return PRESETS[name]
    except KeyError:
        raise UnknownIdError("preset", name, sorted(PRESETS)) from None
