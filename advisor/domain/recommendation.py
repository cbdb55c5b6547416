"""What a recommendation is made of: candidates, rejections and the reasons behind each (frozen, headless)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from functools import lru_cache
from typing import Any

from advisor.domain.quality import mode_name
from advisor.domain.constraints import listed
from advisor.domain.workload import Workload


@dataclass(frozen=True)
class Reason:
    """One explained fact about a candidate, with the numbers behind it."""

    code: str
    """Stable identifier, e.g. ``moe-idle-experts``, ``kv-dominates``, ``heavy-fine-tuning``."""
    message: str
    """A plain sentence with the numbers in it."""
    severity: str = "info"
    """``decisive`` (why it ranks where it does), ``warning`` (a risk or weak estimate) or ``info``."""
    numbers: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def deferred(cls, code: str, severity: str, write: Callable[[], tuple[str, dict[str, Any]]]) -> Reason:
        """``code`` and ``severity`` now, ``message`` and ``numbers`` from ``write()`` on the first read (``==``, copies)."""
        new = object.__new__(cls)
        new.__dict__.update(code=code, severity=severity, _write=write)
        return new

    def __getattr__(self, name: str) -> Any:  # only for a field not written yet (a deferred one's message, numbers)
        if name not in ("message", "numbers") or "_write" not in self.__dict__:
            raise AttributeError(f"'Reason' object has no attribute {name!r}")
        self.__dict__["message"], self.__dict__["numbers"] = self.__dict__.pop("_write")()
        return self.__dict__[name]

    def __getstate__(self) -> dict[str, Any]:  # a deferred one is pickled and copied as written
        return {"code": self.code, "message": self.message, "severity": self.severity, "numbers": self.numbers}


class LazyReasons(Sequence[Reason]):
    """A candidate's reasons, the costly part written only when read: a ranking explains every configuration it
    keeps, but a screen or report reads the reasons of a few. Behaves as the tuple it stands for (iteration,
    indexing, ``len``, ``==`` with a tuple, ``+`` with a tuple on either side); what is added to it stays
    unwritten until then.

    ``lead()`` + ``head`` + ``make()`` + ``tail``: ``lead`` and ``make`` are called once, on the first read of
    anything but ``known()``. ``make`` writes the backend's explanation of its numbers; ``head`` and ``tail`` are
    what the ranking adds that its own decisions read (mode, quantization, fine-tuning: ``known()``); ``lead`` the
    ranking's placing of the row (rank, near tie, break-even, front), which nothing decides on (``led_by``)."""

    __slots__ = ("_head", "_items", "_known", "_lead", "_make", "_split", "_tail")

    def __init__(self, make: Callable[[], Iterable[Reason]], head: tuple[Reason, ...] = (), tail: tuple[Reason, ...] = (),
                 lead: Callable[[], Iterable[Reason]] | None = None):
        self._head, self._make, self._tail, self._lead = tuple(head), make, tuple(tail), lead
        self._items: tuple[Reason, ...] | None = None
        self._known: tuple[Reason, ...] | None = None
        self._split = (0, 0)  # once written: how many reasons ``lead`` and ``make`` wrote

    def _all(self) -> tuple[Reason, ...]:
        if self._items is None:
            lead = tuple(self._lead()) if self._lead is not None else ()
            middle = tuple(self._make())
            self._items = lead + self._head + middle + self._tail
            self._split = (len(lead), len(middle))
            self._make = self._lead = None  # what they held (the configuration's plans, the context) can go
        return self._items

    def _middle(self) -> tuple[Reason, ...]:  # what ``make`` wrote (writing it if need be)
        items = self._all()
        start = self._split[0] + len(self._head)
        return items[start:start + self._split[1]]

    def _leading(self) -> tuple[Reason, ...]:  # what ``lead`` wrote (writing it if need be)
        return self._all()[:self._split[0]]

    def known(self) -> tuple[Reason, ...]:
        """The reasons already written (what the ranking decides on), without writing the rest."""
        if self._items is None and self._known is None:  # ``head + tail`` once: the sort reads it a few times a row
            self._known = self._head + self._tail
        return self._items if self._items is not None else self._known  # type: ignore[return-value]

    def led_by(self, lead: Callable[[], Iterable[Reason]]) -> LazyReasons:
        """These reasons after ``lead()``'s, written when read (on its first read, with the rest)."""
        if self._items is not None:
            return LazyReasons(tuple, self._items, lead=lead)
        if self._lead is None:
            return LazyReasons(self._middle, self._head, self._tail, lead)
        return LazyReasons(self._middle, self._head, self._tail, lambda: tuple(lead()) + self._leading())

    def __getitem__(self, i: int | slice) -> Any:  # a Reason, or a tuple of them for a slice
        return self._all()[i]

    def __iter__(self) -> Iterator[Reason]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __bool__(self) -> bool:
        return bool(self._head or self._tail) or len(self._all()) > 0

    def __add__(self, other: Sequence[Reason]) -> LazyReasons | tuple[Reason, ...]:
        if type(other) is tuple and self._items is None:  # the ranking's case, once or twice a row
            return self._extended(tail=other)
        if not isinstance(other, (tuple, LazyReasons)):
            return NotImplemented
        if self._items is not None or isinstance(other, LazyReasons):
            return tuple(self) + tuple(other)
        return self._extended(tail=other)

    def __radd__(self, other: Sequence[Reason]) -> LazyReasons | tuple[Reason, ...]:
        if not isinstance(other, tuple):
            return NotImplemented
        if self._items is not None or self._lead is not None:  # nothing goes before a lead unwritten
            return other + self._all()
        return self._extended(head=other)

    def _extended(self, head: tuple[Reason, ...] = (), tail: tuple[Reason, ...] = ()) -> LazyReasons:
        """This sequence with ``head`` before and ``tail`` after; the lazy parts are written once for both."""
        new = object.__new__(LazyReasons)  # not ``__init__``, which copies: the ranking extends every row once or twice
        new._head, new._make, new._tail, new._lead, new._items, new._known, new._split = (
            head + self._head, self._middle, self._tail + tail, self._leading if self._lead is not None else None, None, None, (0, 0))
        return new

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (tuple, LazyReasons)):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all()) if self._items is not None else f"LazyReasons(<{len(self._head) + len(self._tail)} written, more on read>)"


def known_reasons(reasons: Sequence[Reason]) -> tuple[Reason, ...]:
    """The reasons already written: all of a tuple, the ranking's own of a ``LazyReasons``."""
    return reasons.known() if isinstance(reasons, LazyReasons) else tuple(reasons)


def led_by(lead: Callable[[], Iterable[Reason]], reasons: Sequence[Reason]) -> LazyReasons:
    """``lead()``'s reasons before ``reasons`` (a tuple or a ``LazyReasons``), written when first read."""
    if isinstance(reasons, LazyReasons):
        return reasons.led_by(lead)
    return LazyReasons(tuple, tuple(reasons), lead=lead)


@dataclass(frozen=True)
class MemoryBreakdown:
    """Memory of one replica (all its GPUs), in bytes. A replica that runs several engines side by side (data
    parallel, ``Candidate.engines_per_replica``) holds that many copies of the weights, and its concurrency and
    KV cache are those of all its engines."""

    capacity_bytes: int
    weights_bytes: int
    kv_cache_bytes: int
    """KV cache the workload's concurrency needs at its typical context."""
    reserve_bytes: int
    """Serving engine's runtime reserve (workspace, CUDA graphs, headroom)."""
    kv_capacity_bytes: int
    """KV cache the replica can hold, as stored: like ``kv_cache_bytes``, an entry kept on every tensor-parallel rank
    (an MLA latent) counts once per copy."""
    concurrency: float
    """Concurrent sequences per replica the workload needs (Little's law at peak)."""
    kv_context_tokens: int = 0
    """Tokens each of those sequences holds in the KV cache: the same length the batch was admitted at."""

    @property
    def free_bytes(self) -> int:
        return self.capacity_bytes - self.weights_bytes - self.reserve_bytes - self.kv_cache_bytes


@dataclass(frozen=True)
class UtilizationPoint:
    utilization: float
    usd_per_mtok: Decimal


@dataclass(frozen=True)
class Candidate:
    """One way to serve the workload, costed and explained."""

    model: str
    model_name: str
    architecture: str
    """``moe`` or ``dense``."""
    deployment: str
    """``self-hosted`` or ``api``."""
    provider: str
    gpu: str | None
    gpus: int
    """GPUs per replica (0 for an API)."""
    replicas: int
    precision: str | None
    monthly_cost_usd: Decimal
    usd_per_mtok: Decimal
    """USD per million tokens (input + output) at the workload's real utilization."""
    utilization: float | None
    """Average share of the provisioned capacity the workload uses (None for an API)."""
    quality: float | None
    quality_benchmark: str | None
    hourly_usd: Decimal | None = None
    """Self-hosted: all replicas, per hour."""
    price_source: str = ""
    price_as_of: str = ""
    memory: MemoryBreakdown | None = None
    output_tokens_per_s_per_replica: float | None = None
    """Capacity of one replica at the latency target."""
    batch: int | None = None
    ttft_ms: float | None = None
    tpot_ms: float | None = None
    bound: str | None = None
    kv_precision: str | None = None
    parallelism: str | None = None
    utilization_table: tuple[UtilizationPoint, ...] = ()
    """$/M tokens of one replica at fixed utilizations (the seeds' 90/40/10% table)."""
    single_stream_usd_per_mtok: Decimal | None = None
    """$/M tokens when one user streams alone (batch 1) all the time."""
    break_even_tokens_per_day: float | None = None
    """Volume at which self-hosting costs the same as ``break_even_vs`` (None: never, or not applicable)."""
    break_even_vs: str | None = None
    usd_per_gpu_hour: Decimal | None = None
    """Self-hosted: the unit price of one GPU-hour (``hourly_usd`` = this x GPUs paid x replicas)."""
    api_input_usd_per_mtok: Decimal | None = None
    api_output_usd_per_mtok: Decimal | None = None
    api_cached_input_usd_per_mtok: Decimal | None = None
    billed_gpu_hours_per_month: float | None = None
    """Self-hosted: GPU-hours the provider bills a month (``monthly_cost_usd`` = this x ``usd_per_gpu_hour``)."""
    replicas_peak: int | None = None
    replicas_min: int | None = None
    scaling: str | None = None
    """``fixed``, ``autoscale`` or ``scale-to-zero`` (self-hosted)."""
    pricing_kind: str | None = None
    """``on-demand``, ``spot``, ``reserved-1y``, ``reserved-3y`` or ``committed`` (self-hosted); ``batch-api`` or
    ``per-token`` for an API."""
    instance_gpus: int | None = None
    """GPUs per instance bought (a replica may share an instance, or span several)."""
    engines_per_replica: int | None = None
    """Serving engines a replica runs side by side, each with its own copy of the weights (self-hosted; 1 unless
    an instance holds more GPUs than one engine uses)."""
    fine_tuning_monthly_usd: Decimal | None = None
    """The month's fine-tuning runs (training GPU-hours at the cheapest suitable offer); not in ``monthly_cost_usd``."""
    total_monthly_usd: Decimal | None = None
    """``monthly_cost_usd`` + ``fine_tuning_monthly_usd``: what the ranking compares."""
    other_quality: str | None = None
    """A score on another benchmark than the workload's (labelled, never ranked on), e.g. ``MMLU 90.0``."""
    engine: str | None = None
    """Serving engine (``trtllm``, ``vllm``, ``sglang``) the estimate assumes (self-hosted)."""
    layout: str | None = None
    """Parallel layout of a replica (e.g. ``tp``, ``tp_ep``, ``dep``)."""
    mode: str | None = None
    """Answering mode of a model that has modes in the quality catalog: ``reasoning`` or ``non-reasoning``."""
    output_multiplier: float | None = None
    """Generated tokens per visible answer token this row is costed for (1 without reasoning)."""
    quality_delta: float | None = None
    """Expected change of ``quality`` from the precision (points; 0 for a native precision), already applied;
    None when unmeasured or not applicable (bf16)."""
    quality_delta_source: str | None = None
    """Where ``quality_delta`` comes from (a URL), ``native``, ``unmeasured``, or for a 4-bit checkpoint served in a
    wider precision the upcast line (``upcast from the native mxfp4-experts checkpoint: same quality, more memory``)."""
    reasons: tuple[Reason, ...] = ()
    """Why it ranks where it does, with the numbers: a tuple, or a ``LazyReasons`` written on first read."""
    rank: int = 0
    pareto: bool = False
    """On the cost/quality Pareto front: nothing is both cheaper and better."""

    @property
    def label(self) -> str:
        name = f"{self.model} ({mode_name(self.mode)})" if self.mode else self.model
        if self.deployment == "api":
            return f"{name} via {self.provider}"
        return f"{name} on {self.gpus}x {self.gpu} ({self.precision}, {self.provider})"

    @classmethod
    def make(cls, **values: Any) -> Candidate:
        """``Candidate(**values)`` without the generated ``__init__`` over 52 fields (one per configuration kept): the same
        fields in the same order, the defaults where not given; an unknown or missing required field, the same TypeError."""
        return cls.made_from(_candidate_template(), **values)

    @classmethod
    def fixed(cls, **values: Any) -> tuple[dict[str, Any], frozenset[str]]:
        """Fields that many candidates share, for ``made_from``: every field in order with ``values`` over the
        defaults, and the required names still to be given."""
        template, required = _candidate_template()
        d = {**template, **values}
        if len(d) != len(template):
            raise TypeError(f"Candidate has no field {min(values.keys() - template.keys())!r}")
        return d, required - values.keys()

    @classmethod
    def made_from(cls, fixed: tuple[dict[str, Any], frozenset[str]], **values: Any) -> Candidate:
        """``make`` over the fields of ``fixed`` (``Candidate.fixed``) and ``values``: a backend that keeps the fields
        that do not depend on the traffic volume gives only the others on a re-rank."""
        base, missing = fixed
        new = object.__new__(cls)
        d = new.__dict__
        d.update(base)
        d.update(values)
        if len(d) != len(base):
            raise TypeError(f"Candidate has no field {min(values.keys() - base.keys())!r}")
        if missing and not missing <= values.keys():  # a kept row's base has every required field: none missing
            raise TypeError(f"Candidate is missing {min(missing - values.keys())!r}")
        return new

    def evolve(self, **changes: Any) -> Candidate:
        """This candidate with ``changes``: ``dataclasses.replace`` without re-running ``__init__`` over 60 fields
        (the ranking re-labels every candidate a few times per run)."""
        d = (new := object.__new__(Candidate)).__dict__
        d.update(self.__dict__)
        d.update(changes)
        if len(d) != len(self.__dict__) and (unknown := changes.keys() - _candidate_template()[0].keys()):  # it has every field
            raise TypeError(f"Candidate has no field {min(unknown)!r}")
        return new

    @property
    def monthly_total_usd(self) -> Decimal:
        """What the ranking compares: the serving bill plus the month's fine-tuning runs, if any."""
        return self.total_monthly_usd if self.total_monthly_usd is not None else self.monthly_cost_usd

    @property
    def replica_range(self) -> str:
        """``3 replicas`` or, when the count follows the traffic, ``1-3 replicas``."""
        low, high = self.replicas_min, self.replicas_peak if self.replicas_peak is not None else self.replicas
        if low is not None and low != high:
            return f"{low}-{high} replicas"
        return f"{high} replica{'s' if high != 1 else ''}"

    @property
    def configuration(self) -> str:
        """Where it runs, in one phrase: ``API: provider`` or ``[replicas x] gpus x gpu precision (provider)``."""
        mode = f" ({mode_name(self.mode)})" if self.mode else ""
        if self.deployment == "api":
            return f"API: {self.provider}{mode}"
        reps = f"{self.replicas}x " if self.replicas > 1 else ""
        return f"{reps}{self.gpus}x {self.gpu} {self.precision} ({self.provider}){mode}"


LATENCY_MISSES = {"tensor-parallel": "", "too-slow": "tpot_ms", "ttft": "ttft_ms"}
"""Rejection codes of a configuration that works but misses a latency target, and the number saying by how much."""
LATENCY_ORDER = {"ttft": 0, "too-slow": 1, "tensor-parallel": 2}
NO_SCORE = ("quality-unknown", "quality-not-comparable", "reasoning-tokens-unmeasured")
"""Model-level rejections for want of a figure (a score, a reasoning-token count): near nothing, so listed last."""


@dataclass(frozen=True)
class Rejection:
    """An option the user might expect, and why it is out. ``deployment`` is ``self-hosted``, ``api``, ``any`` (the
    model itself) or ``filtered`` (GPU types or providers a workload filter left out: its reason's ``left_out``)."""

    model: str
    deployment: str
    reasons: tuple[Reason, ...]
    provider: str | None = None
    gpu: str | None = None
    gpus: int = 0
    precision: str | None = None
    shortfall_bytes: int = 0
    """Memory missing per GPU when it does not fit."""

    def margin(self, workload: Workload | None = None) -> float | None:
        """The miss as a share of what was needed: (floor - score) / floor, shortfall / GPU memory, (latency - target) /
        target (the ``workload`` sets the target); None where no number misses (a filter, an engine, no score)."""
        n, code = (self.reasons[0].numbers or {}, self.reasons[0].code) if self.reasons else ({}, "")
        if code == "quality-floor" and n.get("floor"):
            return max(0.0, (float(n["floor"]) - float(n["score"])) / float(n["floor"]))
        if code == "does-not-fit" and self.shortfall_bytes > 0:
            return self.shortfall_bytes / float(n.get("gpu_capacity_bytes") or 80e9)  # a typical GPU's 80 GB where unstated
        target = {"ttft": workload.ttft_ms, "too-slow": workload.tpot_limit_ms} if workload is not None else {}
        if target.get(code) and LATENCY_MISSES[code] in n:
            return max(0.0, float(n[LATENCY_MISSES[code]]) / target[code] - 1.0)
        return None

    def sort_key(self, workload: Workload | None = None) -> tuple:
        """Most useful first: what the workload's filters left out; the misses by a number, nearest first whatever the
        kind (``margin``: 174 MB of memory, 2.5 points of quality, 10% of TTFT); other self-hosted and model-level
        reasons (latency misses without a known target, nearest first, then tensor-parallel ones); API rejections;
        last, models ruled out for want of a score."""
        reason, margin, code = (self.reasons[0] if self.reasons else None), self.margin(workload), self.reasons[0].code if self.reasons else ""
        level = (0 if self.deployment == "filtered" else 4 if code in NO_SCORE else 1 if margin is not None
                 else 3 if self.deployment == "api" else 2)
        miss = float((reason.numbers or {}).get(LATENCY_MISSES.get(code, ""), 0.0)) if reason else 0.0
        return (level, margin or 0.0, LATENCY_ORDER.get(code, 3), miss, self.shortfall_bytes, self.model, self.gpu or "", self.gpus)

    @property
    def label(self) -> str:
        if self.deployment == "filtered":  # what a workload filter left out, named in its reason's numbers
            return listed(tuple(self.reasons[0].numbers.get("left_out", ())), 16) if self.reasons else self.model
        if self.deployment == "api":
            return f"{self.model} via {self.provider}" if self.provider else f"{self.model} (API)"
        if self.gpu:
            return (f"{self.model} on {f'{self.gpus}x ' if self.gpus else ''}{self.gpu}"
                    + (f" ({self.precision})" if self.precision else ""))
        return self.model


@dataclass(frozen=True)
class Recommendation:
    """A ranked, explained deployment plan for a workload."""

    workload: Workload
    candidates: tuple[Candidate, ...]
    """Best first."""
    rejected: tuple[Rejection, ...]
    assumptions: dict[str, Any]
    evaluated: int
    """Configurations the backends looked at."""
    catalog_versions: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    """Run-level notes (catalog problems, plugins that failed, stale prices)."""

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@lru_cache(maxsize=1)
def _candidate_template() -> tuple[dict[str, Any], frozenset[str]]:
    """Every field of Candidate in order with its default (None for a required one), and the required names."""
    template: dict[str, Any] = {}
    required = set()
    for f in fields(Candidate):
        if f.default is not MISSING:
            template[f.name] = f.default
        elif f.default_factory is not MISSING:  # type: ignore[misc]
            raise TypeError(f"Candidate.{f.name} has a default factory: make() cannot share its default")
        else:
            template[f.name] = None
            required.add(f.name)
    return template, frozenset(required)


def plural(n: float, word: str) -> str:
    """``1 sequence``, ``14 sequences``, ``1,024 sequences`` (n rounded up to a whole count)."""
    k = math.ceil(n - 1e-9)
    return f"{k:,} {word}{'' if k == 1 else 's'}"


def near_misses_first(rejected: Iterable[Rejection], workload: Workload | None = None) -> list[Rejection]:
    """``rejected`` in ``Rejection.sort_key`` order, latency misses measured against ``workload``'s targets."""
    return sorted(rejected, key=lambda r: r.sort_key(workload))
