"""A self-hosted configuration that works, with its bill (``Costed``), and the memory of a replica of it: built as a
breakdown for a shown row only (``Costed.memory``), tested as a sum for every configuration the search costs (``shortfall``)."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.cost import billing
from advisor.domain.recommendation import MemoryBreakdown
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
    estimate (``e.fit.reserve.total`` is a sum), the estimate held so its id is not re-used."""
    found = _SIZES.get(id(e))
    if found is None or found[0] is not e or found[1] is not gpu:
        if len(_SIZES) >= 65536:
            _SIZES.clear()
        found = _SIZES[id(e)] = (e, gpu, (gpu.memory_bytes, e.weights_bytes, e.fit.reserve.total, e.parallelism.kv_replication,
                                          e.fit.kv_capacity_bytes))
    return found[2]
