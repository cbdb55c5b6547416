"""Cost backends: each turns (workload, model) into costed candidates or explained rejections.

The interface is one method, ``evaluate(ctx, model)``, so a plugin can add a backend (a reserved-
capacity contract, an on-prem cluster) without touching the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Iterable, Protocol

from advisor.common import fmt
from advisor.catalog.load import Catalog
from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.physics.performance import default_kv_precision, estimate_for, parallelism, resolved_engine
from advisor.prices.book import PriceBook, blended_usd_per_mtok
from advisor.domain.recommendation import Candidate, MemoryBreakdown, Reason, Rejection, UtilizationPoint
from advisor.physics.sizing import fit, weight_bytes
from advisor.domain.workload import HOURS_PER_MONTH, Workload

GPU_COUNTS = (1, 2, 4, 8, 16)
UTILIZATION_POINTS = (0.9, 0.4, 0.1)
LOAD_GBPS = 1.5
"""Assumed weight-loading rate from network storage into one replica (GB/s), for cold starts."""

CENT = Decimal("0.01")
MICRO = Decimal("0.0001")


class EngineKey:
    """A hashable handle on an engine profile (by content), so pure estimates can be memoized."""

    __slots__ = ("engine", "_fp")

    def __init__(self, engine: dict):
        import json

        self.engine = engine
        self._fp = json.dumps(engine, sort_keys=True, default=str)

    def __hash__(self) -> int:
        return hash(self._fp)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EngineKey) and other._fp == self._fp


@lru_cache(maxsize=32768)
def _estimate(model: ModelSpec, gpu: GpuSpec, n: int, precision: str, inp: int, out: int, kv: str,
              tpot: float | None, key: EngineKey):
    """Memoized estimate: it depends on the request shape and latency target, never on traffic volume,
    so re-ranking after a traffic change re-uses every estimate."""
    return estimate_for(model, gpu, n, precision, inp, out, kv_precision=kv, tpot_limit_ms=tpot, engine=key.engine)


@lru_cache(maxsize=32768)
def _fit(model: ModelSpec, gpu: GpuSpec, n: int, precision: str, context: int, kv: str, key: EngineKey):
    memory = key.engine.get("memory")
    par = parallelism(model, gpu, n)
    return par, fit(model, gpu, n, precision, context, kv, memory, kv_replication=par.kv_replication)


@dataclass(frozen=True)
class Context:
    """Everything a backend needs for one run."""

    workload: Workload
    catalog: Catalog
    prices: PriceBook
    engine: dict
    _keys: dict = field(default_factory=dict, compare=False, repr=False)

    def engine_key(self, gpu: GpuSpec) -> EngineKey:
        """The engine profile for ``gpu``'s vendor, resolved and fingerprinted once per run."""
        key = self._keys.get(gpu.vendor)
        if key is None:
            key = self._keys[gpu.vendor] = EngineKey(resolved_engine(self.engine, gpu))
        return key

    def quality_of(self, model: ModelSpec) -> tuple[float | None, str | None]:
        q = self.catalog.quality.get(model.id)
        return (q.score, q.benchmark) if q else (None, None)


class CostBackend(Protocol):
    name: str
    deployment: str

    def evaluate(self, ctx: Context, model: ModelSpec) -> Iterable[Candidate | Rejection]:
        ...


def _money(x: float | Decimal, q: Decimal = CENT) -> Decimal:
    return Decimal(str(x)).quantize(q, rounding=ROUND_HALF_UP)


class SelfHostedBackend:
    """Rented GPUs: the cheapest on-demand price per GPU type, replicas provisioned for the peak."""

    name = "self-hosted-gpu"
    deployment = "self-hosted"

    def evaluate(self, ctx: Context, model: ModelSpec) -> Iterable[Candidate | Rejection]:
        w = ctx.workload
        gpus = [g for g in ctx.catalog.gpus.values() if not w.gpu_types or g.id in w.gpu_types]
        out: list[Candidate | Rejection] = []
        for gpu in gpus:
            price = ctx.prices.cheapest_gpu(gpu.id, w.providers)
            if price is None:
                continue
            eng = ctx.engine_key(gpu)
            for precision in w.precisions:
                out.extend(self._evaluate_precision(ctx, model, gpu, precision, price, eng))
        return out

    def _evaluate_precision(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, precision: str, price, eng: EngineKey):
        w = ctx.workload
        if precision == "mxfp4-experts" and not model.is_moe:
            return []
        kv_prec = default_kv_precision(precision, gpu)
        weights = weight_bytes(model, precision).total
        cap = gpu.memory_bytes
        counts = [n for n in GPU_COUNTS if n <= w.max_gpus]
        fitting = None
        last_fail = None
        for n in counts:
            if weights / n >= cap:  # cannot hold even the weights: skip the full check
                last_fail = (n, None)
                continue
            par, f = _fit(model, gpu, n, precision, w.context_max_tokens, kv_prec, eng)
            if not par.tp_divides_heads:
                continue
            if f.fits:
                fitting = n
                break
            last_fail = (n, f)
        if fitting is None:
            if last_fail is None:
                return []
            n, f = last_fail
            if f is None:
                f = _fit(model, gpu, n, precision, w.context_max_tokens, kv_prec, eng)[1]
            rej = self._memory_rejection(model, gpu, precision, price, n, f, weights)
            if n >= w.max_gpus and n < max(GPU_COUNTS):
                reason = rej.reasons[0]
                rej = Rejection(**{**rej.__dict__, "reasons": (Reason(reason.code, reason.message + f" (max_gpus is {w.max_gpus})",
                                                                        reason.severity, reason.numbers),)})
            return [rej]
        results: list[Candidate | Rejection] = []
        if last_fail is not None:
            # The next smaller configuration is the one people try first: say why it does not work.
            n_fail, f_fail = last_fail
            if f_fail is None:
                f_fail = _fit(model, gpu, n_fail, precision, w.context_max_tokens, kv_prec, eng)[1]
            results.append(self._memory_rejection(model, gpu, precision, price, n_fail, f_fail, weights))
        if fitting > 2 and 3 <= w.max_gpus and model.num_attention_heads % 3:
            par3, f3 = _fit(model, gpu, 3, precision, w.context_max_tokens, kv_prec, eng)
            if f3.fits:
                results.append(Rejection(model=model.id, deployment=self.deployment, provider=price.provider, gpu=gpu.id, gpus=3,
                                         precision=precision, reasons=(Reason(
                                             "tensor-parallel", f"3x {gpu.id} would hold the {fmt.gb(weights)} of weights, but 3-way "
                                             f"tensor parallelism does not divide {model.num_attention_heads} attention heads "
                                             f"(serving engines refuse it); use {fitting} GPUs, or pipeline parallelism",
                                             "decisive", {"attention_heads": model.num_attention_heads}),)))
        best: Candidate | None = None
        for n in (fitting, fitting * 2):
            if n > w.max_gpus or n not in GPU_COUNTS:
                continue
            cand = self._candidate(ctx, model, gpu, n, precision, kv_prec, price, eng)
            if isinstance(cand, Rejection):
                if best is None and n == fitting:
                    results.append(cand)
                continue
            if best is None or cand.monthly_cost_usd < best.monthly_cost_usd:
                best = cand
            if cand.replicas == 1:
                break  # one replica already carries the load: more GPUs per replica only cost more
        if best is not None:
            results = [r for r in results if not (isinstance(r, Rejection) and r.reasons[0].code in ("too-slow", "ttft"))] + [best]
        return results

    def _memory_rejection(self, model: ModelSpec, gpu: GpuSpec, precision: str, price, n: int, f, weights: int) -> Rejection:
        per_seq = math.ceil(f.kv_bytes_per_sequence * parallelism(model, gpu, n).kv_replication / n)
        need = f.weights_bytes_per_gpu + f.reserve.total + per_seq
        msg = (f"does not fit on {n}x {gpu.id} in {precision}: needs {fmt.gb(need)} per GPU (weights {fmt.gb(f.weights_bytes_per_gpu)}, "
               f"runtime reserve {fmt.gb(f.reserve.total)}, KV for one {f.context_tokens:,}-token sequence {fmt.gb(per_seq)}) but a GPU has "
               f"{fmt.gb(gpu.memory_bytes)}: short by {fmt.gb(f.shortfall_bytes)} per GPU")
        return Rejection(model=model.id, deployment=self.deployment, provider=price.provider, gpu=gpu.id, gpus=n,
                         precision=precision, shortfall_bytes=f.shortfall_bytes,
                         reasons=(Reason("does-not-fit", msg, "decisive", {"shortfall_bytes_per_gpu": f.shortfall_bytes,
                                                                             "weights_bytes": weights, "gpu_capacity_bytes": gpu.memory_bytes}),))

    def _candidate(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, kv_prec: str, price, eng: EngineKey):
        w = ctx.workload
        e = _estimate(model, gpu, n, precision, w.input_tokens, w.output_tokens, kv_prec, w.tpot_limit_ms, eng)
        label = f"{n}x {gpu.id} ({precision})"
        if not e.fits:
            return Rejection(model=model.id, deployment=self.deployment, provider=price.provider, gpu=gpu.id, gpus=n, precision=precision,
                             shortfall_bytes=e.shortfall_bytes,
                             reasons=(Reason("does-not-fit", f"a {w.tokens_per_request:,}-token request does not fit on {label}", "decisive"),))
        if w.latency == "interactive":
            if not e.meets_tpot_limit:
                return Rejection(model=model.id, deployment=self.deployment, provider=price.provider, gpu=gpu.id, gpus=n, precision=precision,
                                 reasons=(Reason("too-slow", f"one stream alone takes {e.tpot_ms:.1f} ms per output token on {label}: "
                                                 f"slower than the {w.output_tokens_per_s_per_user:g} tokens/s per user target "
                                                 f"({w.tpot_limit_ms:.1f} ms)", "decisive", {"tpot_ms": e.tpot_ms}),))
            if e.ttft_ms > w.ttft_ms:
                return Rejection(model=model.id, deployment=self.deployment, provider=price.provider, gpu=gpu.id, gpus=n, precision=precision,
                                 reasons=(Reason("ttft", f"time to first token {e.ttft_ms:,.0f} ms on {label} exceeds the {w.ttft_ms:,.0f} ms target "
                                                 f"(prefill of {w.input_tokens:,} tokens)", "decisive", {"ttft_ms": e.ttft_ms}),))
        offer = ctx.prices.gpu_offer(gpu.id, n, w.providers)
        if offer is None:
            return Rejection(model=model.id, deployment=self.deployment, gpu=gpu.id, gpus=n, precision=precision,
                             reasons=(Reason("no-price", f"no on-demand price for {n}x {gpu.id} from the allowed providers", "decisive"),))
        price, paid_gpus, hourly_one = offer
        capacity = e.output_tokens_per_s
        required = w.required_output_tokens_per_s
        replicas = max(1, math.ceil(required / capacity - 1e-9))
        hourly = hourly_one * replicas
        monthly = hourly * Decimal(str(HOURS_PER_MONTH))
        utilization = w.mean_output_tokens_per_s / (replicas * capacity)
        blend = w.tokens_per_request / w.output_tokens
        usd_per_mtok = monthly / Decimal(str(w.tokens_per_month)) * Decimal(1_000_000)
        table = tuple(
            UtilizationPoint(u, _money(hourly_one / Decimal(str(capacity * blend * u * 3600)) * Decimal(1_000_000), MICRO))
            for u in UTILIZATION_POINTS
        )
        # Concurrency per replica (Little's law at the peak rate), and its KV cache at the typical context.
        if w.latency == "interactive":
            per_request_s = (e.ttft_ms + w.output_tokens * e.tpot_ms) / 1000.0
            concurrency = min(float(e.batch), w.mean_requests_per_s * w.peak_to_mean / replicas * per_request_s)
        else:
            concurrency = float(e.batch)
        kv_need = int(concurrency * e.kv_bytes(w.context_typical_tokens) * e.parallelism.kv_replication)
        mem = MemoryBreakdown(
            capacity_bytes=gpu.memory_bytes * n, weights_bytes=e.weights_bytes, kv_cache_bytes=kv_need,
            reserve_bytes=e.fit.reserve.total * n, kv_capacity_bytes=e.fit.kv_capacity_bytes, concurrency=concurrency,
        )
        quality, bench = ctx.quality_of(model)
        reasons = self._reasons(ctx, model, gpu, n, precision, e, replicas, utilization, mem, eng)
        if paid_gpus > n:
            reasons.append(Reason("instance-size", f"{price.provider} sells {gpu.id} as {price.gpus_per_instance}-GPU instances "
                                  f"({price.sku or 'instance'}): you pay for {paid_gpus} GPUs to use {n}", "warning",
                                  {"paid_gpus": paid_gpus}))
        return Candidate(
            model=model.id, model_name=model.name, architecture=model.architecture, deployment=self.deployment,
            provider=price.provider, gpu=gpu.id, gpus=n, replicas=replicas, precision=precision,
            monthly_cost_usd=_money(monthly), usd_per_mtok=_money(usd_per_mtok, MICRO), utilization=utilization,
            quality=quality, quality_benchmark=bench, hourly_usd=_money(hourly, MICRO), usd_per_gpu_hour=price.usd_per_gpu_hour,
            price_source=price.source,
            price_as_of=price.as_of, memory=mem, output_tokens_per_s_per_replica=capacity, batch=e.batch,
            ttft_ms=e.ttft_ms, tpot_ms=e.tpot_ms, bound=e.bound, kv_precision=kv_prec, parallelism=e.parallelism.note,
            utilization_table=table, reasons=tuple(reasons),
        )

    def _reasons(self, ctx: Context, model: ModelSpec, gpu: GpuSpec, n: int, precision: str, e, replicas: int,
                 utilization: float, mem: MemoryBreakdown, eng: EngineKey) -> list[Reason]:
        w = ctx.workload
        r: list[Reason] = []
        r.append(Reason("capacity", f"one replica ({n}x {gpu.id}, {e.parallelism.note}) sustains {capacity_text(e)}; "
                        f"{replicas} replica{'s' if replicas > 1 else ''} for the {'peak' if w.latency == 'interactive' else 'deadline'} "
                        f"of {w.required_output_tokens_per_s:,.0f} output tokens/s",
                        "info", {"output_tokens_per_s_per_replica": e.output_tokens_per_s, "replicas": replicas, "batch": e.batch}))
        if w.latency == "interactive":
            r.append(Reason("latency", f"TPOT {e.tpot_ms:.1f} ms at batch {e.batch} (target {w.tpot_limit_ms:.1f} ms); "
                            f"TTFT {e.ttft_ms:,.0f} ms (target {w.ttft_ms:,.0f} ms)", "info",
                            {"tpot_ms": e.tpot_ms, "ttft_ms": e.ttft_ms}))
        resident = weight_bytes(model, precision).routed_experts * replicas
        if model.is_moe and utilization < 0.35:
            r.append(Reason("moe-idle-experts", f"MoE at {utilization:.0%} utilization: you pay for {fmt.gb(resident)} of resident experts "
                            f"that mostly sit idle; a decode step at batch {e.batch} reads {e.step.experts_touched:.0f} of "
                            f"{model.n_routed_experts} experts per layer", "decisive",
                            {"utilization": utilization, "resident_expert_bytes": resident, "experts_touched": e.step.experts_touched}))
        elif utilization < 0.35:
            r.append(Reason("low-utilization", f"{utilization:.0%} average utilization: the GPUs idle most of the time "
                            f"(provisioned for a peak {w.peak_to_mean:g}x the mean)", "decisive" if utilization < 0.15 else "info",
                            {"utilization": utilization}))
        else:
            r.append(Reason("utilization", f"{utilization:.0%} average utilization keeps the {fmt.gb(mem.weights_bytes)} of weights busy",
                            "info", {"utilization": utilization}))
        if mem.kv_cache_bytes > mem.weights_bytes:
            r.append(Reason("kv-dominates", f"KV cache at {w.context_typical_tokens:,} tokens x {mem.concurrency:.0f} concurrent sequences "
                            f"({fmt.gb(mem.kv_cache_bytes)}) exceeds the weights ({fmt.gb(mem.weights_bytes)})", "decisive",
                            {"kv_cache_bytes": mem.kv_cache_bytes, "weights_bytes": mem.weights_bytes}))
        short_ctx_n = _min_gpus_at(model, gpu, precision, e.kv_precision, 8192, eng) if n > 1 and w.context_max_tokens > 8192 else None
        if short_ctx_n and short_ctx_n < n:
            r.append(Reason("kv-gpu-count", f"{w.context_max_tokens:,}-token context needs {n} GPUs where 8K context fits on {short_ctx_n}: "
                            f"the KV cache, not the weights, sets the GPU count", "decisive",
                            {"gpus": n, "gpus_at_8k": short_ctx_n}))
        if w.fine_tuning == "heavy":
            if model.is_moe:
                r.append(Reason("heavy-fine-tuning", "heavy fine-tuning planned: dense first (full fine-tunes of an MoE need expert-parallel "
                                "training and can collapse routing; tooling is less mature)", "decisive"))
            else:
                r.append(Reason("heavy-fine-tuning", "heavy fine-tuning planned: a dense model has the well-trodden full fine-tuning path", "info"))
        elif w.fine_tuning == "light" and model.is_moe:
            r.append(Reason("light-fine-tuning", "LoRA adapters on an MoE: supported by fewer serving engines and recipes than dense", "warning"))
        if model.is_moe and precision in ("int4", "fp4"):
            r.append(Reason("int4-moe", f"{precision.upper()} on an MoE: expert quality risk (small experts are sensitive to quantization); "
                            "evaluate on your workload, not just MMLU", "warning"))
        if e.parallelism.spans_nodes:
            r.append(Reason("multi-node", f"{n} GPUs span {math.ceil(n / gpu.gpus_per_node)} nodes: "
                            f"{'all-to-all' if model.is_moe else 'all-reduce'} traffic over the {gpu.internode_gbps:g} GB/s inter-node "
                            f"link instead of {gpu.interconnect_gbps:g} GB/s {gpu.interconnect}", "warning"))
        minutes = mem.weights_bytes / (LOAD_GBPS * 1e9) / 60
        if minutes >= 2 or w.traffic_shape == "bursty":
            tail = ("so replicas cannot scale from zero with the bursts" if w.traffic_shape == "bursty"
                    else "so a replica that scales to zero takes that long to serve again")
            r.append(Reason("cold-start", f"cold start: loading {fmt.gb(mem.weights_bytes)} takes about {minutes:.0f} min at "
                            f"{LOAD_GBPS:g} GB/s, {tail}",
                            "warning" if w.traffic_shape == "bursty" else "info", {"minutes": minutes}))
        for warn in e.warnings:
            r.append(Reason("estimate", warn, "warning"))
        return r


def single_stream_usd_per_mtok(ctx: Context, c: Candidate) -> Decimal | None:
    """$/M tokens when one user streams alone, all the time (batch 1): the seeds' 'single user' case."""
    if c.deployment != "self-hosted" or not c.gpu:
        return None
    w = ctx.workload
    model, gpu = ctx.catalog.models[c.model], ctx.catalog.gpus[c.gpu]
    e = _estimate(model, gpu, c.gpus, c.precision, w.input_tokens, w.output_tokens, c.kv_precision, 1e-6,
                  ctx.engine_key(gpu))
    if not e.output_tokens_per_s:
        return None
    hourly_one = c.hourly_usd / c.replicas
    blend = w.tokens_per_request / w.output_tokens
    return _money(hourly_one / Decimal(str(e.output_tokens_per_s * blend * 3600)) * Decimal(1_000_000), MICRO)


def capacity_text(e) -> str:
    return f"{e.output_tokens_per_s:,.0f} output tokens/s at batch {e.batch} ({e.bound}-bound)"


def _min_gpus_at(model: ModelSpec, gpu: GpuSpec, precision: str, kv_prec: str, context: int, key: EngineKey) -> int | None:
    for n in GPU_COUNTS:
        par, f = _fit(model, gpu, n, precision, context, kv_prec, key)
        if par.tp_divides_heads and f.fits:
            return n
    return None


class ApiBackend:
    """Per-token APIs: monthly cost from input/output (and cached-input) prices; no idle cost."""

    name = "serverless-api"
    deployment = "api"

    def evaluate(self, ctx: Context, model: ModelSpec) -> Iterable[Candidate | Rejection]:
        w = ctx.workload
        out: list[Candidate | Rejection] = []
        quality, bench = ctx.quality_of(model)
        for price in ctx.prices.api_offers(model.id, w.providers):
            if price.context_tokens and price.context_tokens < w.context_max_tokens:
                out.append(Rejection(model=model.id, deployment=self.deployment, provider=price.provider, reasons=(Reason(
                    "api-context", f"{price.provider} serves {model.id} with a {price.context_tokens:,}-token context, "
                    f"below the {w.context_max_tokens:,} tokens needed", "decisive"),)))
                continue
            per_mtok = blended_usd_per_mtok(price, w.input_tokens, w.output_tokens, w.cached_input_fraction)
            monthly = per_mtok * Decimal(str(w.tokens_per_month)) / Decimal(1_000_000)
            reasons = [
                Reason("api-price", f"pay per token: ${price.input_usd_per_mtok}/M input, ${price.output_usd_per_mtok}/M output "
                       f"({price.provider}, as of {price.as_of}): ${per_mtok:.3f}/M blended for {w.input_tokens:,} in / "
                       f"{w.output_tokens:,} out", "info", {"usd_per_mtok": str(per_mtok)}),
                Reason("api-no-idle", f"no idle cost: {w.requests_per_day:,.0f} requests/day are billed as they come, "
                       f"whatever the {w.traffic_shape} shape (peak {w.peak_to_mean:g}x mean)", "info"),
            ]
            if w.latency == "interactive":
                reasons.append(Reason("api-latency", "provider latency and rate limits are not modelled: check their published "
                                      "speed against your TTFT and tokens/s targets", "warning"))
            if w.fine_tuning == "heavy":
                reasons.append(Reason("api-fine-tuning", "heavy fine-tuning planned: a shared per-token API serves the base model only",
                                      "warning"))
            out.append(Candidate(
                model=model.id, model_name=model.name, architecture=model.architecture, deployment=self.deployment,
                provider=price.provider, gpu=None, gpus=0, replicas=0, precision=None,
                monthly_cost_usd=_money(monthly), usd_per_mtok=_money(per_mtok, MICRO), utilization=None,
                quality=quality, quality_benchmark=bench, price_source=price.source, price_as_of=price.as_of,
                api_input_usd_per_mtok=price.input_usd_per_mtok, api_output_usd_per_mtok=price.output_usd_per_mtok,
                api_cached_input_usd_per_mtok=price.cached_input_usd_per_mtok,
                reasons=tuple(reasons),
            ))
        return out


DEFAULT_BACKENDS: tuple[CostBackend, ...] = (SelfHostedBackend(), ApiBackend())
