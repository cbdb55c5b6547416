"""A self-hosted configuration that works, with its bill (``Costed``), and the memory of a replica of it: built as a
breakdown for a shown row only (``Costed.memory``), tested as a sum for every configuration the search costs (``shortfall``)."""

from __future__ import annotations

from dataclasses import dataclass

from advisor import cost
from advisor.cost import billing
from advisor.domain.recommendation import MemoryBreakdown, UtilizationPoint
from advisor.domain.serving import ServingProfile
from advisor.domain.specs import GpuSpec, ModelSpec
from advisor.physics.performance import Estimate


@dataclass(slots=True)
class Costed:
    """A configuration that works, with its bill: compared on cost before anything is explained (never changed once
    made; not frozen, so the search makes one per configuration it costs five times faster)."""

    model: ModelSpec
    gpu: GpuSpec
    n: int
    """GPUs per engine."""
    precision: str
    kv_prec: str
    eng: ServingProfile
    e: Estimate
    plan: billing.Plan
    plans: tuple[billing.Plan, ...]
    dp: int
    """Engines per replica (one sold instance)."""
    utilization: float
    per_engine: float
    """Sequences one engine runs at once (its memory: ``memory``)."""
    adm: tuple[int, int]
    """(Tokens a running sequence holds, their KV bytes): ``_prelude``'s admission context."""
    planned: float = 0.0
    """Output tokens/s one engine may be planned to carry (``_prelude``)."""

    def memory(self) -> MemoryBreakdown:
        """The replica's memory: built for a row only."""
        return replica_memory(self.gpu, self.n, self.dp, self.e, self.per_engine, *self.adm)


def replica_memory(gpu: GpuSpec, n: int, dp: int, e: Estimate, per_engine: float, adm_ctx: int, kv_seq: int) -> MemoryBreakdown:
    """The memory of a replica of ``dp`` engines of ``n`` GPUs running ``per_engine`` sequences at ``adm_ctx`` tokens
    (``kv_seq`` KV bytes each): the breakdown's fields set as its ``__init__`` would (a ranking builds one per row)."""
    gpu_bytes, weights, reserve, repl, kv_capacity = _sizes(gpu, e)
    gpus = n * dp
    mem = object.__new__(MemoryBreakdown)
    mem.__dict__.update(capacity_bytes=gpu_bytes * gpus, weights_bytes=weights * dp, kv_cache_bytes=int(per_engine * kv_seq * repl) * dp,
                        reserve_bytes=reserve * gpus, kv_capacity_bytes=int(kv_capacity * repl) * dp, concurrency=per_engine * dp,
                        kv_context_tokens=adm_ctx)
    return mem


def shortfall(gpu: GpuSpec, n: int, dp: int, e: Estimate, per_engine: float, kv_seq: int) -> int:
    """The bytes ``replica_memory``'s replica is short (> 0: it does not fit): over the GPUs' memory, or its KV cache over the
    KV capacity; the same sums as the breakdown's, without building it (the search tests thousands)."""
    gpu_bytes, weights, reserve, repl, kv_capacity = _sizes(gpu, e)
    kv_need = int(per_engine * kv_seq * repl) * dp
    free = gpu_bytes * n * dp - weights * dp - reserve * n * dp - kv_need
    return max(-free, kv_need - int(kv_capacity * repl) * dp)


_SIZES: dict[int, tuple] = {}


def _sizes(gpu: GpuSpec, e: Estimate) -> tuple:
    """(GPU bytes, weight bytes, reserve bytes a GPU, KV copies, KV capacity bytes) of an estimate on ``gpu``, read once per
    estimate (``e.fit.reserve.total`` is a sum), the estimate held so its id is not re-used. The weight bytes are what the
    engine's GPUs hold: the checkpoint, or more where the layout copies weights onto every GPU (attention data
    parallelism holds the non-expert weights on each rank: DeepSeek-V3 FP8 in DEP8 on B200 holds 806.7 GB, 133.5 GB more than its checkpoint)."""
    found = _SIZES.get(id(e))
    if found is None or found[0] is not e or found[1] is not gpu:
        if len(_SIZES) >= 65536:
            _SIZES.clear()
        held = max(e.weights_bytes, e.fit.weights_bytes_per_gpu * e.gpus)
        found = _SIZES[id(e)] = (e, gpu, (gpu.memory_bytes, held, e.fit.reserve.total, e.parallelism.kv_replication,
                                          e.fit.kv_capacity_bytes))
    return found[2]


def bill_fields(shared: dict, plan: billing.Plan, capacity: float, blend: float, volume: bool) -> dict:
    """A self-hosted row's fields its plan sets (price row, policy, replicas, table; with ``volume`` its bill), as shown."""
    hourly_one, price = plan.hourly_one_usd, plan.price
    table = shared.get(("table", hourly_one, capacity))  # the same for any volume that bills the same replica
    if table is None:
        table = shared[("table", hourly_one, capacity)] = tuple(
            UtilizationPoint(u, cost.usd_per_mtok(hourly_one, capacity, blend, u)) for u in cost.UTILIZATION_POINTS)
    return {"provider": price.provider, "replicas": plan.replicas_peak, "hourly_usd": cost.money(plan.usd_per_gpu_hour * plan.gpus_billed_at_peak, cost.MICRO),
            "usd_per_gpu_hour": plan.usd_per_gpu_hour, "price_source": price.source, "price_as_of": price.as_of, "utilization_table": table,
            "replicas_peak": plan.replicas_peak, "replicas_min": plan.replicas_min, "scaling": plan.policy, "pricing_kind": plan.pricing_kind,
            "instance_gpus": plan.instance_gpus, **(volume_fields(plan) if volume else {})}


def volume_fields(plan: billing.Plan) -> dict:
    return {"monthly_cost_usd": cost.money(plan.monthly_usd), "billed_gpu_hours_per_month": round(plan.billed_gpu_hours_per_month, 3)}
