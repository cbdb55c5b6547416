"""What a cost backend gets for one run, and the memoized physics it calls.

The interface of a backend is one method, ``evaluate(ctx, model)``, so a plugin can add a backend (a
reserved-capacity contract, an on-prem cluster) without touching the ranking. Estimates and fits are
memoized on (model, GPU, count, precision, request shape, serving profile): they never depend on the
traffic volume, so re-ranking after a traffic edit re-uses every one.
"""

from __future__ import annotations

import dataclasses
import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol

from advisor.catalog.load import Catalog
from advisor.common import fmt, memo_store
from advisor.common.memo_store import spec_key
from advisor.domain.recommendation import Candidate, Reason, Rejection
from advisor.domain.serving import ServingProfile
from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.domain.traffic import DayProfile, day_profile
from advisor.domain.workload import Workload
from advisor.physics import performance
from advisor.physics.kv_policy import resolve as resolve_kv
from advisor.physics.layouts import fit_as
from advisor.physics.performance import Estimate, Parallelism, estimate_for, parallelism
from advisor.physics.sizing import Fit, fit
from advisor.prices.book import PriceBook


@lru_cache(maxsize=262144)
def memo_estimate(model: ModelSpec, gpu: GpuSpec, n: int, precision: str, inp: int, out: int, kv: str,
                  tpot: float | None, profile: ServingProfile, cached: int = 0, ttft: float | None = None) -> Estimate:
    """Memoized ``estimate_for``: it depends on the request shape and latency targets, never on traffic
    volume, so re-ranking after a traffic change re-uses every estimate; kept between processes too
    (``advisor.common.memo_store``). ``cached``: prompt tokens reused from the KV cache (prefix caching); ``ttft``:
    the TTFT target the layout search meets first (``ttft_target``)."""
    key = _key(model, gpu, n, precision, inp, out, kv, tpot, profile, cached, ttft)
    return memo_store.get("estimate", key, lambda: _computed(model, gpu, n, precision, inp, out, kv, tpot, profile, cached, ttft))


def _key(model, gpu, n, precision, inp, out, kv, tpot, profile, cached, ttft) -> tuple:
    return (spec_key(model), spec_key(gpu), n, precision, inp, out, kv, tpot, spec_key(profile)) + ((cached,) if cached else ()) \
        + ((("ttft", ttft),) if ttft is not None else ())


def ttft_target(w: Workload) -> float | None:
    """The TTFT target an estimate's layout search is given: an interactive workload's; None for batch work."""
    return w.ttft_ms if w.latency == "interactive" else None


@lru_cache(maxsize=262144)
def memo_bound(model: ModelSpec, gpu: GpuSpec, n: int, precision: str, inp: int, out: int, kv: str,
               tpot: float | None, profile: ServingProfile, cached: int = 0, ttft: float | None = None) -> tuple[bool, float, float]:
    """(fits, output tokens/s, TTFT ms) of ``memo_estimate``'s estimate: all the self-hosted search's bill floor reads
    (``bounds.cannot_beat``). Kept between processes on its own: about half the estimates of a ranking serve only the
    floor, and three numbers pickle and unpickle in a tenth of an estimate's time."""
    key = _key(model, gpu, n, precision, inp, out, kv, tpot, profile, cached, ttft)

    def compute() -> tuple[bool, float, float]:
        e = _computed(model, gpu, n, precision, inp, out, kv, tpot, profile, cached, ttft)
        return e.fits, e.output_tokens_per_s, e.ttft_ms
    return memo_store.get("bound", key, compute)


@lru_cache(maxsize=262144)
def _computed(model: ModelSpec, gpu: GpuSpec, n: int, precision: str, inp: int, out: int, kv: str, tpot: float | None,
              profile: ServingProfile, cached: int, ttft: float | None = None) -> Estimate:
    """``estimate_for``, memoized in this process (``memo_estimate`` and ``memo_bound`` compute it once between them)."""
    return estimate_for(model, gpu, n, precision, inp, out, kv_precision=kv, tpot_limit_ms=tpot, engine=profile,
                        cached_input_tokens=cached, ttft_limit_ms=ttft)


def cached_tokens(w: Workload) -> int:
    """Prompt tokens a request finds in the engine's prefix cache: the workload's ``cached_input_fraction`` of its
    input (the share an API bills at its cached-input price). vLLM, SGLang and TensorRT-LLM reuse cached KV blocks by
    default (vLLM automatic prefix caching, SGLang RadixAttention, TensorRT-LLM KV block reuse), so those tokens hold
    KV but are not prefilled; the hit rate is assumed to be the same as the API's."""
    return min(w.input_tokens - 1, int(w.input_tokens * w.cached_input_fraction)) if w.cached_input_fraction else 0


@lru_cache(maxsize=262144)
def memo_fit(model: ModelSpec, gpu: GpuSpec, n: int, precision: str, context: int, kv: str,
             profile: ServingProfile) -> tuple[Parallelism, Fit]:
    """Memoized in this process only: a fit costs microseconds, and a warm ranking reads the stored sizings (each
    built from these fits) instead, so storing the fits too (half the stored results) would only push the sizings
    and estimates past the store's cap."""
    par, (m, alloc) = parallelism(model, gpu, n), resolve_kv(model, profile)  # KV as the engine allocates it
    return par, fit(m, gpu, n, precision, context, kv, profile.memory, kv_replication=par.kv_replication, kv=alloc.layout(m, kv))


_MEMOS: list = [memo_estimate, memo_bound, _computed, memo_fit, fit_as, *performance.MEMOS]


def memoized(fn):
    """Register an ``lru_cache`` of the ranking so ``clear_memos`` empties it too (returns ``fn``)."""
    _MEMOS.append(fn)
    return fn


def clear_memos() -> None:
    """Empty every memo of the ranking: after the physics changes under it (new corrections), and for a cold
    timing in ``scripts/bench.py``."""
    from advisor.cost import billing
    from advisor.measure import store

    for fn in _MEMOS:
        fn.cache_clear()
    _SHARED.clear()
    _KEPT.clear()
    _FIXED.clear()
    BILLS.clear()
    ROWS.clear()
    billing._STATIC.clear()
    store.forget()
    memo_store.forget()


@dataclass(frozen=True)
class Context:
    """Everything a backend needs for one run."""

    workload: Workload
    catalog: Catalog
    prices: PriceBook
    engine: ServingProfile
    mode: str | None = None
    """The answering mode being ranked (``reasoning``, ``non-reasoning``) for a model ranked once per mode."""
    day: DayProfile = field(default=None)  # type: ignore[assignment]
    """The workload's day of traffic (filled from the workload when not given)."""
    memo: dict = field(default_factory=dict, compare=False, repr=False)
    """Per-run lookups a backend computes once (the offers worth costing per GPU type)."""
    shared: dict = field(default_factory=dict, compare=False, repr=False)
    """Lookups that depend on the workload but not on its volume (``requests_per_day``), kept between the
    rankings of one catalog and price book (``shared_memo``): the built-in self-hosted backend's offers, engines
    and each configuration's estimate, verdict and sold shapes. A fresh dict unless the ranking passes one."""

    def __post_init__(self) -> None:
        if self.day is None:
            object.__setattr__(self, "day", day_profile(self.workload))

    def profile(self, gpu: GpuSpec) -> ServingProfile:
        """The serving profile on ``gpu``'s vendor (memoized by the profile)."""
        return self.engine.for_vendor(gpu.vendor)

    def quality_of(self, model: ModelSpec) -> tuple[float | None, str | None]:
        q = self.catalog.quality.get(model.id)
        return (q.score, q.benchmark) if q else (None, None)


_FIXED: dict[tuple, tuple[object, object]] = {}
"""key -> (the object the value was made from, the value): ``kept_fields``."""
BILLS: dict[tuple, tuple[object, object]] = {}
"""The same for the fields a fixed plan sets on a self-hosted row (``SelfHostedBackend._build``): a store of their own,
so that they never push the others out, of at most 8,192 (~1 kB each; a new replica count at a new volume adds some)."""


class _PerShape(OrderedDict):
    """id(a workload shape's ``Context.shared``) -> (that dict, {name: memo}), the least recently used of ``SHARED_KEEP``
    dropped first; ``clear_memos`` empties it (``cache_clear``)."""

    def cache_clear(self) -> None:
        self.clear()
        _LAST[:] = (None, None)


_PER_SHAPE = _PerShape()
_MEMOS.append(_PER_SHAPE)
_LAST: list = [None, None]
"""(the ``shared`` dict of the last ``per_shape`` call, its memos): already the most recently used, so a run of calls
for one shape (a backend's, hundreds a ranking) skips the lookup and the reordering."""


def per_shape(shared: dict, name: str) -> dict:
    """A memo named ``name`` kept beside a workload shape's ``Context.shared`` for as long as this process keeps the shape,
    and never stored with it: for lookups that read the shape, the catalog and the prices (what ``shared`` is per), not
    the volume, whose values a stored dict need not hold (closures, entries checked by identity)."""
    if _LAST[0] is shared:
        memos = _LAST[1]
    else:
        hit = _PER_SHAPE.get(id(shared))
        if hit is None or hit[0] is not shared:
            hit = _PER_SHAPE[id(shared)] = (shared, {})
            while len(_PER_SHAPE) > SHARED_KEEP:
                _PER_SHAPE.popitem(last=False)
        else:
            _PER_SHAPE.move_to_end(id(shared))
        memos = _LAST[1] = hit[1]
        _LAST[0] = shared
    memo = memos.get(name)
    if memo is None:
        memo = memos[name] = {}
    return memo


ROWS: dict[tuple, tuple[object, object, object]] = {}
"""(id of a row's kept fields, id of its kept bill) -> (those two, the row's fields merged): ``row_base``."""


def row_base(fixed: tuple[dict, frozenset], billed: dict) -> tuple[dict, frozenset]:
    """``Candidate.fixed``'s fields (kept by ``kept_fields``) with a kept bill's fields over them, for
    ``Candidate.made_from``: merged once while both are the same objects (at most 8,192 kept), so a re-rank copies one
    dict into each fixed-policy row and gives only the four fields that follow the volume."""
    hit = ROWS.get(key := (id(fixed), id(billed)))
    if hit is None or hit[0] is not fixed or hit[1] is not billed:
        if len(ROWS) >= 8192:
            ROWS.clear()
        hit = ROWS[key] = (fixed, billed, ({**fixed[0], **billed}, fixed[1] - billed.keys()))
    return hit[2]  # type: ignore[return-value]


def kept_fields(key: tuple, held: object, make, store: dict | None = None, most: int = 65536):
    """``make()``, kept between rankings under ``key`` while ``held`` (an object the value depends on, such as a
    memoized estimate, part of the key by its id) is the same object: a re-rank after a traffic edit builds only a
    candidate's volume-dependent fields. At most ``most`` kept per ``store`` (default this module's; ``clear_memos``
    empties both stores here)."""
    store = _FIXED if store is None else store
    hit = store.get(key)
    if hit is None or hit[0] is not held:
        if len(store) >= most:
            store.clear()
        hit = store[key] = (held, make())
    return hit[1]


_SHARED: OrderedDict = OrderedDict()
SHARED_KEEP = 8
"""Workload shapes whose volume-independent lookups are kept (the least recently used dropped first)."""
_KEPT: dict[int, tuple[dict, tuple, int]] = {}
"""id(shared dict) -> (the dict, its key in ``memo_store``, its size when last handed to the store)."""


def shared_memo(workload: Workload, catalog: Catalog, prices: PriceBook, keep: bool = False) -> dict:
    """The ``Context.shared`` dict of rankings of ``workload`` with ``catalog`` and ``prices``: the same dict for
    any ``requests_per_day`` (a traffic edit re-uses it), a new one for any other field, another catalog or other
    prices. Both are frozen; the entry holds them, so the catalog's id is not re-used while it lives. A price book
    is built afresh for each ``api.recommend``, so an equal one (the same price rows) shares the dict.
    ``clear_memos`` empties it.

    ``keep``: the ranking's backends are the built-in ones, whose lookups are pure functions of the workload shape,
    catalog and prices. Then a new dict starts from the one an earlier process left for the same shape, catalog
    files (``load.inputs_key``, which holds the day) and price rows (``memo_store``: kept under the build's code
    digest), and what a ranking adds to it is kept for the next process (``keep_shared``). A warm ``recommend
    --preset`` reads one stored dict instead of ~4,000 stored estimates and sizings and re-prices like a traffic
    edit: batch-pipeline's ranking 135 -> 81 ms, 2-core development machine, 2026-12-04."""
    shape = dataclasses.replace(workload, name="", description="", requests_per_day=0.0)
    key = (id(catalog), shape)
    entry = _SHARED.get(key)
    if entry is None or entry[0] is not catalog or not (entry[1] is prices or (
            entry[1].gpu_prices == prices.gpu_prices and entry[1].api_prices == prices.api_prices)):
        entry = _SHARED[key] = (catalog, prices, _stored(shape, catalog, prices) if keep else {})
        while len(_SHARED) > SHARED_KEEP:
            _SHARED.popitem(last=False)
    else:
        _SHARED.move_to_end(key)
    return entry[2]


def _stored(shape: Workload, catalog: Catalog, prices: PriceBook) -> dict:
    """The shape's dict an earlier process kept (a fresh one when none is, or the catalog's files are unknown)."""
    from advisor.catalog.load import inputs_key

    files = inputs_key(catalog)
    if files is None or not memo_store.enabled:
        return {}
    key = (files, _rows_digest(prices), repr(shape))
    found = memo_store.get("shape", key, dict)
    if type(found) is not dict:  # a stored value of another type: not ours to trust
        return {}
    _KEPT[id(found)] = (found, key, _size(found))
    return found


_ROWS: dict[int, tuple[PriceBook, str]] = {}


def _rows_digest(prices: PriceBook) -> str:
    """A digest of the price rows (what ``shared_memo`` compares), once per price book."""
    found = _ROWS.get(id(prices))
    if found is None or found[0] is not prices:
        import hashlib

        text = repr((prices.gpu_prices, prices.api_prices))
        found = _ROWS[id(prices)] = (prices, hashlib.sha256(text.encode()).hexdigest())
        while len(_ROWS) > 4:
            del _ROWS[next(iter(_ROWS))]
    return found[1]


_NESTED = ("fine-tuning", "fastest-api")
"""The dicts a shared dict holds, which grow while its own size stays (``rank._fine_tuning``, ``api_wait.fastest_measured``)."""


def _size(shared: dict) -> int:
    """Entries of a shared dict, those of the dicts it holds included."""
    return len(shared) + sum(len(shared[k]) for k in _NESTED if k in shared)


def keep_shared() -> None:
    """Hand the kept shapes' dicts that grew since they were read (or last handed over) to ``memo_store``, which
    writes them at exit; a ranking that added nothing writes nothing."""
    for ident, (shared, key, size) in list(_KEPT.items()):
        now = _size(shared)
        if now != size:
            memo_store.put("shape", key, shared)
            _KEPT[ident] = (shared, key, now)
        if not any(e[2] is shared for e in _SHARED.values()):
            del _KEPT[ident]  # dropped from this process's shapes: nothing adds to it any more


memo_store.before_save(keep_shared)  # and what reading the candidates' reasons added after the ranking


class CostBackend(Protocol):
    name: str
    deployment: str

    def evaluate(self, ctx: Context, model: ModelSpec) -> Iterable[Candidate | Rejection]:
        ...


def prefix_cache_reason(e: Estimate, w: Workload, mem, spec: tuple | None = None) -> Reason:
    """What the prefix cache saves and what it assumes: the cached share of each prompt is found resident. That holds
    for a prefix shared by the requests (a system prompt) or a conversation whose earlier turn is still cached; the
    KV cache left over (``mem.kv_capacity_bytes`` minus what the sequences in flight hold) bounds how many idle
    conversations' prefixes stay resident. Fewer than the sequences in flight: a warning (the hits depend on a shared
    prefix or on routing each session to the replica that holds it). ``spec``: (model, GPU, engine) of ``e``, to estimate
    a miss (``miss_ttft_ms``)."""
    cached = e.cached_input_tokens
    copies = e.parallelism.kv_replication if e.parallelism else 1.0
    prefix = int(e.kv_bytes(cached) * copies) or 1  # as stored: replicated like the cache it is compared with
    idle = max(0, (mem.kv_capacity_bytes - mem.kv_cache_bytes)) // prefix if mem else 0
    flight = math.ceil(mem.concurrency) if mem else 0
    head = (f"prefix caching: {cached:,} of each prompt's {w.input_tokens:,} tokens (the workload's cached share) come from the "
            f"KV cache, so a prefill computes {w.input_tokens - cached:,}; KV holds the whole context")
    numbers = {"cached_input_tokens": cached, "idle_prefixes_resident": idle, "prefix_bytes": prefix}
    miss_ms = miss_ttft_ms(e, w, cached, spec) if w.latency == "interactive" and cached else 0.0
    miss = _miss_text(e, w, cached, miss_ms)
    if miss:  # trial 35: a p90 target met by 85%-cached prompts, where a miss took 1.5-5.5 s
        head += miss
        numbers["miss_ttft_ms"] = miss_ms
        if not (mem and idle < max(1, flight)):
            return Reason("prefix-cache", f"{head} (the KV cache left over holds {idle:,} idle prefixes besides the sequences "
                          "in flight; assumed: a session's next turn finds its prefix there)", "warning", numbers)
    if mem and idle < max(1, flight):
        return Reason("prefix-cache", f"{head}; but the KV cache left over holds only {idle:,} idle {fmt.gb(prefix)} prefixes "
                      f"beside the {flight:,} sequences in flight: the {cached / w.input_tokens:.0%} hit rate holds only for a prefix "
                      "shared by the requests (a system prompt) or sessions routed to the replica that holds theirs", "warning", numbers)
    return Reason("prefix-cache", f"{head} (the KV cache left over holds {idle:,} idle prefixes besides the sequences in flight; "
                  "assumed: a session's next turn finds its prefix there)", "info", numbers)


def _miss_text(e: Estimate, w: Workload, cached: int, miss: float) -> str:
    """Where a request that misses the prefix cache would take longer than the TTFT target to prefill: what a miss costs
    and how few misses the target's statistic allows (the ranking prices every prompt at the cached share, so a p90
    target holds only while under 10% of requests miss)."""
    if w.latency != "interactive" or not cached or not w.ttft_ms or not math.isfinite(e.ttft_ms) or not math.isfinite(miss):
        return ""
    if miss <= w.ttft_ms:
        return ""
    allowed = (f"the p{w.ttft_percentile:g} TTFT holds only while under {100 - w.ttft_percentile:g}% of requests miss"
               if w.ttft_percentile else "each miss in 10 raises the mean TTFT by about "
               f"{(miss - e.ttft_ms) / 10:,.0f} ms")
    return (f"; a request that misses it (a new session, an evicted prefix, a replica that does not hold it) prefills all "
            f"{w.input_tokens:,} tokens: about {miss:,.0f} ms unloaded against the {w.ttft_ms:,.0f} ms TTFT target, so {allowed}")


def miss_ttft_ms(e: Estimate, w: Workload, cached: int, spec: tuple | None = None) -> float:
    """A prompt's unloaded TTFT with nothing cached: with ``spec`` (model, GPU, engine), the same engine estimated without
    the prefix cache, in its layout at its batch; else the estimate's prefill part (its TTFT less a decode step) scaled
    by the tokens prefilled, plus the step, which overstates a long prompt's: a cached prompt's new tokens attend to the
    cached ones as well (trial 39: 9,437 ms against 8,010 ms estimated)."""
    if spec is not None:
        model, gpu, eng = spec
        return estimate_for(model, gpu, e.gpus, e.precision, e.input_tokens, e.output_tokens, e.kv_precision, engine=eng,
                            layout=e.layout or None, concurrency=max(1, e.batch)).ttft_ms
    step = min(e.tpot_ms, e.ttft_ms)
    return step + (e.ttft_ms - step) * w.input_tokens / max(1, w.input_tokens - cached)
